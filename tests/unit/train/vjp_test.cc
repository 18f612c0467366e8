// VectorJacobianProduct: gradients in the order of the tensors asked for,
// and zeros for what the output does not depend on.
#include "core/train/vjp.h"

#include <gtest/gtest.h>
#include <torch/types.h>

namespace veritrain {
namespace {

TEST(VjpTest, GradientsInOrderAndZerosForUnusedInputs) {
  torch::AutoGradMode grad_mode(true);
  torch::Tensor w = torch::tensor({1.0, 2.0, 3.0}).requires_grad_(true);
  torch::Tensor x = torch::tensor({4.0, 5.0, 6.0}).requires_grad_(true);
  torch::Tensor unused = torch::ones({2, 2}).requires_grad_(true);
  torch::Tensor y = w * x;  // dy/dw = x, dy/dx = w
  torch::Tensor dy = torch::tensor({1.0, 10.0, 100.0});
  std::vector<torch::Tensor> g = VectorJacobianProduct(y, {w, x, unused}, dy);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_TRUE(torch::equal(g[0], x.detach() * dy));
  EXPECT_TRUE(torch::equal(g[1], w.detach() * dy));
  EXPECT_TRUE(torch::equal(g[2], torch::zeros({2, 2})));
}

// NewLeaf: a fresh leaf over the same data that requires grad, leaving the
// tensor it was made from as it was; gradients reach the leaf only.
TEST(VjpTest, NewLeafSharesDataAndLeavesTheSourceAlone) {
  torch::AutoGradMode grad_mode(true);
  const torch::Tensor source = torch::tensor({1.0f, 2.0f});
  torch::Tensor leaf = NewLeaf(source);
  EXPECT_TRUE(leaf.requires_grad());
  EXPECT_TRUE(leaf.is_leaf());
  EXPECT_FALSE(source.requires_grad());
  EXPECT_EQ(leaf.data_ptr(), source.data_ptr());
  std::vector<torch::Tensor> g = VectorJacobianProduct(leaf * leaf, {leaf}, torch::ones({2}));
  EXPECT_TRUE(torch::equal(g[0], torch::tensor({2.0f, 4.0f})));
  EXPECT_FALSE(source.grad().defined());
}

// WithoutHistory: a value computed with grad comes back with no history
// and the same data; one without history comes back as itself.
TEST(VjpTest, WithoutHistoryDropsTheGraphAndKeepsTheData) {
  torch::AutoGradMode grad_mode(true);
  torch::Tensor x = torch::tensor({3.0f}).requires_grad_(true);
  torch::Tensor y = x * 2;
  torch::Tensor plain = WithoutHistory(y);
  EXPECT_FALSE(plain.requires_grad());
  EXPECT_EQ(plain.grad_fn(), nullptr);
  EXPECT_EQ(plain.data_ptr(), y.data_ptr());
  const torch::Tensor no_grad = torch::ones({1});
  EXPECT_TRUE(WithoutHistory(no_grad).is_same(no_grad));
}

}  // namespace
}  // namespace veritrain
