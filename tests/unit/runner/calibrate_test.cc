// Tests for threshold calibration (scenarios/calibrate/calibrate.h over
// core/pol/calibration.h): the quantile, exact reproduction under equal
// profiles at every length and node, the measured effect of the thread
// count and of the dtype, the consistency raise, and how the thresholds
// reach the task.
#include "scenarios/calibrate/calibrate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <set>

#include "core/pol/perturbation.h"
#include "core/state/distance.h"
#include "core/train/job.h"
#include "core/train/torch_bridge.h"
#include "scenarios/calibrate/calibration_warnings.h"
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
          {"first_interval_seeds", 0},
          {"floor", 1e-10}}}}},
      {"participants",
       {{{"name", "s"}, {"role", "solver"}},
        {{"name", "v"}, {"role", "verifier"}, {"profile", {{"threads", 2}}}}}}};
}

// A cnn small enough to calibrate in a second: 10 steps (2 intervals of 5).
nlohmann::json SmallCnnJob() {
  return {{"name", "cnn"},
          {"steps", 10},
          {"batch_size", 32},
          {"params",
           {{"channels", {4, 8}}, {"hidden", {32}}, {"train_limit", 500}, {"test_limit", 100}}}};
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
  auto s = CalibrationSettingsFor(sc);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->profiles.size(), 2u);
  EXPECT_EQ(s->profiles[1].threads, 2);
  EXPECT_EQ(s->seeds, (std::vector<uint64_t>{4, 5}));
  EXPECT_DOUBLE_EQ(s->floor, 1e-10);
  EXPECT_EQ(s->intervals, 2);
  EXPECT_DOUBLE_EQ(s->node_margin, 4);  // the schema's default
  EXPECT_EQ(s->node_steps, 2);

  // Without "intervals": every interval of the task.
  nlohmann::json all = SyntheticScenario();
  all["protocol"]["calibration"].erase("intervals");
  auto every = CalibrationSettingsFor(Parse(all));
  ASSERT_TRUE(every.ok());
  EXPECT_EQ(every->intervals, 0);

  // Without a block: the verifiers' own profiles.
  nlohmann::json j = SyntheticScenario();
  j["protocol"].erase("calibration");
  j["protocol"]["delta"] = {{"l2", 1}, {"cosine", 1}};
  auto d = CalibrationSettingsFor(Parse(j));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->profiles.size(), 1u);
  EXPECT_EQ(d->profiles[0].threads, 2);

  // What the engine is told about the task.
  CalibrationTask task = CalibrationTaskFor(sc);
  EXPECT_EQ(task.steps, 20);
  EXPECT_EQ(task.interval, 5);
  EXPECT_EQ(task.metrics, (std::vector<std::string>{"l2", "cosine"}));
  EXPECT_EQ(task.checks_per_task, 2);  // top_q 1 + random 1 (the defaults)
  ASSERT_EQ(task.verifiers.size(), 1u);
  EXPECT_EQ(task.verifiers[0].threads, 2);
  // Every verifier of the task draws its random intervals: two verifiers
  // check top_q 1 + 2 x random 1 (it counted one verifier's), unless the
  // arbiter draws one verifier per task.
  nlohmann::json two = SyntheticScenario();
  nlohmann::json second = two["participants"][1];
  second["name"] = "verifier-2";
  two["participants"].push_back(second);
  EXPECT_EQ(CalibrationTaskFor(Parse(two)).checks_per_task, 3);
  two["economics"]["verifiers_per_task"] = 1;
  EXPECT_EQ(CalibrationTaskFor(Parse(two)).checks_per_task, 2);
  // Three verifiers each checking every one of the 4 intervals: in three
  // profiles, 12 checks that fail independently (it counted 4); in one
  // profile, the same 4 re-executed to the same bits three times.
  nlohmann::json three = SyntheticScenario();
  three["protocol"]["top_q"] = 0;
  three["protocol"]["random_samples"] = 4;
  three["protocol"]["calibration"]["profiles"] = {
      {{"threads", 1}}, {{"threads", 2}}, {{"dtype", "float64"}}, {{"threads", 3}}};
  three["participants"] = {{{"name", "s"}, {"role", "solver"}}};
  for (const nlohmann::json& profile :
       {nlohmann::json{{"threads", 2}}, {{"dtype", "float64"}}, {{"threads", 3}}}) {
    three["participants"].push_back({{"name", "v" + std::to_string(three["participants"].size())},
                                     {"role", "verifier"},
                                     {"profile", profile}});
  }
  EXPECT_EQ(CalibrationTaskFor(Parse(three)).checks_per_task, 12);
  three["economics"]["verifiers_per_task"] = 2;
  EXPECT_EQ(CalibrationTaskFor(Parse(three)).checks_per_task, 8);
  for (auto& v : three["participants"]) {
    if (v["role"] == "verifier") v["profile"] = {{"threads", 2}};
  }
  three["economics"].erase("verifiers_per_task");
  EXPECT_EQ(CalibrationTaskFor(Parse(three)).checks_per_task, 4);
  auto job = task.make_job(4, "float64");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ((*job)->config().dtype, "float64");
}

