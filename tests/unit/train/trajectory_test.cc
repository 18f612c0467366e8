// Tests for Trajectory: hashes on demand are the states' hashes, computed
// once each and only when asked; a given hash is used as is; positions
// past the end are an error.
#include "core/train/trajectory.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/state/state_hash.h"

namespace veritrain {
namespace {

TensorMap StateAt(int64_t step) {
  TensorMap m;
  m["param/w"] = torch::full({2, 3}, static_cast<float>(step));
  m["meta/step"] = torch::tensor(step, torch::kInt64);
  return m;
}

TEST(TrajectoryTest, HashesAreTheStatesHashesComputedOnceWhenAsked) {
  Trajectory t;
  for (int64_t p = 0; p < 5; ++p) t.Add(StateAt(p));
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t.hashes_computed(), 0u);
  auto h3 = t.Hash(3);
  ASSERT_TRUE(h3.ok()) << h3.status().ToString();
  EXPECT_EQ(*h3, *StateHash(ToState(StateAt(3))));
  EXPECT_EQ(t.hashes_computed(), 1u);
  EXPECT_EQ(*t.Hash(3), *h3);  // cached
  EXPECT_EQ(t.hashes_computed(), 1u);
  EXPECT_NE(*t.Hash(4), *h3);
  EXPECT_EQ(t.hashes_computed(), 2u);
  EXPECT_TRUE(BitEqual(t.state(2), StateAt(2)));
}

TEST(TrajectoryTest, AGivenHashIsUsedAsIs) {
  Trajectory t;
  const Digest agreed = Sha256Of("the agreed checkpoint's hash");
  t.Add(StateAt(0), agreed);
  EXPECT_EQ(*t.Hash(0), agreed);
  EXPECT_EQ(t.hashes_computed(), 0u);
}

TEST(TrajectoryTest, PositionPastTheEndIsAnError) {
  Trajectory t;
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.Hash(0).status().code(), Status::Code::kInvalidArgument);
  t.Add(StateAt(0));
  auto h = t.Hash(1);
  EXPECT_EQ(h.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(h.status().message().find("position 1"), std::string::npos)
      << h.status().ToString();
}

TEST(TrajectoryTest, AnInvalidStateIsAnErrorNamingTheTensor) {
  Trajectory t;
  TensorMap bad = StateAt(0);
  bad["param/c"] = torch::ones({2}, torch::kComplexFloat);
  t.Add(bad);
  auto h = t.Hash(0);
  EXPECT_EQ(h.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(h.status().message().find("param/c"), std::string::npos)
      << h.status().ToString();
}

}  // namespace
}  // namespace veritrain
