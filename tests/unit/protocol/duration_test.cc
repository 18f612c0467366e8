// Seconds to milliseconds without overflow: the conversion every deadline
// and game clock goes through.
#include "core/protocol/duration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace veritrain {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

TEST(DurationTest, ConvertsAndRoundsToTheNearestMillisecond) {
  EXPECT_EQ(*SecondsToMs(600, "training_s"), 600000);
  EXPECT_EQ(*SecondsToMs(0.3, "clock_s"),
            300);  // 0.3 * 1000 = 300.00000000000006
  EXPECT_EQ(*SecondsToMs(2.9999, "clock_s"), 3000);
  EXPECT_EQ(*SecondsToMs(0, "clock_s"), 0);
  // A positive duration never becomes zero by rounding.
  EXPECT_EQ(*SecondsToMs(1e-9, "clock_s"), 1);
  EXPECT_EQ(*SecondsToMs(kMaxDurationSeconds, "clock_s"), kMaxDurationMs);
}

TEST(DurationTest, RefusesWhatWouldOverflowOrIsNoDuration) {
  // The values that used to overflow static_cast<int64_t>(s * 1000) into a
  // negative deadline (an immediate timeout of an honest party).
  for (double s :
       {1e16, 9.3e15, 9.3e12, kMaxDurationSeconds * 2,
        std::numeric_limits<double>::infinity(), std::ldexp(1.0, 63)}) {
    auto ms = SecondsToMs(s, "protocol.deadlines.training_s");
    ASSERT_FALSE(ms.ok()) << s;
    EXPECT_EQ(ms.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(ms.status().message().find("protocol.deadlines.training_s"),
              std::string::npos);
    EXPECT_NE(ms.status().message().find("31536000"), std::string::npos);
  }
  auto nan = SecondsToMs(std::nan(""), "game.clock_s");
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.status().message().find("NaN"), std::string::npos);
  auto negative = SecondsToMs(-1, "game.clock_s");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("negative"), std::string::npos);
  EXPECT_FALSE(SecondsToMs(-std::numeric_limits<double>::infinity(), "x").ok());
}

TEST(DurationTest, AddSaturates) {
  EXPECT_EQ(AddMs(1000, 500), 1500);
  EXPECT_EQ(AddMs(kInt64Max - 1, 5), kInt64Max);
  EXPECT_EQ(AddMs(kInt64Max, kInt64Max), kInt64Max);
  EXPECT_EQ(AddMs(kInt64Min + 1, -5), kInt64Min);
  EXPECT_EQ(AddMs(-10, 3), -7);
}

// Over seeded random durations across the whole allowed range: within half
// a millisecond of s × 1000 (1 ms below that), never above the limit, and
// monotone.
TEST(DurationTest, PropertyOverRandomSeconds) {
  std::mt19937_64 rng(17);
  std::vector<double> seconds;
  for (int i = 0; i < 20000; ++i) {
    // Spread over 12 orders of magnitude: 1e-6 s .. 365 days.
    const double exponent = std::uniform_real_distribution<double>(
        -6, std::log10(kMaxDurationSeconds))(rng);
    seconds.push_back(std::pow(10.0, exponent));
  }
  std::sort(seconds.begin(), seconds.end());
  int64_t last = 0;
  for (double s : seconds) {
    auto ms = SecondsToMs(s, "x");
    ASSERT_TRUE(ms.ok()) << s;
    if (s * 1000 < 0.5) {
      EXPECT_EQ(*ms, 1) << s;  // a positive duration is at least 1 ms
    } else {
      EXPECT_LE(std::fabs(static_cast<double>(*ms) - s * 1000),
                0.5 + 1e-9 * s * 1000)
          << s;
    }
    EXPECT_LE(*ms, kMaxDurationMs);
    EXPECT_GE(*ms, last) << s;
    last = *ms;
  }
}

TEST(DurationTest, TheLongestDeadlineFitsAnyClockReadingBelow2To62) {
  const int64_t now = int64_t{1} << 62;
  EXPECT_GT(AddMs(now, kMaxDurationMs), now);
  EXPECT_LT(kMaxDurationMs, int64_t{1} << 35);
}

}  // namespace
}  // namespace veritrain
