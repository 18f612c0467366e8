// Expectation paths against the shape of summary.json: a misspelt field, a
// task or verifier that the scenario does not have, a participant it does
// not name, or a path below a scalar is refused before anything runs; paths
// into objects whose fields depend on the run pass. Every shipped scenario
// passes.
#include "scenarios/spec/summary_shape.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/protocol/events.h"
#include "core/protocol/settlement.h"
#include "tests/unit/scenario/scenario_test_util.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

json ShapeDoc(const json& expect, int64_t tasks = 1) {
  json doc = json::parse(R"({
    "format": "veritrain-scenario/1",
    "name": "shape-test",
    "job": {"name": "synthetic", "steps": 40, "batch_size": 8},
    "protocol": {"checkpoint_interval": 10},
    "economics": {"forced_error_rate": 0.5},
    "participants": [
      {"name": "solver-1", "role": "solver"},
      {"name": "verifier-1", "role": "verifier"},
      {"name": "verifier-2", "role": "verifier"}
    ]
  })");
  doc["tasks"] = tasks;
  doc["expect"] = expect;
  return doc;
}

// The error of a path alone: compared with null, and without the line
// that says the field can never be null (most fields cannot).
std::string ShapeErrorOfPath(const std::string& path, int64_t tasks = 1) {
  std::istringstream lines(
      testing_util::ErrorOf(ShapeDoc({{{"path", path}, {"equals", nullptr}}}, tasks)));
  std::string out, line;
  while (std::getline(lines, line)) {
    if (line.find("/expect/0/equals: ") != std::string::npos &&
        line.find(", never null") != std::string::npos) {
      continue;
    }
    out += (out.empty() ? "" : "\n") + line;
  }
  return out;
}

// The error of one expectation.
std::string ShapeErrorOf(const json& expectation) {
  return testing_util::ErrorOf(ShapeDoc(json::array({expectation})));
}

TEST(SummaryShapeTest, AMisspeltFieldIsRefusedWithTheClosestName) {
  const std::string m = ShapeErrorOfPath("/tasks/0/outcom");
  EXPECT_THAT(m, HasSubstr("/expect/0/path: \"/tasks/0/outcom\" names nothing summary.json can "
                           "hold: /tasks/0 has no field \"outcom\"; did you mean \"outcome\"?"));
  EXPECT_THAT(ShapeErrorOfPath("/conservaton"), HasSubstr("did you mean \"conservation\"?"));
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/verifiers/0/acept"), HasSubstr("did you mean \"accept\"?"));
}

TEST(SummaryShapeTest, TasksVerifiersAndParticipantsMustExist) {
  EXPECT_THAT(ShapeErrorOfPath("/tasks/1/outcome"),
              HasSubstr("task 1 does not exist: the scenario posts 1 task(s)"));
  EXPECT_EQ(ShapeErrorOfPath("/tasks/2/outcome", 3), "");
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/verifiers/2/accept"),
              HasSubstr("verifier 2 does not exist: the scenario has 2 verifier(s)"));
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/balances/solver-2"),
              HasSubstr("\"solver-2\" in /tasks/0/balances is not an account of the run"));
  EXPECT_THAT(ShapeErrorOfPath("/profit/verifier-3"),
              HasSubstr("\"verifier-3\" in /profit is not a participant of the scenario"));
  EXPECT_THAT(ShapeErrorOfPath("/tasks/first/outcome"), HasSubstr("\"first\" is not an index"));
}

// The run's timings are fixed fields: wall time and peak memory by role.
TEST(SummaryShapeTest, TheRunsTimingsAreChecked) {
  EXPECT_THAT(ShapeErrorOfPath("/timings/peak_rss_byte/solver-1"),
              HasSubstr("did you mean \"peak_rss_bytes\"?"));
  EXPECT_THAT(ShapeErrorOfPath("/timings/peak_rss_bytes/solver-2"),
              HasSubstr("\"solver-2\" in /timings/peak_rss_bytes is not a participant"));
  EXPECT_THAT(ShapeErrorOfPath("/timings/runner_peak_rss_bytes/arbiter"),
              HasSubstr("is an integer, which has no field"));
}

