// Tests for threshold calibration (scenarios/calibrate.h): the quantile,
// exact reproduction under equal profiles, the measured effect of the
// thread count and of the dtype, and how δ reaches the task.
#include "scenarios/calibrate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scenarios/runner/run.h"

namespace veritrain {
namespace {

Scenario Parse(const nlohmann::json& j) {
  auto sc = ParseScenario(j.dump(), "test.json");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return *sc;
}

nlohmann::json SyntheticScenario() {
  return {
      {"format", "veritrain-scenario/1"},
      {"name", "cal"},
      {"job", {{"name", "synthetic"}, {"steps", 20}, {"batch_size", 16}}},
      {"protocol",
       {{"checkpoint_interval", 5},
        {"mode", "tolerance"},
        {"metrics", {"l2", "cosine"}},
        {"calibration",
         {{"profiles", {{{"threads", 1}}, {{"threads", 2}}}},
          {"seeds", {4, 5}},
          {"intervals", 2},
          {"floor", 1e-10}}}}},
      {"participants",
       {{{"name", "s"}, {"role", "solver"}},
        {{"name", "v"}, {"role", "verifier"}, {"profile", {{"threads", 2}}}}}}};
}

TEST(CalibrateTest, QuantileInterpolatesLinearly) {
  // numpy.quantile([1, 2, 3, 4], q) with its default (linear) method.
  EXPECT_DOUBLE_EQ(Quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(Quantile({4, 1, 3, 2}, 0.99), 3.97);
  EXPECT_DOUBLE_EQ(Quantile({4, 1, 3, 2}, 1.0), 4.0);
  EXPECT_DOUBLE_EQ(Quantile({4, 1, 3, 2}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(Quantile({7}, 0.9), 7.0);
}

TEST(CalibrateTest, SettingsFromTheScenario) {
  Scenario sc = Parse(SyntheticScenario());
  auto s = CalibrationSettings::FromScenario(sc);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->profiles.size(), 2u);
  EXPECT_EQ(s->profiles[1].threads, 2);
  EXPECT_EQ(s->seeds, (std::vector<uint64_t>{4, 5}));
  EXPECT_DOUBLE_EQ(s->floor, 1e-10);

  // Without a block: the verifiers' own profiles.
  nlohmann::json j = SyntheticScenario();
  j["protocol"].erase("calibration");
  j["protocol"]["delta"] = {{"l2", 1}, {"cosine", 1}};
  auto d = CalibrationSettings::FromScenario(Parse(j));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->profiles.size(), 1u);
  EXPECT_EQ(d->profiles[0].threads, 2);
}

TEST(CalibrateTest, EqualProfilesReproduceExactly) {
  // The synthetic job's matrices are small enough that OpenBLAS and
  // LibTorch do not split their sums: 1 and 2 threads give the same bits.
  Scenario sc = Parse(SyntheticScenario());
  auto s = CalibrationSettings::FromScenario(sc);
  ASSERT_TRUE(s.ok());
  auto c = Calibrate(sc, *s);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->samples.size(), 2u * 2u * 2u);  // seeds x profiles x intervals
  for (const auto& sample : c->samples) {
    EXPECT_EQ(sample.distances["l2"].get<double>(), 0.0);
    EXPECT_EQ(sample.distances["cosine"].get<double>(), 0.0);
  }
  EXPECT_DOUBLE_EQ(c->delta.at("l2"), 1e-10);  // the floor
  EXPECT_EQ(c->metrics["l2"]["samples"], 8);

  TaskSpec spec = TaskSpecForScenario(sc);
  ApplyCalibration(*c, &spec);
  EXPECT_EQ(spec.verification.delta.size(), 2u);  // the scenario's metrics only
  EXPECT_DOUBLE_EQ(spec.verification.delta.at("cosine"), 1e-10);
  EXPECT_EQ(spec.verification.calibration["source"], "calibrated");
  EXPECT_EQ(spec.verification.calibration["quantile"], 0.99);
  EXPECT_TRUE(spec.verification.CheckTolerance().ok());

  const std::string csv = c->ToCsv();
  EXPECT_THAT(
      csv, ::testing::StartsWith(
               "seed,profile,threads,dtype,interval,metric,distance,delta\n"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 8 * 4);
  EXPECT_EQ(c->ToJson()["samples"].size(), 8u);
}

TEST(CalibrateTest, ThreadsChangeTheBitsOfTheCnnAndFloat64MoreSo) {
  // Measured on Debian's LibTorch 1.13 with OpenBLAS (OpenMP): the cnn's
  // convolutions and reductions split across 2 threads round differently.
  nlohmann::json j = SyntheticScenario();
  j["job"] = {{"name", "cnn"},
              {"steps", 10},
              {"batch_size", 32},
              {"params",
               {{"channels", {4, 8}},
                {"hidden", {32}},
                {"train_limit", 500},
                {"test_limit", 100}}}};
  j["protocol"]["calibration"] = {
      {"profiles",
       {{{"threads", 1}}, {{"threads", 2}}, {{"dtype", "float64"}}}},
      {"seeds", {1}},
      {"intervals", 1}};
  Scenario sc = Parse(j);
  auto s = CalibrationSettings::FromScenario(sc);
  ASSERT_TRUE(s.ok());
  auto c = Calibrate(sc, *s);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->samples.size(), 3u);
  const double same = c->samples[0].distances["l2"].get<double>();
  const double threads = c->samples[1].distances["l2"].get<double>();
  const double f64 = c->samples[2].distances["l2"].get<double>();
  EXPECT_EQ(same, 0.0);
  EXPECT_GT(threads, 0.0);
  EXPECT_LT(threads, 1e-4);  // last-bit noise, far below an update
  EXPECT_GT(f64, 0.0);
  EXPECT_GT(c->delta.at("l2"), 0.0);
}

}  // namespace
}  // namespace veritrain
