// Tests for the arbiter's per-task draws: forced errors at the scenario's
// rate, verifier selection bound to the trace root.
#include "core/protocol/task_draws.h"

#include <gtest/gtest.h>

#include <map>

#include "core/protocol/commit_reveal.h"

namespace veritrain {
namespace {

TEST(ForcedErrorDrawn, FollowsTheRate) {
  int forced = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const Digest secret = SecretFromSeed(7, "task-" + std::to_string(i));
    EXPECT_FALSE(ForcedErrorDrawn(secret, 0.0));
    EXPECT_TRUE(ForcedErrorDrawn(secret, 1.0));
    if (ForcedErrorDrawn(secret, 0.3)) ++forced;
  }
  // Binomial(4000, 0.3): mean 1200, sd ~29; 5 sd either side.
  EXPECT_GT(forced, 1200 - 145);
  EXPECT_LT(forced, 1200 + 145);
}

TEST(SelectVerifiers, SelectsCountDistinctInPoolOrder) {
  const std::vector<std::string> pool = {"a", "b", "c", "d", "e"};
  std::map<std::string, int> picked;
  for (int i = 0; i < 1000; ++i) {
    const Digest secret = SecretFromSeed(1, "task-" + std::to_string(i));
    const auto chosen = SelectVerifiers(secret, Digest{}, pool, 2);
    ASSERT_EQ(chosen.size(), 2u);
    EXPECT_LT(chosen[0], chosen[1]);  // pool order, distinct
    for (const auto& c : chosen) ++picked[c];
  }
  for (const auto& name : pool) {
    EXPECT_GT(picked[name], 300) << name;  // each about 400 of 1000
    EXPECT_LT(picked[name], 500) << name;
  }
  EXPECT_EQ(SelectVerifiers(Digest{}, Digest{}, pool, 0), pool);
  EXPECT_EQ(SelectVerifiers(Digest{}, Digest{}, pool, 9), pool);
}

TEST(SelectVerifiers, IsBoundToTheTraceRoot) {
  const std::vector<std::string> pool = {"a", "b", "c", "d",
                                         "e", "f", "g", "h"};
  const Digest secret = SecretFromSeed(3, "task-0001");
  int differ = 0;
  for (int i = 0; i < 50; ++i) {
    Digest root{};
    root.bytes[0] = static_cast<uint8_t>(i);
    if (SelectVerifiers(secret, root, pool, 3) !=
        SelectVerifiers(secret, Digest{}, pool, 3)) {
      ++differ;
    }
    EXPECT_EQ(SelectVerifiers(secret, root, pool, 3),
              SelectVerifiers(secret, root, pool, 3));
  }
  EXPECT_GT(differ, 30);
}

}  // namespace
}  // namespace veritrain