TEST(SummaryShapeTest, NothingIsBelowAScalar) {
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/outcome/code"),
              HasSubstr("/tasks/0/outcome is a string (outcome), which has no field \"code\""));
}

TEST(SummaryShapeTest, KnownAndOpenPathsPass) {
  for (const char* path :
       {"/tasks/0/outcome", "/tasks/0/balances/solver-1", "/tasks/0/balances/submitter",
        "/tasks/0/balances/jackpot", "/tasks/0/balances/escrow~1task-0001",
        "/tasks/0/dispute/arbiter/evaluations", "/tasks/0/settlement/slashed/0/owner",
        "/tasks/0/verifiers/1/intervals/0/distances/l2", "/tasks/0/max_distance/l2",
        "/profit/verifier-2", "/network/faults_injected_by_role/arbiter/dropped",
        "/crashes/0/restarted", "/forced_errors/raised", "/ledger_audit/ok", "/tasks/0",
        "/tasks", "/timings/wall_seconds", "/timings/runner_peak_rss_bytes",
        "/timings/peak_rss_bytes/solver-1", "/timings/peak_rss_bytes/arbiter",
        "/tasks/0/timings/solver_setup_seconds"}) {
    EXPECT_EQ(ShapeErrorOfPath(path), "") << path;
  }
}

// A task's settlement is checked field by field: a misspelt field or a
// participant the scenario does not name in it was a silent pass. Every
// field the arbiter's settlement writes is named.
TEST(SummaryShapeTest, ASettlementIsCheckedFieldByField) {
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/settlement/slashed/0/onwer"),
              HasSubstr("/tasks/0/settlement/slashed/0 has no field \"onwer\" (fields: amount, "
                        "burned, owner, to_jackpot, to_winner, why, winner)"));
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/settlement/slashes"),
              HasSubstr("did you mean \"slashed\"?"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/settlement/slashed/0/owner"},
                            {"not_equals", "Solver-1"}}),
              HasSubstr("did you mean \"solver-1\"?"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/settlement/lazy"}, {"equals", {"Verifier-2"}}}),
              HasSubstr("did you mean \"verifier-2\"?"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/settlement/outcome"}, {"equals", "acepted"}}),
              HasSubstr("did you mean \"accepted\"?"));
  SettlementPlan plan;
  plan.slashed.push_back({});
  SettlementEvent event;
  event.plan = plan.ToJson();
  event.forced_round = plan.ToJson();
  ForcedErrorSettlementEvent forced;
  forced.plan = plan.ToJson();
  (*event.forced_round).update(forced.ToJson());
  const json written = event.ToJson();
  for (const auto& [field, value] : written.items()) {
    // What the runner moves out of the settlement into the task.
    if (field == "economics" || field == "selected" || field == "jackpot") continue;
    EXPECT_EQ(ShapeErrorOfPath("/tasks/0/settlement/" + field), "") << field;
    const json& inner = value.is_array() && !value.empty() ? value[0] : value;
    if (!inner.is_object()) continue;
    const std::string at = "/tasks/0/settlement/" + field + (value.is_array() ? "/0/" : "/");
    for (const auto& [sub, sub_value] : inner.items()) {
      EXPECT_EQ(ShapeErrorOfPath(at + sub), "") << at + sub;
      if (sub == "slashed") {
        for (const auto& [slash, unused] : sub_value[0].items()) {
          EXPECT_EQ(ShapeErrorOfPath(at + "slashed/0/" + slash), "") << slash;
        }
      }
    }
  }
}

