// The vector–Jacobian product that every backward node of a step graph
// computes: the gradients of a node's forward output with respect to its
// inputs and parameters, given the upstream gradient.
//
// A backward node evaluated alone (by the arbiter) runs its layer's
// forward afresh from the recorded inputs and calls this; inside a full
// step it takes the graph its forward node kept (forward_tape.h). Both run
// the same LibTorch calls in the same order, so they give the same bits on
// the same hardware profile.
//
// Thread-safety: pure function (LibTorch's autograd engine is thread-safe
// for disjoint graphs).
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "core/train/torch_bridge.h"

namespace veritrain {

// d⟨y, dy⟩/d wrt[j] under the name names[j]; a tensor that y does not
// depend on gets zeros of its shape.
// REQUIRES: names.size() == wrt.size(); y was computed from wrt with grad
// mode on; dy has y's shape.
TensorMap VectorJacobianProduct(const torch::Tensor& y, const std::vector<torch::Tensor>& wrt,
                                const torch::Tensor& dy, const std::vector<std::string>& names);

// `t` as a value without autograd history: t itself when it does not
// require grad (a detach() would only make another alias of the same data),
// else t.detach(). The bits are t's either way.
torch::Tensor WithoutHistory(const torch::Tensor& t);

}  // namespace veritrain
