// Sweeps: paths, shards, seeds, the order of points and the scenario of
// each run, every error a sweep block can have, and how many runs go at a
// time.
#include "scenarios/sweep/sweep.h"
#include "scenarios/sweep/sweep_runner.h"
#include "scenarios/sweep/sweep_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

json BaseDoc() {
  return json::parse(R"({
    "format": "veritrain-scenario/1",
    "name": "sweep-test",
    "seed": 7,
    "job": {"name": "synthetic", "steps": 40, "batch_size": 8},
    "protocol": {"checkpoint_interval": 10, "top_q": 1, "random_samples": 1},
    "participants": [
      {"name": "solver-1", "role": "solver"},
      {"name": "verifier-1", "role": "verifier"}
    ]
  })");
}

Scenario WithSweep(json sweep) {
  json doc = BaseDoc();
  doc["sweep"] = std::move(sweep);
  auto sc = ParseScenario(doc.dump(), "test");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return *sc;
}

TEST(SweepTest, DottedPathsBecomePointers) {
  EXPECT_EQ(*SweepPathToPointer("protocol.top_q"), "/protocol/top_q");
  EXPECT_EQ(*SweepPathToPointer("participants.0.behaviour"), "/participants/0/behaviour");
  EXPECT_EQ(*SweepPathToPointer("/participants/1/profile/threads"), "/participants/1/profile/threads");
  EXPECT_EQ(*SweepPathToPointer("job.params.a/b"), "/job/params/a~1b");
  EXPECT_FALSE(SweepPathToPointer("").ok());
  EXPECT_FALSE(SweepPathToPointer("protocol..top_q").ok());
  EXPECT_FALSE(SweepPathToPointer("/a/~2").ok());
}

TEST(SweepTest, ParsesShards) {
  auto s = ParseShard("2/3");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->index, 2);
  EXPECT_EQ(s->count, 3);
  for (const char* bad : {"3/3", "1", "-1/3", "a/3", "1/0", "", "1/3x"}) {
    EXPECT_FALSE(ParseShard(bad).ok()) << bad;
  }
}

TEST(SweepTest, SeedsFollowTheDocumentedFormula) {
  // Expected: Python, int.from_bytes(hashlib.sha256(s.encode()).digest()[:8], 'big') >> 11.
  EXPECT_EQ(SweepSeed(7, 0, 0, false), 6894176299990941u);
  EXPECT_EQ(SweepSeed(7, 3, 2, false), 4376053865333521u);
  EXPECT_EQ(SweepSeed(7, 3, 2, true), 8224369254396228u);
  EXPECT_EQ(SweepSeed(7, 0, 2, true), SweepSeed(7, 5, 2, true));
  EXPECT_LT(SweepSeed(123, 4, 5, false), uint64_t{1} << 53);
}

TEST(SweepTest, PointsAreNestedLoopsWithTheLastParameterFastest) {
  Scenario sc = WithSweep({{"parameters",
                            {{{"path", "protocol.top_q"}, {"values", {0, 1}}},
                             {{"path", "protocol.random_samples"}, {"values", {1, 2, 3}}}}},
                           {"repetitions", 2}});
  auto spec = SweepSpecOf(sc);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->points(), 6);
  EXPECT_EQ(spec->runs(), 12);
  auto runs = SweepRuns(*spec, sc.seed);
  ASSERT_EQ(runs.size(), 12u);
  EXPECT_EQ(runs[0].values, (std::vector<json>{0, 1}));
  EXPECT_EQ(runs[2].values, (std::vector<json>{0, 2}));  // point 1
  EXPECT_EQ(runs[2].point, 1);
  EXPECT_EQ(runs[2].repetition, 0);
  EXPECT_EQ(runs[11].values, (std::vector<json>{1, 3}));
  EXPECT_EQ(runs[11].point, 5);
  EXPECT_EQ(runs[11].repetition, 1);
  EXPECT_EQ(runs[11].seed, SweepSeed(7, 5, 1, false));
}

