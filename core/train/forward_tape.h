// ForwardTape: what one full training step keeps between a layer's forward
// node and its backward node — the forward's autograd graph — so that the
// backward node takes it instead of running the forward again.
//
// A backward node computes a vector–Jacobian product (vjp.h) of its
// layer's forward. Evaluated alone (by the arbiter, a verifier's node scan,
// the purity check) it has no tape and runs the forward afresh from its
// recorded inputs. Inside RunStepGraph the forward node has just run that
// same forward, in the same mode, on the same tensors, so it keeps the
// graph here and the backward node takes it: the same LibTorch calls on
// the same inputs, hence the same bits, at the cost of one forward less
// per layer (step_purity_test checks the bits for every built-in job).
//
// An entry is taken only when the backward node's inputs are the very
// tensors the forward read (the same TensorImpl, in the same order); a
// hook that replaced one of them makes the backward node recompute.
//
// Thread-safety: none; one tape belongs to one RunStepGraph call.
#pragma once

#include <torch/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace veritrain {

class ForwardTape {
 public:
  struct Entry {
    torch::Tensor y;                      // the forward's output, with its graph
    std::vector<torch::Tensor> wrt;       // the leaves the backward differentiates
    std::vector<torch::Tensor> sources;   // the tensors the forward read
  };

  // Keeps `entry` under `key` (a layer's or op's name), replacing any
  // entry kept there before.
  void Keep(const std::string& key, Entry entry);

  // The entry kept under `key` when its sources are exactly `sources`;
  // the entry leaves the tape either way (its graph is used at most once).
  std::optional<Entry> Take(const std::string& key,
                            const std::vector<torch::Tensor>& sources);

  size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, Entry> entries_;
};

}  // namespace veritrain
