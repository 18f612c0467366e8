// LogLimiter: a flood writes its first few lines in full and then one
// count per period, per kind.
#include "core/transport/log_limiter.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

TEST(LogLimiter, FirstFewInFullThenOneCountPerPeriod) {
  LogLimiter limiter(/*burst=*/3, /*period_ms=*/1000);
  int64_t full = 0, summaries = 0, summarised = 0;
  // 200,000 rejects over 20 s: one every 0.1 ms.
  for (int64_t i = 0; i < 200000; ++i) {
    const LogLimiter::Decision d = limiter.Note("bad_signature", i / 10);
    full += d.log;
    if (d.unlogged > 0) {
      ++summaries;
      summarised += d.unlogged;
    }
    EXPECT_FALSE(d.log && d.unlogged > 0);
  }
  EXPECT_EQ(full, 3);
  EXPECT_EQ(summaries, 19);  // one per second after the burst
  EXPECT_LE(200000 - 3 - summarised,
            10 * 1000);  // at most one period not yet reported
  EXPECT_EQ(limiter.count("bad_signature"), 200000);
}

TEST(LogLimiter, KindsAreCountedApart) {
  LogLimiter limiter(2, 1000);
  EXPECT_TRUE(limiter.Note("a", 0).log);
  EXPECT_TRUE(limiter.Note("a", 0).log);
  EXPECT_FALSE(limiter.Note("a", 0).log);
  EXPECT_TRUE(limiter.Note("b", 0).log);  // another kind has its own burst
  EXPECT_EQ(limiter.count("a"), 3);
  EXPECT_EQ(limiter.count("b"), 1);
  EXPECT_EQ(limiter.count("c"), 0);
  // After a period, the next one says how many went unlogged.
  EXPECT_EQ(limiter.Note("a", 500).unlogged, 0);
  EXPECT_EQ(limiter.Note("a", 1000).unlogged, 3);
  EXPECT_EQ(limiter.Note("a", 1001).unlogged, 0);
}

TEST(LogLimiter, ABurstOfZeroLogsOnlyCounts) {
  LogLimiter limiter(0, 100);
  const LogLimiter::Decision first = limiter.Note("x", 1000);
  EXPECT_FALSE(first.log);
  EXPECT_EQ(first.unlogged, 1);
  EXPECT_EQ(limiter.Note("x", 1050).unlogged, 0);
  EXPECT_EQ(limiter.Note("x", 1100).unlogged, 2);
}

}  // namespace
}  // namespace veritrain