TEST(SweepTest, ShardsPartitionTheRuns) {
  Scenario sc = WithSweep({{"parameters", {{{"path", "protocol.top_q"}, {"values", {0, 1, 2}}}}},
                           {"repetitions", 5}});
  auto spec = SweepSpecOf(sc);
  ASSERT_TRUE(spec.ok());
  std::multiset<int64_t> seen;
  for (int64_t i = 0; i < 4; ++i) {
    for (const auto& r : SweepRuns(*spec, sc.seed, Shard{i, 4})) {
      EXPECT_EQ(r.index % 4, i);
      seen.insert(r.index);
    }
  }
  ASSERT_EQ(seen.size(), 15u);
  for (int64_t i = 0; i < 15; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
}

TEST(SweepTest, RunScenarioHasThePointsValuesAndItsOwnSeed) {
  Scenario sc = WithSweep(
      {{"parameters",
        {{{"path", "/participants/1/profile/threads"}, {"values", {1, 2}}, {"name", "threads"}},
         {{"path", "job.params.optimizer"}, {"values", {{{"name", "sgd"}, {"lr", 0.1}}}}}}},
       {"repetitions", 3}});
  auto spec = SweepSpecOf(sc);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->names(), (std::vector<std::string>{"threads", "job.params.optimizer"}));
  const SweepRun run = SweepRuns(*spec, sc.seed).at(4);  // point 1, repetition 1
  auto r = SweepRunScenario(sc, *spec, run);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->participants[1].profile.threads, 2);
  EXPECT_EQ(r->job["params"]["optimizer"]["lr"], 0.1);  // created on the way
  EXPECT_EQ(r->seed, SweepSeed(7, 1, 1, false));
  EXPECT_FALSE(r->resolved.contains("sweep"));
  EXPECT_EQ(DescribePoint(*spec, run.shown),
            "threads=2, job.params.optimizer={\"lr\":0.1,\"name\":\"sgd\"}");
}

TEST(SweepTest, LabelsNameObjectValues) {
  json lazy = {{"name", "solver-1"}, {"role", "solver"}, {"behaviour", "lazy"},
               {"params", {{"fraction", 0.25}}}};
  json honest = {{"name", "solver-1"}, {"role", "solver"}};
  Scenario sc = WithSweep({{"parameters",
                            {{{"path", "/participants/0"},
                              {"name", "solver"},
                              {"values", {honest, lazy}},
                              {"labels", {"honest", "lazy 25%"}}}}}});
  auto spec = SweepSpecOf(sc);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const auto runs = SweepRuns(*spec, sc.seed);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].shown, (std::vector<json>{"lazy 25%"}));
  EXPECT_EQ(runs[1].values, (std::vector<json>{lazy}));
  EXPECT_EQ(DescribePoint(*spec, runs[1].shown), "solver=lazy 25%");
  auto r = SweepRunScenario(sc, *spec, runs[1]);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->participants[0].behaviour, "lazy");

  Scenario bad = WithSweep({{"parameters",
                             {{{"path", "protocol.top_q"}, {"values", {0, 1}}, {"labels", {"x"}}}}}});
  auto errors = CheckSweep(bad);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/sweep/parameters/0/labels");
  EXPECT_THAT(errors[0].message, HasSubstr("1 labels for 2 values"));
}

// A market's pool can be swept: each point generates its participants
// from its own pool (the base's generated ones are not carried over).
TEST(SweepTest, AMarketPoolCanBeSwept) {
  json doc = BaseDoc();
  doc.erase("participants");
  doc["tasks"] = 2;
  doc["economics"] = {{"verifiers_per_task", 1}, {"submitter_funds", 10000}};
  doc["market"] = {{"solvers", {{{"name", "solver"}, {"count", 1}}}},
                   {"verifiers", {{{"name", "honest"}, {"count", 2}},
                                  {{"name", "lazy"}, {"count", 1},
                                   {"behaviour", "lazy-approve"}}}}};
  doc["sweep"] = {{"parameters", {{{"path", "market.verifiers.1.count"}, {"values", {1, 3}}},
                                  {{"path", "market.verifiers.0.behaviour"},
                                   {"values", {"honest", "lazy-approve"}}}}}};
  auto sc = ParseScenario(doc.dump(), "test");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_THAT(CheckSweep(*sc), ::testing::IsEmpty());
  auto spec = SweepSpecOf(*sc);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const auto runs = SweepRuns(*spec, sc->seed);
  ASSERT_EQ(runs.size(), 4u);
  auto r = SweepRunScenario(*sc, *spec, runs[3]);  // 3 lazy, the honest entry lazy too
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int verifiers = 0, lazy = 0;
  for (const auto& p : r->participants) {
    if (p.role != "verifier") continue;
    ++verifiers;
    if (p.behaviour == "lazy-approve") ++lazy;
  }
  EXPECT_EQ(verifiers, 5);
  EXPECT_EQ(lazy, 5);
}

