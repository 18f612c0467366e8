#include "core/protocol/dissection.h"

#include <gtest/gtest.h>

#include <random>

namespace veritrain {
namespace {

TEST(CeilLog, SmallValues) {
  EXPECT_EQ(CeilLog(1, 2), 0);
  EXPECT_EQ(CeilLog(2, 2), 1);
  EXPECT_EQ(CeilLog(3, 2), 2);
  EXPECT_EQ(CeilLog(16, 2), 4);
  EXPECT_EQ(CeilLog(17, 2), 5);
  EXPECT_EQ(CeilLog(64, 4), 3);
  EXPECT_EQ(CeilLog(65, 4), 4);
  EXPECT_EQ(CeilLog(50, 8), 2);
  EXPECT_EQ(CeilLog(9, 8), 2);
}

TEST(Dissection, BinaryOverEightSteps) {
  Dissection d(8, 2);
  EXPECT_EQ(d.total_rounds(), 3);
  EXPECT_EQ(d.Boundaries(), (std::vector<int64_t>{0, 4, 8}));
  EXPECT_EQ(d.PositionsToPost(), (std::vector<int64_t>{4}));
  ASSERT_TRUE(d.Choose(1).ok());
  EXPECT_EQ(d.PositionsToPost(), (std::vector<int64_t>{6}));
  ASSERT_TRUE(d.Choose(0).ok());
  ASSERT_TRUE(d.Choose(1).ok());
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.lo(), 5);
  EXPECT_EQ(d.rounds(), 3);
}

TEST(Dissection, PaddingHidesPositionsPastTheEnd) {
  Dissection d(5, 2);  // padded to 8
  EXPECT_EQ(d.Boundaries(), (std::vector<int64_t>{0, 4, 8}));
  EXPECT_EQ(d.PositionsToPost(), (std::vector<int64_t>{4}));
  ASSERT_TRUE(d.Choose(1).ok());  // [4, 8): only step 4 is real
  EXPECT_TRUE(d.PositionsToPost().empty());  // 6 is past the end
  EXPECT_FALSE(d.Choose(1).ok());  // [6, 8) starts past the end
  ASSERT_TRUE(d.Choose(0).ok());
  ASSERT_TRUE(d.Choose(0).ok());
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.lo(), 4);
}

TEST(Dissection, RejectsOutOfRangeIndex) {
  Dissection d(10, 4);
  EXPECT_EQ(d.Choose(-1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(d.Choose(4).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(d.rounds(), 0);
}

TEST(Dissection, OneStepNeedsNoRound) {
  Dissection d(1, 3);
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.total_rounds(), 0);
  EXPECT_EQ(d.Choose(0).code(), Status::Code::kFailedPrecondition);
}

// Whatever legal sub-ranges are chosen, the dissection takes exactly
// ⌈log_n L⌉ rounds and ends on a real step.
TEST(Dissection, RoundsAreExactForEveryLegalPath) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 3000; ++trial) {
    const int64_t length = 1 + static_cast<int64_t>(rng() % 300);
    const int64_t arity = 2 + static_cast<int64_t>(rng() % 7);
    Dissection d(length, arity);
    while (!d.done()) {
      const auto b = d.Boundaries();
      std::vector<int64_t> legal;
      for (int64_t i = 0; i < arity; ++i) {
        if (b[i] < length) legal.push_back(i);
      }
      ASSERT_FALSE(legal.empty());
      ASSERT_TRUE(d.Choose(legal[rng() % legal.size()]).ok());
    }
    EXPECT_EQ(d.rounds(), CeilLog(length, arity)) << length << " " << arity;
    EXPECT_LT(d.lo(), length);
  }
}

}  // namespace
}  // namespace veritrain
