#include "core/protocol/dissection.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// DissectionRanges lists exactly the sub-ranges some legal path offers
// (clipped at the end), plus the whole range.
TEST(Dissection, RangesAreExactlyTheReachableSubRanges) {
  for (int64_t length = 1; length <= 40; ++length) {
    for (int64_t arity = 2; arity <= 5; ++arity) {
      std::vector<PositionRange> reachable = {{0, length}};
      std::vector<Dissection> open = {Dissection(length, arity)};
      while (!open.empty()) {
        Dissection d = open.back();
        open.pop_back();
        if (d.done()) continue;
        for (int64_t i = 0; i < arity; ++i) {
          Dissection next = d;
          if (!next.Choose(i).ok()) continue;
          reachable.push_back({next.lo(), std::min(next.hi(), length)});
          open.push_back(next);
        }
      }
      const auto listed = DissectionRanges(length, arity);
      for (const auto& r : reachable) {
        EXPECT_NE(std::find(listed.begin(), listed.end(), r), listed.end())
            << "[" << r.from << ", " << r.to << ") of " << length << " at arity " << arity;
      }
      for (size_t i = 0; i < listed.size(); ++i) {
        const auto& r = listed[i];
        EXPECT_EQ(std::find(listed.begin(), listed.end(), r) - listed.begin(),
                  static_cast<std::ptrdiff_t>(i))
            << "listed twice";
        EXPECT_LT(r.from, r.to);
        EXPECT_LE(r.to, length);
        EXPECT_NE(std::find(reachable.begin(), reachable.end(), r), reachable.end())
            << "[" << r.from << ", " << r.to << ") of " << length << " at arity " << arity;
      }
    }
  }
  // k = 5, binary: the whole, 4 + 1, 2 + 2 + 1, and single steps.
  const std::vector<PositionRange> five = {{0, 5}, {0, 4}, {4, 5}, {0, 2}, {2, 4},
                                           {0, 1}, {1, 2}, {2, 3}, {3, 4}};
  EXPECT_EQ(DissectionRanges(5, 2), five);
}

}  // namespace
}  // namespace veritrain
