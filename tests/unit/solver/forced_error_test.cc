// The wrong result of a forced error: exactly one parameter element moves
// by 1, the input is untouched, a state without parameters is refused.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "solver/solver.h"

namespace veritrain {
namespace {

TEST(ForcedErrorState, PerturbsOneElementOfTheFirstParameter) {
  TensorMap state = {{"meta/step", torch::tensor({int64_t{20}})},
                     {"param/a", torch::zeros({2, 3})},
                     {"param/b", torch::ones({4})}};
  auto wrong = ForcedErrorState(state);
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  EXPECT_EQ((*wrong)["param/a"].sum().item<float>(), 1.0f);
  EXPECT_EQ((*wrong)["param/a"].view({-1})[0].item<float>(), 1.0f);
  EXPECT_TRUE(torch::equal((*wrong)["param/b"], state["param/b"]));
  EXPECT_TRUE(torch::equal((*wrong)["meta/step"], state["meta/step"]));
  EXPECT_EQ(state["param/a"].sum().item<float>(),
            0.0f);  // the true state is kept
}

TEST(ForcedErrorState, NeedsAParameter) {
  TensorMap state = {{"meta/step", torch::tensor({int64_t{0}})}};
  EXPECT_FALSE(ForcedErrorState(state).ok());
}

}  // namespace
}  // namespace veritrain