// What only a forced error writes cannot be expected when no task can have
// one: the expectation fails in every run. A sweep's base is not refused
// for what its points set.
TEST(SummaryShapeTest, ForcedErrorFieldsNeedAForcedErrorRate) {
  json doc = ShapeDoc({{{"path", "/tasks/0/forced_round/caught"}, {"not_equals", nullptr}},
                       {{"path", "/tasks/0/settlement/forced_round/slashed"},
                        {"not_equals", nullptr}},
                       {{"path", "/tasks/0/real_trace_root"}, {"not_equals", nullptr}},
                       {{"path", "/tasks/0/forced_error"}, {"equals", false}},
                       {{"path", "/forced_errors/raised"}, {"equals", 0}}});
  doc["economics"]["forced_error_rate"] = 0;
  auto sc = ParseScenario(doc.dump(), "shape-test");
  ASSERT_FALSE(sc.ok());
  const std::string m = sc.status().message();
  for (const char* at : {"/expect/0/path", "/expect/1/path", "/expect/2/path"}) {
    EXPECT_THAT(m, HasSubstr(at)) << m;
  }
  EXPECT_THAT(m, HasSubstr("forced_round is written only for a forced error, and no task of the "
                           "scenario can have one: economics.forced_error_rate is 0"));
  EXPECT_THAT(m, ::testing::Not(HasSubstr("/expect/3"))) << m;
  EXPECT_THAT(m, ::testing::Not(HasSubstr("/expect/4"))) << m;

  doc["economics"]["forced_error_rate"] = 0.01;
  EXPECT_EQ(testing_util::ErrorOf(doc), "");
  doc["economics"]["forced_error_rate"] = 0;
  doc["sweep"] = {{"parameters", {{{"path", "economics.forced_error_rate"}, {"values", {0.5, 1}}}}}};
  EXPECT_EQ(testing_util::ErrorOf(doc), "");
}

// A sweep that sets the number of tasks: its points are checked each with
// their own, so the base is not refused for a task beyond its own count.
TEST(SummaryShapeTest, ASweepOverTasksChecksEachPointsTasks) {
  json doc = ShapeDoc({{{"path", "/tasks/2/outcome"}, {"equals", "accepted"}}});
  EXPECT_THAT(testing_util::ErrorOf(doc), HasSubstr("task 2 does not exist"));
  doc["sweep"] = {{"parameters", {{{"path", "/tasks"}, {"values", {3, 4}}}}}};
  EXPECT_EQ(testing_util::ErrorOf(doc), "");
}

TEST(SummaryShapeTest, ComparedPathsAreCheckedToo) {
  const std::string m = testing_util::ErrorOf(
      ShapeDoc({{{"path", "/profit/verifier-1"}, {"greater_than", "/profit/verifer-2"}}}));
  EXPECT_THAT(m, HasSubstr("/expect/0/greater_than: \"/profit/verifer-2\""));
}

// A value the field can never hold makes "equals" always fail and
// "not_equals" always pass: a misspelt outcome would be a silent pass.
TEST(SummaryShapeTest, AnOutcomeNoSummaryCanHoldIsRefused) {
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/outcome"}, {"not_equals", "challenge_uphled"}}),
              HasSubstr("/expect/0/not_equals: \"/tasks/0/outcome\" can never be "
                        "\"challenge_uphled\": \"challenge_uphled\" is not an outcome; did "
                        "you mean \"challenge_upheld\"?"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/outcome"}, {"equals", "acepted"}}),
              HasSubstr("did you mean \"accepted\"?"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/outcome"}, {"equals", "ok"}}),
              HasSubstr("(outcomes: \"accepted\", \"challenge_upheld\""));
  EXPECT_THAT(ShapeErrorOfPath("/outcomes/acepted"),
              HasSubstr("in /outcomes, \"acepted\" is not an outcome; did you mean "
                        "\"accepted\"?"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/mode"}, {"equals", "exakt"}}),
              HasSubstr("did you mean \"exact\"?"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/availability_challenges/0/state"},
                            {"equals", "deliverd"}}),
              HasSubstr("did you mean \"delivered\"?"));
  for (const char* outcome : {"accepted", "challenge_upheld", "challenge_rejected",
                              "solver_timeout", "unverified", "forced_error", "void", "withheld",
                              "unsettled"}) {
    EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/outcome"}, {"equals", outcome}}), "") << outcome;
    EXPECT_EQ(ShapeErrorOfPath(std::string("/outcomes/") + outcome), "") << outcome;
  }
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/mode"}, {"equals", "exact"}}), "");
}

// A market's table without a market, and a threshold in exact mode (whose
// verification/delta is {}), name nothing a run of the scenario writes.
TEST(SummaryShapeTest, MarketAndThresholdPathsNeedAMarketAndToleranceMode) {
  EXPECT_THAT(ShapeErrorOfPath("/market/tasks/posted"),
              HasSubstr("market is written only for a market scenario"));
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/verification/delta/l2"),
              HasSubstr("exact mode, which compares hashes: verification/delta is {} and has "
                        "no \"l2\""));
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/verification/delta"}, {"equals", json::object()}}),
            "");
  // An exact-mode ruling compares hashes and reports no deviation or
  // tolerance (an expectation on them could never be met).
  for (const char* path : {"/tasks/0/dispute/arbiter/deviation",
                           "/tasks/0/disputes/1/arbiter/tolerance"}) {
    EXPECT_THAT(ShapeErrorOfPath(path),
                HasSubstr("exact mode, whose ruling compares hashes: the arbiter's ruling "
                          "reports no"))
        << path;
  }
  EXPECT_EQ(ShapeErrorOfPath("/tasks/0/dispute/arbiter/evaluations"), "");
  json tolerance = ShapeDoc({{{"path", "/tasks/0/verification/delta/l2"}, {"max", 1}}});
  tolerance["protocol"]["mode"] = "tolerance";
  tolerance["protocol"]["delta"] = {{"l2", 0.5}};
  tolerance["economics"]["forced_error_rate"] = 0;
  EXPECT_EQ(testing_util::ErrorOf(tolerance), "");
}

