#include "core/train/vjp.h"

#include <torch/torch.h>

namespace veritrain {

TensorMap VectorJacobianProduct(const torch::Tensor& y, const std::vector<torch::Tensor>& wrt,
                                const torch::Tensor& dy, const std::vector<std::string>& names) {
  auto grads = torch::autograd::grad({y}, wrt, {WithoutHistory(dy)},
                                     /*retain_graph=*/false,
                                     /*create_graph=*/false,
                                     /*allow_unused=*/true);
  TensorMap out;
  for (size_t j = 0; j < names.size(); ++j) {
    // A value the output does not depend on has a zero gradient.
    out.emplace(names[j], grads[j].defined() ? grads[j] : torch::zeros_like(wrt[j]));
  }
  return out;
}

torch::Tensor WithoutHistory(const torch::Tensor& t) {
  return t.requires_grad() ? t.detach() : t;
}

}  // namespace veritrain
