// Trajectory: the states of one interval recomputed from its agreed start
// (state(p) is the state p steps in), with state hashes computed only when
// they are asked for, and then kept.
//
// Both sides of the challenge game recompute the disputed interval, but the
// dissection only ever compares hashes at its split points: about
// (arity - 1) * ceil(log_arity(k)) of the k + 1 positions. Hashing a state
// costs about as much as a training step of a small model, so hashing every
// position would nearly double a dispute's cost for nothing.
//
// Thread-safety: thread-compatible (Hash() caches, so it is not const).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

class Trajectory {
 public:
  // Appends the next state; `known_hash` when its state hash is already
  // known (the agreed checkpoint's, say).
  // REQUIRES: the state's tensors are never modified in place.
  void Add(TensorMap state, std::optional<Digest> known_hash = std::nullopt);

  size_t size() const { return states_.size(); }
  bool empty() const { return states_.empty(); }
  // REQUIRES: p < size().
  const TensorMap& state(size_t p) const { return states_[p]; }

  // The state hash at position p, computed on first use. InvalidArgument
  // when p >= size() or the state is not a valid state (naming the tensor).
  Result<Digest> Hash(size_t p);
  // How many hashes have been computed (not given to Add), for tests and
  // metrics.
  size_t hashes_computed() const { return computed_; }

 private:
  std::vector<TensorMap> states_;
  std::vector<std::optional<Digest>> hashes_;
  size_t computed_ = 0;
};

}  // namespace veritrain