// A field the scenario fixes (mode, job, steps, interval, where δ comes
// from, its name): "the run did not fall back to tolerance mode" always
// held, and an equals with another value could never pass. An equals with
// the scenario's own value still checks what the run records.
TEST(SummaryShapeTest, AComparisonTheScenarioDecidesIsRefused) {
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/mode"}, {"not_equals", "tolerance"}}),
              HasSubstr("/expect/0/not_equals: \"/tasks/0/mode\" != \"tolerance\" always "
                        "holds: the scenario fixes it at \"exact\" (protocol.mode)"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/steps"}, {"equals", 41}}),
              HasSubstr("\"/tasks/0/steps\" == 41 can never hold: the scenario fixes it at 40 "
                        "(job.steps)"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/job"}, {"not_equals", "synthetic"}}),
              HasSubstr("can never hold"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/verification/delta_source"},
                            {"not_equals", "calibrated"}}),
              HasSubstr("always holds: the scenario fixes it at \"fixed\""));
  EXPECT_THAT(ShapeErrorOf({{"path", "/scenario"}, {"equals", "other"}}),
              HasSubstr("can never hold"));
  // Fixed too: the task's id, its reward and stakes, and its checkpoints
  // (job.steps 40 in intervals of 10).
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/task"}, {"not_equals", "task-1"}}),
              HasSubstr("always holds: the scenario fixes it at \"task-0001\" (tasks are "
                        "numbered task-0001, task-0002, … as posted)"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/num_checkpoints"}, {"not_equals", 6}}),
              HasSubstr("always holds: the scenario fixes it at 5 (job.steps / "
                        "protocol.checkpoint_interval + 1)"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/intervals"}, {"equals", 5}}),
              HasSubstr("can never hold: the scenario fixes it at 4"));
  json fee = ShapeDoc({{{"path", "/tasks/0/economics/verifier_fee"}, {"not_equals", 3}},
                       {{"path", "/tasks/0/reward"}, {"equals", 499}}});
  fee["economics"]["verifier_fee"] = 5;
  fee["economics"]["reward"] = 500;
  const std::string fixed = testing_util::ErrorOf(fee);
  EXPECT_THAT(fixed, HasSubstr("!= 3 always holds: the scenario fixes it at 5 "
                               "(economics.verifier_fee)"));
  EXPECT_THAT(fixed, HasSubstr("== 499 can never hold: the scenario fixes it at 500 "
                               "(economics.reward)"));
  for (const json& kept : {json{{"path", "/tasks/0/steps"}, {"equals", 40}},
                           json{{"path", "/tasks/0/task"}, {"equals", "task-0001"}},
                           json{{"path", "/tasks/0/num_checkpoints"}, {"equals", 5}},
                           json{{"path", "/tasks/0/checkpoint_interval"}, {"equals", 10}},
                           json{{"path", "/scenario"}, {"equals", "shape-test"}}}) {
    EXPECT_EQ(ShapeErrorOf(kept), "") << kept.dump();
  }
  // A sweep that sets the field: each point has its own.
  json doc = ShapeDoc({{{"path", "/tasks/0/steps"}, {"equals", 80}}});
  EXPECT_THAT(testing_util::ErrorOf(doc), HasSubstr("can never hold"));
  doc["sweep"] = {{"parameters", {{{"path", "/job/steps"}, {"values", {40, 80}}}}}};
  EXPECT_EQ(testing_util::ErrorOf(doc), "");
}

// Lists whose length the scenario fixes: a task's update norms (one per
// interval) and its selected verifiers.
TEST(SummaryShapeTest, AnIndexPastAListTheScenarioSizesIsRefused) {
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/update_norms/4"),
              HasSubstr("update norm 4 does not exist: a task has 4 interval(s), one norm each"));
  EXPECT_EQ(ShapeErrorOfPath("/tasks/0/update_norms/3"), "");
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/selected_verifiers/2"),
              HasSubstr("selected verifier 2 does not exist: 2 verifier(s) are selected"));
  EXPECT_EQ(ShapeErrorOfPath("/tasks/0/selected_verifiers/1"), "");
  json doc = ShapeDoc({{{"path", "/tasks/0/selected_verifiers/1"}, {"equals", nullptr}}});
  doc["economics"]["verifiers_per_task"] = 1;
  EXPECT_THAT(testing_util::ErrorOf(doc), HasSubstr("1 verifier(s) are selected for a task"));
}

