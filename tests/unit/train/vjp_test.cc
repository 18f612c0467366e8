// VectorJacobianProduct: gradients by name, and zeros for what the output
// does not depend on.
#include "core/train/vjp.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace veritrain {
namespace {

TEST(VjpTest, GradientsByNameAndZerosForUnusedInputs) {
  torch::AutoGradMode grad_mode(true);
  torch::Tensor w = torch::tensor({1.0, 2.0, 3.0}).requires_grad_(true);
  torch::Tensor x = torch::tensor({4.0, 5.0, 6.0}).requires_grad_(true);
  torch::Tensor unused = torch::ones({2, 2}).requires_grad_(true);
  torch::Tensor y = w * x;  // dy/dw = x, dy/dx = w
  torch::Tensor dy = torch::tensor({1.0, 10.0, 100.0});
  TensorMap g = VectorJacobianProduct(y, {w, x, unused}, dy, {"grad/w", "grad/x", "grad/u"});
  ASSERT_EQ(g.size(), 3u);
  EXPECT_TRUE(torch::equal(g.at("grad/w"), x.detach() * dy));
  EXPECT_TRUE(torch::equal(g.at("grad/x"), w.detach() * dy));
  EXPECT_TRUE(torch::equal(g.at("grad/u"), torch::zeros({2, 2})));
}

}  // namespace
}  // namespace veritrain