TEST(SweepTest, BlockErrorsAreListedTogether) {
  Scenario sc = WithSweep({{"parameters",
                            {{{"path", "seed"}, {"values", {1, 2}}},
                             {{"path", "protocol.top_q"}, {"values", {1}}},
                             {{"path", "/protocol/top_q"}, {"values", {2}}},
                             {{"path", "job..steps"}, {"values", {2}}},
                             {{"path", "protocol.random_samples"}, {"values", {1}}, {"name", "run"}}}}});
  auto errors = CheckSweep(sc);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].path, "/sweep/parameters/0/path");
  EXPECT_THAT(errors[0].message, HasSubstr("cannot be swept"));
  EXPECT_EQ(errors[1].path, "/sweep/parameters/2/path");
  EXPECT_THAT(errors[1].message, HasSubstr("swept twice"));
  EXPECT_EQ(errors[2].path, "/sweep/parameters/3/path");
  EXPECT_EQ(errors[3].path, "/sweep/parameters/4/name");
}

// A field and an object that holds it, in either order: the one set later
// would overwrite the other, and sweep.csv would show a value no run had.
TEST(SweepTest, ParametersWhosePathsOverlapAreRefusedNamingBoth) {
  const json whole = {{"checkpoint_interval", 10}, {"top_q", 1}, {"random_samples", 1}};
  for (const bool child_first : {true, false}) {
    json child = {{"path", "/protocol/top_q"}, {"values", {2}}};
    json parent = {{"path", "protocol"}, {"values", {whole}}};
    Scenario sc = WithSweep({{"parameters", child_first ? json{child, parent}
                                                        : json{parent, child}}});
    auto errors = CheckSweep(sc);
    ASSERT_EQ(errors.size(), 1u) << child_first;
    EXPECT_EQ(errors[0].path, "/sweep/parameters/1/path");
    EXPECT_THAT(errors[0].message, HasSubstr("\"/protocol/top_q\""));
    EXPECT_THAT(errors[0].message, HasSubstr("\"protocol\""));
    EXPECT_THAT(errors[0].message, HasSubstr("overlap"));
  }
  // A sibling whose name starts the same is not inside it.
  Scenario siblings = WithSweep({{"parameters",
                                  {{{"path", "protocol.top_q"}, {"values", {1}}},
                                   {{"path", "protocol.top_q_x"}, {"values", {1}}}}}});
  auto spec = SweepSpecOf(siblings);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
}