TEST(CalibrateTest, EqualProfilesReproduceExactly) {
  // The synthetic job's matrices are small enough that OpenBLAS and
  // LibTorch do not split their sums: 1 and 2 threads give the same bits,
  // for whole intervals, for every sub-range a dispute compares, and for
  // every node.
  nlohmann::json j = SyntheticScenario();
  j["protocol"]["calibration"].erase("intervals");
  Scenario sc = Parse(j);
  auto c = CalibrateScenario(sc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // seeds x profiles x intervals x ranges ({0,5} {0,4} {4,5} {0,2} {2,4}
  // and four single steps).
  EXPECT_EQ(c->ranges.size(), 2u * 2u * 4u * 9u);
  for (const auto& sample : c->ranges) {
    EXPECT_EQ(sample.distances["l2"].get<double>(), 0.0);
    EXPECT_EQ(sample.distances["cosine"].get<double>(), 0.0);
  }
  // Thresholds: the floor at every length, every node bit-exact.
  EXPECT_EQ(c->delta_by_steps.size(), 4u);  // lengths 1, 2, 4, 5
  for (const auto& [steps, by_metric] : c->delta_by_steps) {
    EXPECT_DOUBLE_EQ(by_metric.at("l2"), 1e-10) << steps;
  }
  EXPECT_DOUBLE_EQ(c->delta.at("l2"), 1e-10);
  ASSERT_FALSE(c->node_tolerances.empty());
  for (const auto& [node, tau] : c->node_tolerances) EXPECT_EQ(tau, 0.0) << node;
  // 2 nodes steps per interval, each profile's thread count once.
  EXPECT_EQ(c->nodes.size(), 2u * 4u * 2u * 2u * c->node_names.size());
  EXPECT_EQ(c->metrics_summary["l2"]["samples"], 16);
  // The error rate, leaving one seed out: no honest interval outside. It
  // is judged on the verifier's profile (threads 2) only: the solver's
  // own re-executes bit-identically and no verifier computes in it, so
  // its 8 samples would dilute the rate (they were counted: 16 trials).
  EXPECT_EQ(c->false_positive_per_check.trials, 8);
  EXPECT_EQ(c->false_positive_per_check.events, 0);
  EXPECT_GT(c->false_positive_per_check.high, 0.0);
  EXPECT_GE(c->false_positive_per_task.high, c->false_positive_per_check.high);

  TaskSpec spec = TaskSpecForScenario(sc);
  ApplyCalibration(*c, &spec);
  EXPECT_EQ(spec.verification.delta.size(), 2u);  // the scenario's metrics only
  EXPECT_DOUBLE_EQ(spec.verification.delta.at("cosine"), 1e-10);
  EXPECT_EQ(spec.verification.delta_by_steps.size(), 4u);
  EXPECT_DOUBLE_EQ(spec.verification.DeltaFor("l2", 3), 1e-10);
  EXPECT_EQ(spec.verification.node_tolerances.size(), c->node_names.size());
  EXPECT_EQ(spec.verification.calibration["source"], "calibrated");
  EXPECT_EQ(spec.verification.calibration["quantile"], 0.999);
  EXPECT_EQ(spec.verification.calibration["false_positive"]["per_interval_check"]["trials"], 8);
  EXPECT_TRUE(spec.verification.CheckTolerance().ok());
  // The task carries it through the wire.
  auto back = TaskSpec::FromJson(spec.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->verification.node_tolerances, spec.verification.node_tolerances);

  const std::string csv = c->ToCsv();
  EXPECT_THAT(csv, ::testing::StartsWith(
                       "seed,profile,threads,dtype,interval,from,to,steps,metric,distance,delta\n"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'),
            1 + static_cast<std::ptrdiff_t>(c->ranges.size()) * 2);
  const std::string nodes = c->NodesCsv();
  EXPECT_EQ(std::count(nodes.begin(), nodes.end(), '\n'),
            1 + static_cast<std::ptrdiff_t>(c->nodes.size()));
  EXPECT_EQ(c->ToJson()["samples"].size(), c->ranges.size());
}

// The first interval's heavy tail is sampled by more seeds: one whole-
// interval sample per extra seed and profile other than the solver's, all
// of interval 0, on seeds of their own.
// A calibration is kept for the runs of a sweep that share what it
// depends on: how many verifiers check a task is part of that (the
// per-task rate compounds their checks), so a sweep over it calibrates
// each point.
TEST(CalibrateTest, TheVerifiersPerTaskAreInTheCalibrationsKey) {
  nlohmann::json j = SyntheticScenario();
  nlohmann::json second = j["participants"][1];
  second["name"] = "verifier-2";
  j["participants"].push_back(second);
  auto all = CalibrateScenario(Parse(j));
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  j["economics"]["verifiers_per_task"] = 1;
  auto one = CalibrateScenario(Parse(j));
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  // No honest interval outside δ either way; fewer checks a task, a lower
  // upper bound per task.
  EXPECT_LT(one->false_positive_per_task.high, all->false_positive_per_task.high);
}

TEST(CalibrateTest, FirstIntervalSeedsSampleTheFirstIntervalOnly) {
  nlohmann::json j = SyntheticScenario();
  j["protocol"]["calibration"]["first_interval_seeds"] = 5;
  auto c = CalibrateScenario(Parse(j));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // 2 seeds x 2 profiles x 2 intervals x 9 ranges, then 5 x 1.
  ASSERT_EQ(c->ranges.size(), 72u + 5u);
  std::set<uint64_t> extra;
  for (size_t i = 72; i < c->ranges.size(); ++i) {
    const RangeSample& r = c->ranges[i];
    EXPECT_EQ(r.interval, 0);
    EXPECT_EQ(r.from, 0);
    EXPECT_EQ(r.to, 5);
    EXPECT_EQ(r.profile, 1u);  // the solver's own profile reproduces exactly
    EXPECT_TRUE(r.seed != 4 && r.seed != 5);
    extra.insert(r.seed);
  }
  EXPECT_EQ(extra.size(), 5u);
  EXPECT_EQ(c->metrics_summary["l2"]["samples"], 2 * 2 * 2 + 5);
  // Leave one seed out runs over every seed, the extra ones included, on
  // the verifier's profile's samples (2 seeds x 2 intervals, then 5).
  EXPECT_EQ(c->false_positive_per_check.trials, 2 * 2 + 5);
}

TEST(CalibrateTest, ThreadsChangeTheBitsOfTheCnnAndFloat64MoreSo) {
  // Measured on Debian's LibTorch 1.13 with OpenBLAS (OpenMP): the cnn's
  // convolution gradients split across 2 threads round differently; the
  // element-wise nodes (Adam among them) stay bit-exact.
  nlohmann::json j = SyntheticScenario();
  j["job"] = SmallCnnJob();
  j["protocol"]["calibration"] = {
      {"profiles", {{{"threads", 1}}, {{"threads", 2}}, {{"dtype", "float64"}}}},
      {"seeds", {1}},
      {"intervals", 1},
      {"first_interval_seeds", 0}};
  Scenario sc = Parse(j);
  auto c = CalibrateScenario(sc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // Whole-interval samples, in profile order.
  std::vector<double> whole;
  for (const auto& r : c->ranges) {
    if (r.steps() == 5) whole.push_back(r.distances["l2"].get<double>());
  }
  ASSERT_EQ(whole.size(), 3u);
  EXPECT_EQ(whole[0], 0.0);
  EXPECT_GT(whole[1], 0.0);
  EXPECT_LT(whole[1], 1e-4);  // last-bit noise, far below an update
  EXPECT_GT(whole[2], 0.0);
  // The quantile the summary gives is the one δ is made from: the largest
  // of each profile's own (one sample each here: the largest sample). It
  // was the quantile of every profile's samples pooled, the solver's
  // bit-exact zeros among them, which δ / margin is not.
  EXPECT_EQ(c->metrics_summary["l2"]["quantile_value"].get<double>(),
            *std::max_element(whole.begin(), whole.end()));
  double backward = 0;
  for (const auto& [node, tau] : c->node_tolerances) {
    if (node.rfind("adam.", 0) == 0) {
      EXPECT_EQ(tau, 0.0) << node;
    }
    if (node.find(".backward") != std::string::npos) backward = std::max(backward, tau);
  }
  EXPECT_GT(backward, 0.0);
  EXPECT_LT(backward, 1e-4);
  // δ grows with the length, and covers what the node thresholds let a
  // solver do.
  double previous = 0;
  for (const auto& [steps, by_metric] : c->delta_by_steps) {
    EXPECT_GE(by_metric.at("l2"), previous) << steps;
    previous = by_metric.at("l2");
    const auto& length = c->lengths[std::to_string(steps)]["l2"];
    if (length.contains("probe")) {
      EXPECT_GE(by_metric.at("l2"), length["probe"].get<double>());
    }
    EXPECT_GE(by_metric.at("l2"), length["honest_delta"].get<double>());
  }
  // One seed: no error rate can be estimated.
  EXPECT_EQ(c->false_positive_per_check.trials, 0);
}

// calibration.json checked against its own samples (the audit's check):
// a record as written agrees; samples scaled with the figures left, a δ
// edited, a node threshold edited each show, naming the figure. Samples
// ×1000 in calibration.json and calibration.csv passed the audit.
TEST(CalibrateTest, ARecordsFiguresAreTheOnesItsSamplesGive) {
  nlohmann::json j = SyntheticScenario();
  j["job"] = SmallCnnJob();
  j["protocol"]["calibration"] = {{"profiles", {{{"threads", 1}}, {{"dtype", "float64"}}}},
                                  {"seeds", {1, 2}},
                                  {"intervals", 1},
                                  {"first_interval_seeds", 0}};
  j["participants"][1]["profile"] = {{"dtype", "float64"}};
  auto c = CalibrateScenario(Parse(j));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const nlohmann::json record = c->ToJson();
  EXPECT_EQ(CalibrationRecordInconsistencies(record), std::vector<std::string>{});

  nlohmann::json scaled = record;
  for (auto& sample : scaled["samples"]) {
    for (auto& [metric, d] : sample["distances"].items()) d = d.get<double>() * 1000;
  }
  const std::vector<std::string> wrong = CalibrationRecordInconsistencies(scaled);
  ASSERT_FALSE(wrong.empty());
  EXPECT_NE(wrong[0].find("lengths/"), std::string::npos) << wrong[0];
  EXPECT_NE(wrong[0].find("its samples give"), std::string::npos) << wrong[0];

  nlohmann::json delta = record;
  delta["delta_by_steps"]["5"]["l2"] = delta["delta_by_steps"]["5"]["l2"].get<double>() * 2;
  const std::vector<std::string> d = CalibrationRecordInconsistencies(delta);
  ASSERT_EQ(d.size(), 1u) << ::testing::PrintToString(d);
  EXPECT_EQ(d[0].rfind("delta_by_steps/5/l2: recorded ", 0), 0u) << d[0];

  nlohmann::json tau = record;
  // Every node is bit-exact here (one thread; nodes are evaluated in the
  // solver's precision on every profile): a threshold of 0.5 is not what
  // its samples give.
  ASSERT_FALSE(tau["node_tolerances"].empty());
  const std::string backward = tau["node_tolerances"].begin().key();
  tau["node_tolerances"][backward] = 0.5;
  const std::vector<std::string> n = CalibrationRecordInconsistencies(tau);
  ASSERT_EQ(n.size(), 1u) << ::testing::PrintToString(n);
  EXPECT_EQ(n[0].rfind("node_tolerances/" + backward + ": recorded 0.5", 0), 0u) << n[0];

  EXPECT_EQ(CalibrationRecordInconsistencies(nlohmann::json::array()).at(0),
            "not a calibration record: not an object");
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

// The caveats of a calibration record, as the run says them and the audit
// recomputes them (scenarios/calibrate/calibration_warnings.h).
// A task whose training diverges differently under the verifier's
// precision than under the solver's, while the calibration's own seed
// converges (synthetic job, SGD at learning rate 70: seed 8's task
// overflows in float32 at its last interval, seed 7's and calibration
// seed 1's do not). No δ covers an honest error that is not finite: the
// run is refused after calibration.json is written, instead of an honest
// verifier challenging and losing its stake.
TEST(CalibrateTest, ATaskThatDivergesAcrossPrecisionsIsRefusedNotRun) {
  auto scenario = [](uint64_t seed) {
    return Parse({{"format", "veritrain-scenario/1"},
                  {"name", "div"},
                  {"seed", seed},
                  {"job",
                   {{"name", "synthetic"},
                    {"steps", 40},
                    {"batch_size", 32},
                    {"params", {{"optimizer", {{"name", "sgd"}, {"lr", 70}}}}}}},
                  {"protocol",
                   {{"checkpoint_interval", 5},
                    {"mode", "tolerance"},
                    {"metrics", {"l2"}},
                    {"calibration",
                     {{"profiles", {{{"threads", 1}}, {{"threads", 1}, {"dtype", "float64"}}}},
                      {"seeds", {1}}}}}},
                  {"participants",
                   {{{"name", "s"}, {"role", "solver"}, {"profile", {{"threads", 1}}}},
                    {{"name", "v"},
                     {"role", "verifier"},
                     {"profile", {{"threads", 1}, {"dtype", "float64"}}}}}}});
  };
  const std::string dir = ::testing::TempDir() + "/diverging_calibration";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto refused = CalibrateAndWrite(scenario(8), dir);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              ::testing::HasSubstr("/protocol/calibration: the honest error of interval 7 (steps 35 to 40) "
                        "between the solver's profile (dtype=float32, threads=1) and v's "
                        "(dtype=float64, threads=1): l2 inf, and no delta covers it"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/calibration.json"));
  auto fine = CalibrateAndWrite(scenario(7), dir);
  EXPECT_TRUE(fine.ok()) << fine.status().ToString();
}

TEST(CalibrationWarningsTest, ARecordGivesItsCaveatsAndNoOthers) {
  nlohmann::json record = {
      {"floor", 1.0},
      {"honest", {{"cosine", {{"max", 2e-6}, {"delta", 3e-6}}},
                  {"l2", {{"max", 5e-5}, {"delta", 1.0}}}}},
      {"false_positive",
       {{"per_task", {{"events", 3}, {"trials", 20}, {"rate", 0.15}, {"ci95", {0.05, 0.36}}}}}}};
  const std::vector<std::string> w = CalibrationWarnings(record);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0],
            "the calibration predicts that 15% (95% interval 5–36%, from 3 of 20 honest interval "
            "checks outside delta, compounded over a task's checks) of honest "
            "tasks are challenged by mistake, each costing an honest verifier its challenge "
            "stake: raise protocol.calibration.margin or quantile");
  EXPECT_THAT(w[1], testing::StartsWith("the calibrated delta for l2 is "
                                        "protocol.calibration.floor (1), 2e+04 times the "
                                        "largest honest error it measured (5e-05)"));
  // A few honest tasks in a hundred already cost honest verifiers.
  record["false_positive"]["per_task"]["rate"] = 0.041;
  EXPECT_THAT(CalibrationWarnings(record)[0], testing::HasSubstr("predicts that 4% "));
  // Below the rate, a floor within 1000x of the honest error, a δ above the
  // floor: nothing to say.
  record["false_positive"]["per_task"]["rate"] = 0.009;
  record["honest"]["l2"]["max"] = 0.002;
  EXPECT_TRUE(CalibrationWarnings(record).empty());
  record["honest"]["l2"] = {{"max", 5e-5}, {"delta", 1.5}};
  EXPECT_TRUE(CalibrationWarnings(record).empty());
  // A margin that loose does the same as a floor: said too (it was not,
  // and cheats 10^4 times the honest error were paid unwarned).
  record["margin"] = 1e6;
  record["quantile"] = 0.999;
  record["honest"]["l2"] = {{"max", 4e-7}, {"delta", 0.4}};
  const std::vector<std::string> loose = CalibrationWarnings(record);
  ASSERT_EQ(loose.size(), 1u);
  EXPECT_THAT(loose[0], testing::StartsWith("the calibrated delta for l2 (0.4) is 1e+06 times the "
                                            "largest honest error it measured (4e-07): "
                                            "protocol.calibration.margin 1e+06 at quantile 0.999"));
  record["honest"]["l2"] = {{"max", 4e-7}, {"delta", 3.9e-4}};
  EXPECT_TRUE(CalibrationWarnings(record).empty());
  // A record of another shape (an older build's, an edited one) gives none
  // rather than failing.
  EXPECT_TRUE(CalibrationWarnings(nlohmann::json()).empty());
  EXPECT_TRUE(CalibrationWarnings({{"floor", "high"}, {"honest", {{"l2", 3}}}}).empty());
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

// Consistency over every interval, not the first alone: a solver keeping
// every node of every step within its threshold must not move any sampled
// interval of the first seed beyond δ(k), or an honest challenger of that
// interval would lose the game. Each interval's probe is recomputed here
// from the calibrated thresholds; on this job a later interval amplifies
// them more than the first (asserted, so that the test tells a probe of the
// first interval alone apart).
TEST(CalibrateTest, DeltaCoversTheNodeThresholdsOverEveryInterval) {
  nlohmann::json j = SyntheticScenario();
  j["job"] = {{"name", "mlp"},
              {"steps", 12},
              {"batch_size", 16},
              {"params",
               {{"hidden", {24}},
                {"train_limit", 256},
                {"test_limit", 64},
                {"optimizer", {{"name", "sgd"}, {"lr", 0.3}, {"momentum", 0.9}}}}}};
  j["protocol"]["checkpoint_interval"] = 4;
  j["protocol"]["metrics"] = {"l2"};
  j["protocol"]["calibration"] = {{"profiles", {{{"threads", 2}}}},
                                  {"seeds", {3}},
                                  {"first_interval_seeds", 0}};
  const Scenario sc = Parse(j);
  auto c = CalibrateScenario(sc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // The thresholds come from what two thread counts change in each node's
  // bits; some BLAS kernels (OpenBLAS's AVX-512 ones on this job's small
  // products) change none, and there is then nothing to probe.
  if (std::none_of(c->node_tolerances.begin(), c->node_tolerances.end(),
                   [](const auto& n) { return n.second > 0; })) {
    GTEST_SKIP() << "this machine's BLAS gives every node the same bits on 1 and 2 threads";
  }
  const double delta = c->delta_by_steps.at(4).at("l2");

  const CalibrationTask task = CalibrationTaskFor(sc);
  auto job = task.make_job(3, "float32");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  auto threshold = [&](const std::string& node) {
    auto it = c->node_tolerances.find(node);
    return it == c->node_tolerances.end() ? 0.0 : it->second;
  };
  TensorMap state = (*job)->InitialState((*job)->config().init_seed);
  std::vector<double> probe;
  for (int interval = 0; interval < 3; ++interval) {
    TensorMap honest = state, moved = state;
    for (int step = 0; step < 4; ++step) {
      auto next = TrainStep(**job, honest);
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      honest = std::move(next).value();
      auto perturbed = PerturbedStep(**job, moved, threshold, 0x7e57ab1e);
      ASSERT_TRUE(perturbed.ok()) << perturbed.status().ToString();
      moved = std::move(perturbed).value();
    }
    auto d = ParameterDistance(ToState(moved), ToState(honest));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    probe.push_back(d->Get(Metric::kL2));
    EXPECT_LE(probe.back(), delta) << "interval " << interval;
    state = std::move(honest);
  }
  EXPECT_GT(*std::max_element(probe.begin() + 1, probe.end()), probe[0])
      << "the job no longer amplifies the thresholds more in a later interval";
}

}  // namespace
}  // namespace veritrain
