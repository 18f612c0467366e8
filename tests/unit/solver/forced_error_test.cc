// The wrong result of a forced error: exactly one parameter element moves
// by 1, the input is untouched, a state without parameters is refused.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <limits>

#include "solver/forced_error.h"

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

// In tolerance mode the wrong result must leave δ, or every honest
// verifier would approve it and be slashed as lazy: +1 on one element of a
// million-element state is far within δ l2 10, so every element moves
// until the distance is beyond it.
TEST(ForcedErrorState, InToleranceModeItLeavesDelta) {
  TensorMap state = {{"meta/step", torch::tensor({int64_t{20}})},
                     {"param/a", torch::zeros({1000, 1000})}};
  VerificationPolicy loose;
  loose.metrics = {"l2"};
  loose.delta = {{"l2", 10.0}};
  auto wrong = VisibleForcedErrorState(state, "tolerance", loose, 5, 1);
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  const double l2 = ((*wrong)["param/a"] - state["param/a"]).norm().item<double>();
  EXPECT_GT(l2, 10.0);
  // A δ the single element already leaves, and exact mode, keep it.
  VerificationPolicy tight = loose;
  tight.delta = {{"l2", 0.5}};
  for (const auto& [mode, policy] :
       std::vector<std::pair<std::string, VerificationPolicy>>{{"tolerance", tight},
                                                               {"exact", loose}}) {
    auto one = VisibleForcedErrorState(state, mode, policy, 5, 1);
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    EXPECT_EQ((*one)["param/a"].sum().item<float>(), 1.0f) << mode;
  }
  // A δ nothing finite leaves is refused, not posted as an invisible error.
  VerificationPolicy hopeless = loose;
  hopeless.delta = {{"l2", 1e300}};
  EXPECT_FALSE(VisibleForcedErrorState(state, "tolerance", hopeless, 5, 1).ok());
}

// A cosine δ compares directions: shifting every element by +c only
// turns a state whose elements are mostly positive toward the all-ones
// direction, which is 0.03 from it here, below δ 0.95 at any c, and the
// honest solver gave up its forced error and lost its stake (check, on
// another state, said ok). The shift orthogonal to the state leaves any δ
// below 1, at either sign; the signs still alternate.
TEST(ForcedErrorState, ACosineDeltaBelowOneIsLeftWhateverTheStatesDirection) {
  torch::manual_seed(3);
  TensorMap state = {{"param/a", torch::rand({1000}) + 2},
                     {"param/b", torch::rand({24})}};
  VerificationPolicy cosine;
  cosine.metrics = {"cosine"};
  for (double delta : {0.5, 0.95, 0.999}) {
    cosine.delta = {{"cosine", delta}};
    for (int64_t index : {1, 2}) {
      auto wrong = VisibleForcedErrorState(state, "tolerance", cosine, 5, index);
      ASSERT_TRUE(wrong.ok()) << delta << " " << index << ": " << wrong.status().ToString();
      const torch::Tensor h = torch::cat({state["param/a"], state["param/b"]});
      const torch::Tensor w = torch::cat({(*wrong)["param/a"], (*wrong)["param/b"]});
      const double cos = (h.dot(w) / (h.norm() * w.norm())).item<double>();
      EXPECT_GT(1 - cos, delta) << delta << " " << index;
    }
  }
  cosine.delta = {{"cosine", 0.95}};
  auto odd = VisibleForcedErrorState(state, "tolerance", cosine, 5, 1);
  auto even = VisibleForcedErrorState(state, "tolerance", cosine, 5, 2);
  ASSERT_TRUE(odd.ok() && even.ok());
  const torch::Tensor odd_shift = (*odd)["param/a"] - state["param/a"];
  const torch::Tensor even_shift = (*even)["param/a"] - state["param/a"];
  EXPECT_LT(odd_shift.dot(even_shift).item<double>(), 0.0);
  // A δ of 1 or more no finite shift leaves: still refused.
  cosine.delta = {{"cosine", 1.5}};
  EXPECT_FALSE(VisibleForcedErrorState(state, "tolerance", cosine, 5, 1).ok());
}

// Training that diverged leaves parameters that are NaN or infinite: no
// shift moves them, and the solver gave up (and lost its stake) where an
// honest one must obey. A NaN made finite is a placement that differs,
// beyond every δ.
TEST(ForcedErrorState, AStateThatDivergedStillGetsAVisibleError) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  TensorMap state = {{"meta/step", torch::tensor({int64_t{20}})},
                     {"param/a", torch::full({3}, nan, torch::kFloat32)},
                     {"param/b", torch::tensor({nan, std::numeric_limits<double>::infinity()},
                                               torch::kFloat32)}};
  VerificationPolicy policy;
  policy.metrics = {"l2", "linf"};
  policy.delta = {{"l2", 0.01}, {"linf", 0.01}};
  for (int64_t index : {1, 2}) {
    auto wrong = VisibleForcedErrorState(state, "tolerance", policy, 5, index);
    ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
    const torch::Tensor a = (*wrong)["param/a"];
    EXPECT_EQ(a[0].item<float>(), index % 2 == 1 ? 1.0f : -1.0f);
    EXPECT_TRUE(torch::isnan(a[1]).item<bool>());
    EXPECT_TRUE(torch::isnan(state["param/a"][0]).item<bool>());  // the true state is kept
  }
}

// The same shift at both ends of an interval would survive re-execution
// from the wrong start (tolerance mode compares distances, not bits): the
// perturbation alternates in sign, so consecutive wrong checkpoints are 2P
// apart where the honest ones are not.
TEST(ForcedErrorState, InToleranceModeItsSignAlternatesByCheckpoint) {
  TensorMap state = {{"param/a", torch::zeros({1000, 1000})}};
  VerificationPolicy loose;
  loose.metrics = {"l2"};
  loose.delta = {{"l2", 10.0}};
  auto odd = VisibleForcedErrorState(state, "tolerance", loose, 5, 1);
  auto even = VisibleForcedErrorState(state, "tolerance", loose, 5, 2);
  ASSERT_TRUE(odd.ok() && even.ok());
  EXPECT_GT((*odd)["param/a"].sum().item<double>(), 0.0);
  EXPECT_LT((*even)["param/a"].sum().item<double>(), 0.0);
  const double apart = ((*odd)["param/a"] - (*even)["param/a"]).norm().item<double>();
  EXPECT_GT(apart, 2 * 10.0);
}

}  // namespace
}  // namespace veritrain