TEST(SweepTest, AValueOrALabelGivenTwiceIsRefused) {
  auto errors = CheckSweep(WithSweep({{"parameters",
                                       {{{"path", "protocol.top_q"}, {"values", {1, 2, 1}}}}}}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/sweep/parameters/0/values");
  EXPECT_THAT(errors[0].message, HasSubstr("1 is given twice (values 0 and 2)"));
  errors = CheckSweep(WithSweep({{"parameters",
                                  {{{"path", "protocol.top_q"},
                                    {"values", {1, 2}},
                                    {"labels", {"A", "A"}}}}}}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/sweep/parameters/0/labels");
  EXPECT_THAT(errors[0].message, HasSubstr("\"A\" labels two values (1 and 2)"));
  // Labels that differ only in whitespace look the same in a table; a
  // blank one names nothing.
  errors = CheckSweep(WithSweep({{"parameters",
                                  {{{"path", "protocol.top_q"},
                                    {"values", {1, 2}},
                                    {"labels", {"top 1", " top  1"}}}}}}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("\"top 1\" and \" top  1\" differ only in "
                                           "whitespace: the two values (1 and 2)"));
  errors = CheckSweep(WithSweep({{"parameters",
                                  {{{"path", "protocol.top_q"},
                                    {"values", {1, 2}},
                                    {"labels", {"one", " \t"}}}}}}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("label 1 (of 2) is blank"));
}

// aggregates.csv writes these itself: a parameter of the same name would
// make two columns of one name, and readers keep only one.
TEST(SweepTest, AParameterNamedLikeATableColumnIsRefused) {
  for (const std::string name : {"flagged", "rejected", "completed", "failed", "runs",
                                 "detection_rate", "tasks", "point", "mean.test_accuracy",
                                 "ci_low.x"}) {
    auto errors = CheckSweep(WithSweep(
        {{"parameters", {{{"path", "protocol.top_q"}, {"values", {1}}, {"name", name}}}}}));
    ASSERT_EQ(errors.size(), 1u) << name;
    EXPECT_EQ(errors[0].path, "/sweep/parameters/0/name") << name;
    EXPECT_THAT(errors[0].message, HasSubstr("is the name of a column")) << name;
  }
  // Every fixed column of aggregates.csv is reserved.
  for (const std::string& column : AggregateColumns()) {
    EXPECT_TRUE(IsTableColumnName(column)) << column;
  }
  EXPECT_FALSE(IsTableColumnName("top_q"));
  // sweep.csv's bookkeeping and verdict columns too: a parameter of that
  // name moved the real status aside, and a reader filtering on `status`
  // took failed runs for settled ones.
  for (const std::string name : {"status", "error", "exit_code", "outcome", "challenged",
                                 "expectations_met", "stopped_early", "detected", "escaped",
                                 "solver_behaviour", "wall_s", "tasks.escaped", "run.jackpot",
                                 "outcomes.accepted", "metric.status", "timing.wall_s"}) {
    EXPECT_TRUE(IsTableColumnName(name)) << name;
  }
  // A task's other fields are moved aside instead (metric.<name>): the
  // shipped sweeps name parameters so.
  for (const std::string name : {"solver", "delta", "magnitude", "clock_s"}) {
    EXPECT_FALSE(IsTableColumnName(name)) << name;
  }
}

TEST(SweepTest, EveryInvalidPointIsReportedWithItsValues) {
  Scenario sc = WithSweep({{"parameters",
                            {{{"path", "protocol.top_q"}, {"values", {1, 9, -1}}},
                             {{"path", "participants.5.name"}, {"values", {"x"}}}}}});
  auto errors = CheckSweep(sc);
  // The missing array element is found at every point, and said once; the
  // point values 9 and -1 would also be invalid but the first error stops
  // each point.
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/sweep");
  EXPECT_THAT(errors[0].message, HasSubstr("cannot create /participants/5 inside the array"));
  EXPECT_THAT(errors[0].message, HasSubstr("point 0 (protocol.top_q=1, participants.5.name=x) and 2 more"));
  Scenario sc2 = WithSweep({{"parameters", {{{"path", "protocol.top_q"}, {"values", {1, 9, -1}}}}}});
  auto errors2 = CheckSweep(sc2);
  ASSERT_EQ(errors2.size(), 2u);
  EXPECT_THAT(errors2[0].message, HasSubstr("point 1 (protocol.top_q=9)"));
  EXPECT_THAT(errors2[0].message, HasSubstr("/protocol/top_q"));
  EXPECT_THAT(errors2[1].message, HasSubstr("point 2 (protocol.top_q=-1)"));
  EXPECT_THAT(errors2[1].message, HasSubstr("less than the minimum"));
}

// `n` parameters of `values` values each, at distinct paths.
json SweepGridOfSize(int n, int values, int64_t repetitions) {
  json params = json::array();
  for (int i = 0; i < n; ++i) {
    json v = json::array();
    for (int k = 0; k < values; ++k) v.push_back(k);
    params.push_back({{"path", "job.params.x" + std::to_string(i)}, {"values", v}});
  }
  return {{"parameters", params}, {"repetitions", repetitions}};
}

TEST(SweepTest, AGridPastTheRunLimitIsRefusedNotWrappedRound) {
  // 2^64 points wrapped round to 0 runs, 2^63 to a negative count, and
  // 2^60 ran out of memory planning the runs.
  for (int n : {64, 63, 60}) {
    json doc = BaseDoc();
    doc["sweep"] = SweepGridOfSize(n, 2, 1);
    auto sc = ParseScenario(doc.dump(), "test");
    ASSERT_TRUE(sc.ok()) << sc.status().ToString();
    auto spec = SweepSpecOf(*sc);
    ASSERT_FALSE(spec.ok()) << n;
    EXPECT_THAT(spec.status().message(), HasSubstr("more than a sweep may have (1000000)"));
    const std::vector<ScenarioError> errors = CheckSweep(*sc);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].path, "/sweep");
  }
  json doc = BaseDoc();
  doc["sweep"] = SweepGridOfSize(64, 2, 1);
  auto sc = ParseScenario(doc.dump(), "test");
  ASSERT_TRUE(sc.ok());
  EXPECT_THAT(SweepSpecOf(*sc).status().message(),
              HasSubstr("more than 2^63 - 1 points × 1 repetitions = more than 2^63 - 1 runs"));
  doc["sweep"] = SweepGridOfSize(60, 2, 1);
  sc = ParseScenario(doc.dump(), "test");
  ASSERT_TRUE(sc.ok());
  EXPECT_THAT(SweepSpecOf(*sc).status().message(),
              HasSubstr("1152921504606846976 points × 1 repetitions = 1152921504606846976 runs"));
}

TEST(SweepTest, TheRunLimitCountsRepetitions) {
  // 1000 points × 1000 repetitions is the limit exactly; one repetition more is past it.
  auto at = SweepSpecOf(WithSweep(SweepGridOfSize(3, 10, 1000)));
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->runs(), kMaxSweepRuns);
  json doc = BaseDoc();
  doc["sweep"] = SweepGridOfSize(3, 10, 1001);
  auto sc = ParseScenario(doc.dump(), "test");
  ASSERT_TRUE(sc.ok());
  EXPECT_THAT(SweepSpecOf(*sc).status().message(),
              HasSubstr("1000 points × 1001 repetitions = 1001000 runs, more than a sweep may "
                        "have (1000000)"));
  // --repetitions replaces the file's: the runner checks the size again.
  at->repetitions = 1001;
  EXPECT_FALSE(CheckSweepSize(*at).ok());
  SweepSpec huge;
  huge.repetitions = INT64_MAX;
  huge.parameters.resize(1);
  huge.parameters[0].values.resize(2);
  EXPECT_EQ(huge.runs(), INT64_MAX);
}

TEST(SweepTest, NoSweepBlockIsOneRun) {
  auto sc = ParseScenario(BaseDoc().dump(), "test");
  ASSERT_TRUE(sc.ok());
  auto spec = SweepSpecOf(*sc);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->runs(), 1);
  EXPECT_TRUE(CheckSweep(*sc).empty());
}

TEST(SweepTest, SchemaRejectsMalformedBlocks) {
  json doc = BaseDoc();
  doc["sweep"] = {{"parameters", {{{"path", "x"}}}}, {"repetitions", 0}};
  auto sc = ParseScenario(doc.dump(), "t");
  ASSERT_FALSE(sc.ok());
  EXPECT_THAT(sc.status().message(), HasSubstr("/sweep/parameters/0"));
  EXPECT_THAT(sc.status().message(), HasSubstr("/sweep/repetitions"));
}

// Runs at a time: what --jobs asks for, else in process mode as many runs
// as the cores hold at the runs' thread count, in one process one a core;
// never none.
TEST(SweepJobsTest, AsManyRunsAsTheCoresHoldUnlessAsked) {
  constexpr ExecutionMode kProcess = ExecutionMode::kProcess;
  constexpr ExecutionMode kInProcess = ExecutionMode::kInProcess;
  EXPECT_EQ(SweepJobs(0, 1, 2, kProcess), 2);
  EXPECT_EQ(SweepJobs(0, 2, 2, kProcess), 1);
  EXPECT_EQ(SweepJobs(0, 2, 8, kProcess), 4);
  EXPECT_EQ(SweepJobs(0, 3, 8, kProcess), 2);
  EXPECT_EQ(SweepJobs(0, 4, 2, kProcess), 1);  // a run wants more threads than there are cores
  EXPECT_EQ(SweepJobs(0, 1, 0, kProcess), 1);  // the core count is unknown
  EXPECT_EQ(SweepJobs(0, 0, 4, kProcess), 4);  // no thread count: one thread a run
  EXPECT_EQ(SweepJobs(0, 2, 2, kInProcess), 2);
  EXPECT_EQ(SweepJobs(0, 4, 8, kInProcess), 8);
  EXPECT_EQ(SweepJobs(3, 2, 2, kProcess), 3);  // asked for: as asked (the sweep warns)
  EXPECT_EQ(SweepJobs(3, 2, 2, kInProcess), 3);

  EXPECT_TRUE(SweepOversubscribed(2, 2, 2, kProcess));
  EXPECT_TRUE(SweepOversubscribed(3, 1, 2, kProcess));
  EXPECT_FALSE(SweepOversubscribed(2, 1, 2, kProcess));
  EXPECT_FALSE(SweepOversubscribed(1, 4, 2, kProcess));  // one run at a time cannot be helped
  EXPECT_FALSE(SweepOversubscribed(2, 2, 2, kInProcess));
}

// The thread count a sweep plans with is the most any participant of any
// run asks for, including a profile the sweep itself varies.
TEST(SweepJobsTest, ThreadsPerRunIsTheMostAnyRunAsksFor) {
  json doc = BaseDoc();
  auto no_sweep = ParseScenario(doc.dump(), "test");
  ASSERT_TRUE(no_sweep.ok()) << no_sweep.status().ToString();
  auto one = SweepSpecOf(*no_sweep);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(SweepThreadsPerRun(*no_sweep, *one, SweepRuns(*one, no_sweep->seed)), 1);

  doc["participants"][0]["profile"] = {{"threads", 3}};
  auto fixed = ParseScenario(doc.dump(), "test");
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  auto fixed_spec = SweepSpecOf(*fixed);
  ASSERT_TRUE(fixed_spec.ok());
  EXPECT_EQ(SweepThreadsPerRun(*fixed, *fixed_spec, SweepRuns(*fixed_spec, fixed->seed)), 3);

  Scenario varied = WithSweep(
      {{"parameters", {{{"path", "/participants/1/profile/threads"}, {"values", {1, 4, 2}}}}}});
  auto spec = SweepSpecOf(varied);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const std::vector<SweepRun> runs = SweepRuns(*spec, varied.seed);
  EXPECT_EQ(SweepThreadsPerRun(varied, *spec, runs), 4);
  // One shard without the 4-thread point plans with what it runs.
  EXPECT_EQ(SweepThreadsPerRun(varied, *spec, {runs[0], runs[2]}), 2);
  // Repetitions of a point ask for what the point asks for.
  Scenario repeated = WithSweep(
      {{"parameters", {{{"path", "/participants/1/profile/threads"}, {"values", {1, 3}}}}},
       {"repetitions", 3}});
  auto repeated_spec = SweepSpecOf(repeated);
  ASSERT_TRUE(repeated_spec.ok()) << repeated_spec.status().ToString();
  const std::vector<SweepRun> repeated_runs = SweepRuns(*repeated_spec, repeated.seed);
  ASSERT_EQ(repeated_runs.size(), 6u);
  EXPECT_EQ(SweepThreadsPerRun(repeated, *repeated_spec, repeated_runs), 3);
  EXPECT_EQ(SweepThreadsPerRun(repeated, *repeated_spec,
                               {repeated_runs[0], repeated_runs[1], repeated_runs[2]}),
            1);
}

TEST(SweepJobsTest, APointThatCrashesARoleRunsTheSweepAsProcesses) {
  json doc = BaseDoc();
  auto plain = ParseScenario(doc.dump(), "test");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  auto plain_spec = SweepSpecOf(*plain);
  ASSERT_TRUE(plain_spec.ok());
  EXPECT_EQ(SweepNeedsProcesses(*plain, *plain_spec, SweepRuns(*plain_spec, plain->seed)),
            std::nullopt);

  const json crash = {{"participant", "solver-1"}, {"at", "training"}, {"after", 2},
                      {"restart", true}};
  doc["crashes"] = json::array({crash});
  auto crashing = ParseScenario(doc.dump(), "test");
  ASSERT_TRUE(crashing.ok()) << crashing.status().ToString();
  auto crashing_spec = SweepSpecOf(*crashing);
  ASSERT_TRUE(crashing_spec.ok());
  auto reason =
      SweepNeedsProcesses(*crashing, *crashing_spec, SweepRuns(*crashing_spec, crashing->seed));
  ASSERT_TRUE(reason.has_value());
  EXPECT_THAT(*reason, HasSubstr("SIGKILL"));

  // Only the second point crashes a role: the sweep still runs as
  // processes, and the reason names that point; a shard without it does not.
  Scenario varied = WithSweep(
      {{"parameters",
        {{{"name", "crash"}, {"path", "/crashes"}, {"values", {json::array(), {crash}}},
          {"labels", {"none", "training"}}}}}});
  auto spec = SweepSpecOf(varied);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const std::vector<SweepRun> runs = SweepRuns(*spec, varied.seed);
  ASSERT_EQ(runs.size(), 2u);
  auto varied_reason = SweepNeedsProcesses(varied, *spec, runs);
  ASSERT_TRUE(varied_reason.has_value());
  EXPECT_THAT(*varied_reason, HasSubstr("training"));
  EXPECT_THAT(*varied_reason, HasSubstr("SIGKILL"));
  EXPECT_EQ(SweepNeedsProcesses(varied, *spec, {runs[0]}), std::nullopt);
}

}  // namespace
}  // namespace veritrain