TEST(SummaryShapeTest, AValueOfTheWrongTypeIsRefused) {
  EXPECT_THAT(ShapeErrorOf({{"path", "/conservation"}, {"equals", "true"}}),
              HasSubstr("/expect/0/equals: \"/conservation\" can never be \"true\": the value "
                        "there is a boolean, never \"true\""));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/reward"}, {"not_equals", "100"}}),
              HasSubstr("the value there is an integer, never \"100\""));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/outcome"}, {"equals", 1}}),
              HasSubstr("the value there is a string (outcome), never 1"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/update_norms"}, {"equals", 1.5}}),
              HasSubstr("the value there is a list, never 1.5"));
  // null only where a summary writes it (a number not known, an open
  // field): an outcome or a boolean is never null, so an equals null
  // there can never hold. (A not_equals null says the field is there.)
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/test_accuracy"}, {"equals", nullptr}}), "");
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/dispute/arbiter/reason"}, {"equals", nullptr}}),
            "");
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/outcome"}, {"equals", nullptr}}),
              HasSubstr("/expect/0/equals: \"/tasks/0/outcome\" can never be null: the "
                        "value there is a string (outcome), never null"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/conservation"}, {"equals", nullptr}}),
              HasSubstr("the value there is a boolean, never null"));
  EXPECT_EQ(ShapeErrorOf({{"path", "/warnings/0"}, {"not_equals", nullptr}}), "");
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/reward"}, {"equals", nullptr}}),
              HasSubstr("the value there is an integer, never null"));
  // What numbers can be, of either kind.
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/update_norms/0"}, {"equals", "nan"}}), "");
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/update_norms/0"}, {"equals", "NaN"}}),
              HasSubstr("the value there is a number, never \"NaN\""));
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/reward"}, {"equals", 1000.0}}), "");
  // No integer is 1.5: a not_equals that can never fail.
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/reward"}, {"not_equals", 1.5}}),
              HasSubstr("the value there is an integer, never 1.5"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/intervals_verified"}, {"equals", 2.5}}),
              HasSubstr("never 2.5"));
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/dispute/rounds"}, {"min", 1}}), "");
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/dispute/arbiter/reason"}, {"equals", "x"}}), "");
}

