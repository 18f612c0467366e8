#include "core/train/vjp.h"

#include <torch/torch.h>

namespace veritrain {

std::vector<torch::Tensor> VectorJacobianProduct(const torch::Tensor& y,
                                                 const std::vector<torch::Tensor>& wrt,
                                                 const torch::Tensor& dy) {
  std::vector<torch::Tensor> grads = torch::autograd::grad({y}, wrt, {WithoutHistory(dy)},
                                                           /*retain_graph=*/false,
                                                           /*create_graph=*/false,
                                                           /*allow_unused=*/true);
  for (size_t j = 0; j < grads.size(); ++j) {
    // A value the output does not depend on has a zero gradient.
    if (!grads[j].defined()) grads[j] = torch::zeros_like(wrt[j]);
  }
  return grads;
}

torch::Tensor WithoutHistory(const torch::Tensor& t) {
  return t.requires_grad() ? t.variable_data() : t;
}

torch::Tensor NewLeaf(const torch::Tensor& t) {
  torch::Tensor leaf = t.variable_data();
  leaf.set_requires_grad(true);
  return leaf;
}

}  // namespace veritrain
