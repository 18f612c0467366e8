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

std::string ShapeErrorOfPath(const std::string& path, int64_t tasks = 1) {
  return testing_util::ErrorOf(ShapeDoc({{{"path", path}, {"equals", 1}}}, tasks));
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
              HasSubstr("is a integer, which has no field"));
}

TEST(SummaryShapeTest, NothingIsBelowAScalar) {
  EXPECT_THAT(ShapeErrorOfPath("/tasks/0/outcome/code"),
              HasSubstr("/tasks/0/outcome is a string, which has no field \"code\""));
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

TEST(SummaryShapeTest, ComparedPathsAreCheckedToo) {
  const std::string m = testing_util::ErrorOf(
      ShapeDoc({{{"path", "/profit/verifier-1"}, {"greater_than", "/profit/verifer-2"}}}));
  EXPECT_THAT(m, HasSubstr("/expect/0/greater_than: \"/profit/verifer-2\""));
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