// A name no summary of the scenario can hold (a participant it does not
// have, a side of a game, a behaviour its solvers never take) makes
// "not_equals" pass whatever happens: refused with the closest name.
TEST(SummaryShapeTest, ANameTheScenarioCannotProduceIsRefused) {
  // A game is won by a side, not by a participant.
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/dispute/winner"}, {"not_equals", "solver-1"}}),
              HasSubstr("/expect/0/not_equals: \"/tasks/0/dispute/winner\" can never be "
                        "\"solver-1\": \"solver-1\" is not a side of a game; a game is won by "
                        "a side, not by a participant (sides: \"solver\", \"challenger\", "
                        "\"nobody\")"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/disputes/1/winner"}, {"equals", "challenger-1"}}),
              HasSubstr("did you mean \"challenger\"?"));
  for (const char* path : {"/tasks/0/solver", "/tasks/0/dispute/challenger",
                           "/tasks/0/verifiers/0/name", "/tasks/0/selected_verifiers/0",
                           "/silent_participants/0", "/crashes/0/participant",
                           "/tasks/0/forced_round/caught/0",
                           "/tasks/0/availability_challenges/0/challenger"}) {
    EXPECT_THAT(ShapeErrorOf({{"path", path}, {"not_equals", "verifer-2"}}),
                HasSubstr("\"verifer-2\" is not a participant of the scenario; did you mean "
                          "\"verifier-2\"?"))
        << path;
    EXPECT_EQ(ShapeErrorOf({{"path", path}, {"not_equals", "verifier-2"}}), "") << path;
  }
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/dispute/bytes/solver-2"),
              HasSubstr("\"solver-2\" in /tasks/0/dispute/bytes is not a participant"));
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/dispute/nodes"), HasSubstr("did you mean \"node\"?"));
  // The solver of ShapeDoc is honest.
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/solver_behaviour"}, {"not_equals", "lazy"}}),
              HasSubstr("\"lazy\" is not a behaviour of the scenario's solvers (behaviours: "
                        "\"honest\")"));
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/solver_behaviour"}, {"equals", "honest"}}), "");
  // What fields every recorded game has pass.
  for (const char* path : {"/tasks/0/dispute/node", "/tasks/0/dispute/step",
                           "/tasks/0/dispute/expected_rounds", "/tasks/0/disputes/0/upheld",
                           "/tasks/0/dispute/notes/0/note", "/tasks/0/dispute/trace/0/chosen",
                           "/tasks/0/dispute/initial_state/hash"}) {
    EXPECT_EQ(ShapeErrorOfPath(path), "") << path;
  }
}

// A slash's reason is one of the settlement's, written with spaces, and
// its winner a participant or "" (the share went to the jackpot): a
// not_equals on a misspelling of either would always hold.
TEST(SummaryShapeTest, ASlashsReasonAndWinnerAreNamedValues) {
  for (const char* path : {"/tasks/0/settlement/slashed/0/why",
                           "/tasks/0/settlement/forced_round/slashed/1/why"}) {
    EXPECT_THAT(ShapeErrorOf({{"path", path}, {"not_equals", "challenge_upheld"}}),
                HasSubstr("\"challenge_upheld\" is not a reason for a slash; did you mean "
                          "\"challenge upheld\"?"))
        << path;
    for (const char* why : kSlashReasons) {
      EXPECT_EQ(ShapeErrorOf({{"path", path}, {"equals", why}}), "") << path << ": " << why;
    }
  }
  for (const char* path : {"/tasks/0/settlement/slashed/0/winner",
                           "/tasks/0/settlement/forced_round/slashed/0/winner"}) {
    EXPECT_THAT(ShapeErrorOf({{"path", path}, {"not_equals", "verifer-1"}}),
                HasSubstr("\"verifer-1\" is not a participant of the scenario, or \"\" (no "
                          "winner); did you mean \"verifier-1\"?"))
        << path;
    EXPECT_EQ(ShapeErrorOf({{"path", path}, {"equals", "verifier-1"}}), "") << path;
    EXPECT_EQ(ShapeErrorOf({{"path", path}, {"equals", ""}}), "") << path;
  }
}

