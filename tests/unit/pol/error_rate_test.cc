// Wilson intervals and per-task rates (core/pol/error_rate.h), against
// the closed form computed independently (in Python).
#include "core/pol/error_rate.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

TEST(ErrorRate, ZeroEventsStillHaveAnUpperBound) {
  RateEstimate r = WilsonRate(0, 200);
  EXPECT_EQ(r.rate, 0.0);
  EXPECT_EQ(r.low, 0.0);
  // z^2 / (n + z^2) with z = 1.96: 3.8415 / 203.8415.
  EXPECT_NEAR(r.high, 0.018845, 1e-5);
}

TEST(ErrorRate, MatchesTheClosedForm) {
  // 7 of 50: (0.0695083, 0.2618619).
  RateEstimate r = WilsonRate(7, 50);
  EXPECT_DOUBLE_EQ(r.rate, 0.14);
  EXPECT_NEAR(r.low, 0.0695083, 1e-6);
  EXPECT_NEAR(r.high, 0.2618619, 1e-6);
  RateEstimate all = WilsonRate(10, 10);
  EXPECT_EQ(all.high, 1.0);
  EXPECT_LT(all.low, 1.0);
  RateEstimate none = WilsonRate(0, 0);
  EXPECT_EQ(none.trials, 0);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
  // No trials measure no rate: it is written as null, not 0.
  EXPECT_TRUE(none.ToJson()["rate"].is_null()) << none.ToJson().dump();
  EXPECT_EQ(r.ToJson()["rate"], 0.14);
}

TEST(ErrorRate, PerTaskCompoundsEveryCheck) {
  RateEstimate per_check = WilsonRate(1, 100);
  RateEstimate task = AtLeastOneOf(per_check, 3);
  EXPECT_NEAR(task.rate, 1 - 0.99 * 0.99 * 0.99, 1e-12);
  EXPECT_GT(task.high, per_check.high);
  EXPECT_EQ(AtLeastOneOf(per_check, 0).rate, 0.0);
  const nlohmann::json j = task.ToJson();
  EXPECT_EQ(j["events"], 1);
  EXPECT_EQ(j["ci95"].size(), 2u);
}

}  // namespace
}  // namespace veritrain
