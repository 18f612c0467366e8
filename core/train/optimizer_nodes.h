// Optimizer nodes: one step-graph node per parameter tensor, applying Adam
// or SGD (with momentum) to that tensor, written with plain tensor ops.
//
// For parameter "param/<p>" (p = "<layer>.<weight|bias>"):
//   Adam node "adam.<p>": reads param/<p>, grad/param/<p>, opt/<p>/m,
//     opt/<p>/v, meta/step; writes next/param/<p>, next/opt/<p>/m,
//     next/opt/<p>/v. The bias correction uses t = meta/step + 1.
//   SGD node "sgd.<p>": reads param/<p>, grad/param/<p> and, with momentum,
//     opt/<p>/momentum and meta/step (the first step sets the buffer to the
//     gradient, as PyTorch does); writes next/param/<p> and, with momentum,
//     next/opt/<p>/momentum.
// Hyper-parameters are captured from the task's OptimizerConfig; they are
// not state. The update math follows LibTorch's torch::optim::Adam and
// torch::optim::SGD op for op.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/train/optimizer_config.h"
#include "core/train/step_graph.h"
#include "core/train/torch_bridge.h"

namespace veritrain {

// The optimizer-state value names of parameter `p` ("fc1.weight"), e.g.
// {"opt/fc1.weight/m", "opt/fc1.weight/v"}; empty for SGD without momentum.
std::vector<std::string> OptimizerStateNames(const OptimizerConfig& c,
                                             const std::string& p);

// Adds the optimizer node of parameter `p` with `numel` elements.
Status AddOptimizerNode(StepGraph* g, const OptimizerConfig& c,
                        const std::string& p, int64_t numel);

// One Adam update of param with gradient grad and moments m, v at step t
// (1-based). Returns {param', m', v'}; the inputs are not modified.
// REQUIRES: c.is_adam(), t >= 1.
std::vector<torch::Tensor> AdamUpdate(const OptimizerConfig& c, int64_t t,
                                      const torch::Tensor& param,
                                      const torch::Tensor& grad,
                                      const torch::Tensor& m,
                                      const torch::Tensor& v);

// One SGD update. `momentum_buffer` is ignored on the first step and when
// c.momentum == 0. Returns {param'} or, with momentum, {param', buffer'};
// the inputs are not modified.
// REQUIRES: c.is_sgd().
std::vector<torch::Tensor> SgdUpdate(const OptimizerConfig& c, bool first_step,
                                     const torch::Tensor& param,
                                     const torch::Tensor& grad,
                                     const torch::Tensor& momentum_buffer);

}  // namespace veritrain