// A solver's behaviours are all it can train with: a switching solver's
// strategies, a market entry's and the one it adapts to.
TEST(SummaryShapeTest, SolverBehavioursComeFromSwitchingAndTheMarket) {
  json doc = ShapeDoc(json::array({{{"path", "/tasks/0/solver_behaviour"}, {"equals", "replay"}},
                                   {{"path", "/tasks/0/solver_behaviour"}, {"equals", "lazzy"}}}));
  doc["participants"][0]["behaviour"] = "switching";
  doc["participants"][0]["params"] = {{"strategies", {{"replay", json::object()},
                                                      {"lazy", json::object()}}},
                                      {"initial", "lazy"},
                                      {"file", "s.txt"}};
  std::vector<ScenarioError> errors = CheckExpectPaths(doc);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/expect/1/equals");
  EXPECT_THAT(errors[0].message, HasSubstr("did you mean \"lazy\"? (behaviours: \"lazy\", "
                                           "\"replay\")"));
  // Strategies it cannot tell: any name passes.
  doc["participants"][0]["params"].erase("strategies");
  EXPECT_THAT(CheckExpectPaths(doc), ::testing::IsEmpty());

  json market = json::parse(R"({
    "format": "veritrain-scenario/1", "name": "m",
    "job": {"name": "synthetic", "steps": 40, "batch_size": 8},
    "protocol": {"checkpoint_interval": 10},
    "market": {"solvers": [{"name": "s", "count": 2, "adapt": {"to": "lazy"}}],
               "verifiers": [{"name": "v", "count": 2}]}
  })");
  market["expect"] = json::array({{{"path", "/tasks/0/solver_behaviour"}, {"equals", "lazy"}},
                                  {{"path", "/tasks/0/solver"}, {"equals", "s-2"}},
                                  {{"path", "/tasks/0/solver_behaviour"}, {"equals", "replay"}}});
  errors = CheckExpectPaths(market);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/expect/2/equals");
  EXPECT_THAT(errors[0].message, HasSubstr("(behaviours: \"honest\", \"lazy\")"));
}

// A list or an object is checked element by element: a list of names
// with a misspelt one can never be the value, so "not_equals" on it always
// held. So are the values of where a δ comes from and a market strategy.
TEST(SummaryShapeTest, ListsObjectsAndTheirNamesAreCheckedInside) {
  EXPECT_THAT(
      ShapeErrorOf({{"path", "/tasks/0/selected_verifiers"}, {"not_equals", {"Verifier-1"}}}),
      HasSubstr("\"/tasks/0/selected_verifiers\" can never be [\"Verifier-1\"]: its element 0 "
                "can never be \"Verifier-1\": \"Verifier-1\" is not a participant of the "
                "scenario; did you mean \"verifier-1\"?"));
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/selected_verifiers"},
                          {"not_equals", {"verifier-1", "verifier-2"}}}),
            "");
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/forced_round/caught"}, {"equals", {1}}}),
              HasSubstr("its element 0 can never be 1"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/slashed"}, {"not_equals", {{"Solver-1", 0}}}}),
              HasSubstr("its field \"Solver-1\": \"Solver-1\" is not a participant"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/forced_errors"}, {"not_equals", {{"rasied", 0}}}}),
              HasSubstr("its field \"rasied\": it has no field"));
  EXPECT_EQ(ShapeErrorOf({{"path", "/forced_errors"}, {"not_equals", {{"raised", 0}}}}), "");
  EXPECT_THAT(
      ShapeErrorOf({{"path", "/tasks/0/verification/delta_source"}, {"not_equals", "calibration"}}),
      HasSubstr("\"calibration\" is not where a δ comes from (values: \"fixed\", "
                "\"calibrated\")"));
  EXPECT_EQ(ShapeErrorOf({{"path", "/tasks/0/verification/delta_source"}, {"equals", "fixed"}}),
            "");

  json market = json::parse(R"({
    "format": "veritrain-scenario/1", "name": "m",
    "job": {"name": "synthetic", "steps": 40, "batch_size": 8},
    "protocol": {"checkpoint_interval": 10},
    "market": {"solvers": [{"name": "s", "count": 2}],
               "verifiers": [{"name": "lz", "count": 2, "behaviour": "lazy-approve",
                              "adapt": {"to": "honest"}}]}
  })");
  market["expect"] =
      json::array({{{"path", "/market/participants/lz-1/strategy"}, {"not_equals", "Lazy-approve"}},
                   {{"path", "/market/participants/lz-1/strategy"}, {"equals", "lazy-approve"}}});
  std::vector<ScenarioError> errors = CheckExpectPaths(market);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/expect/0/not_equals");
  EXPECT_THAT(errors[0].message, HasSubstr("did you mean \"lazy-approve\"?"));
}

