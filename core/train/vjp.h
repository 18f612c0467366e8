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

#include <vector>


namespace veritrain {

// d⟨y, dy⟩/d wrt[j] at position j; a tensor that y does not depend on
// gets zeros of its shape.
// REQUIRES: y was computed from wrt with grad mode on; dy has y's shape.
std::vector<torch::Tensor> VectorJacobianProduct(const torch::Tensor& y,
                                                 const std::vector<torch::Tensor>& wrt,
                                                 const torch::Tensor& dy);

// `t` as a value without autograd history: t itself when it does not
// require grad (another alias of the same data would only cost), else an
// alias of its data with no autograd history. The bits are t's either way.
//
// The alias is a shallow copy of the tensor's header (no dispatcher call,
// no view tracking): cheaper than detach(), which a step graph would call
// for every node. It has a version counter of its own, which is safe here
// because node functions never write into a value in place.
torch::Tensor WithoutHistory(const torch::Tensor& t);

// A new autograd leaf that requires grad and shares `t`'s data: what a
// node's forward differentiates with respect to. `t` itself is unchanged.
// The same bits as t.detach().requires_grad_(true), without the
// dispatcher calls (see WithoutHistory).
torch::Tensor NewLeaf(const torch::Tensor& t);

}  // namespace veritrain