TEST(SummaryShapeTest, OnlyNumbersAreComparedAsNumbers) {
  EXPECT_THAT(ShapeErrorOf({{"path", "/tasks/0/outcome"}, {"min", 0}}),
              HasSubstr("/expect/0/path: \"/tasks/0/outcome\" is a string (outcome), which min, "
                        "max, greater_than and less_than cannot compare"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/conservation"}, {"max", 1}}),
              HasSubstr("is a boolean, which min, max"));
  EXPECT_THAT(ShapeErrorOf({{"path", "/profit/verifier-1"}, {"greater_than", "/tasks/0/solver"}}),
              HasSubstr("/expect/0/greater_than: \"/tasks/0/solver\" is a string (participant), "
                        "which cannot be compared as a number"));
  EXPECT_EQ(ShapeErrorOf({{"path", "/profit/verifier-1"}, {"less_than", "/profit/verifier-2"}}),
            "");
  // A figure against itself never holds.
  EXPECT_THAT(ShapeErrorOf({{"path", "/profit/verifier-1"}, {"greater_than", "/profit/verifier-1"}}),
              HasSubstr("/expect/0/greater_than: \"/profit/verifier-1\" is the expectation's "
                        "own path: a figure is never greater than itself"));
}

// A summary read back is checked against the shape by kind, so that its
// readers (audit, report) can take the fixed fields by their types.
TEST(SummaryShapeTest, ASummaryOfAnotherShapeIsNamedWhereItDiffers) {
  json summary = {{"scenario", "s"},
                  {"seed", 7},
                  {"tasks", {{{"outcome", "accepted"},
                              {"update_norms", {0.5, "nan", nullptr}},
                              {"test_accuracy", nullptr},
                              {"dispute", {{"rounds", 3}}},
                              {"balances", {{"solver-1", 10}, {"escrow/task-0001", 0}}},
                              {"a field of a later version", {1, 2}}}}},
                  {"outcomes", {{"accepted", 1}}}};
  EXPECT_THAT(SummaryShapeMismatches(summary), ::testing::IsEmpty());
  json bad = summary;
  bad["tasks"][0] = 5;
  bad["seed"] = "x";
  bad["outcomes"]["accepted"] = 1.5;
  EXPECT_EQ(SummaryShapeMismatches(bad),
            (std::vector<std::string>{"/outcomes/accepted: a number, where summary.json has an integer",
                                      "/seed: a string, where summary.json has an integer",
                                      "/tasks/0: an integer, where summary.json has an object"}));
  bad = summary;
  bad["tasks"][0]["dispute"] = json::array();
  bad["tasks"][0]["balances"]["escrow/task-0001"] = "0";
  EXPECT_EQ(SummaryShapeMismatches(bad),
            (std::vector<std::string>{
                "/tasks/0/balances/escrow~1task-0001: a string, where summary.json has an integer",
                "/tasks/0/dispute: a list, where summary.json has an object"}));
  EXPECT_EQ(SummaryShapeMismatches(json::array()),
            (std::vector<std::string>{"/: a list, where summary.json has an object"}));
  // At most `limit`.
  bad = summary;
  for (int i = 0; i < 20; ++i) bad["tasks"].push_back(i);
  EXPECT_EQ(SummaryShapeMismatches(bad, 4).size(), 4u);
}

TEST(SummaryShapeTest, TheExpectationsThemselvesCannotBeExpected) {
  EXPECT_THAT(ShapeErrorOf({{"path", "/expectations_met"}, {"equals", true}}),
              HasSubstr("\"/expectations_met\" names nothing summary.json can hold: "
                        "expectations_met is written after the expectations are evaluated"));
  EXPECT_THAT(ShapeErrorOfPath("/expectations/0/passed"),
              HasSubstr("expectations is written after the expectations are evaluated"));
}

TEST(SummaryShapeTest, EveryShippedScenarioPasses) {
  namespace fs = std::filesystem;
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(std::string(VERITRAIN_SOURCE_DIR) +
                                                        "/scenarios")) {
    if (e.path().extension() != ".json" || e.path().parent_path().filename() == "schema") {
      continue;
    }
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    auto doc = json::parse(text.str());
    ++checked;
    EXPECT_THAT(CheckExpectPaths(doc), ::testing::IsEmpty()) << e.path();
  }
  EXPECT_GT(checked, 50);
}

}  // namespace
}  // namespace veritrain
