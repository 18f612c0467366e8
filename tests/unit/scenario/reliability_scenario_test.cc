// Scenario parsing of the reliability options: network faults, retries and
// crashes — defaults, the values the roles get, and every error, named by
// its path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scenarios/spec/scenario.h"
#include "tests/unit/scenario/scenario_test_util.h"

namespace veritrain {
namespace {

using nlohmann::json;
using testing_util::ErrorOf;
using ::testing::HasSubstr;

json ReliabilityMinimal() {
  return {{"format", "veritrain-scenario/1"},
          {"name", "reliability"},
          {"job", {{"name", "synthetic"}, {"steps", 100}}},
          {"protocol", {{"checkpoint_interval", 20}}},
          {"participants",
           {{{"name", "s"}, {"role", "solver"}}, {{"name", "v"}, {"role", "verifier"}}}}};
}

TEST(ReliabilityScenario, DefaultsAreNoFaultsNoCrashesAndTheStandardRetry) {
  auto s = ParseScenario(ReliabilityMinimal().dump(), "t.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->network.faults["drop"], 0);
  EXPECT_EQ(s->network.faults["max_delay_ms"], 200);
  EXPECT_EQ(s->network.retry["initial_ms"], 250);
  EXPECT_EQ(s->network.retry["heartbeat_ms"], 500);
  EXPECT_TRUE(s->crashes.empty());
  EXPECT_EQ(s->CrashOf("s"), nullptr);
}

TEST(ReliabilityScenario, GivenFaultsRetriesAndCrashesAreKept) {
  json j = ReliabilityMinimal();
  j["network"] = {{"faults", {{"drop", 0.1}, {"duplicate", 0.05}, {"reorder", 0.05}}},
                  {"retry", {{"initial_ms", 50}, {"max_ms", 800}}}};
  j["crashes"] = {{{"participant", "s"}, {"at", "training"}, {"after", 3}, {"restart", true}},
                  {{"participant", "v"}, {"at", "dispute"}}};
  auto s = ParseScenario(j.dump(), "t.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->network.faults["drop"], 0.1);
  EXPECT_EQ(s->network.retry["max_ms"], 800);
  ASSERT_NE(s->CrashOf("s"), nullptr);
  EXPECT_EQ(s->CrashOf("s")->ToJson(),
            (json{{"participant", "s"}, {"at", "training"}, {"after", 3}, {"restart", true}}));
  EXPECT_EQ(s->CrashOf("v")->after, 1);
  EXPECT_FALSE(s->CrashOf("v")->restart);
}

TEST(ReliabilityScenario, FaultRatesAboveOneAreRefused) {
  json j = ReliabilityMinimal();
  j["network"]["faults"] = {{"drop", 1.5}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/network/faults/drop"));
  j["network"]["faults"] = {{"drop", 0.5}, {"duplicate", 0.3}, {"delay", 0.3}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/network/faults: drop + duplicate + reorder + delay = 1.1"));
  j["network"]["faults"] = {{"drop", 0.1}, {"jitter", 0.1}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("jitter"));
  // Dropping every message delivers nothing: the run could only time out.
  j["network"]["faults"] = {{"drop", 1.0}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/network/faults/drop: 1.0 must be less than 1"));
  j["network"]["faults"] = {{"drop", 0.5}};
  EXPECT_EQ(ErrorOf(j), "");
}

// Each participant is a process (or a thread) with its own job: a list
// past 1000 is refused before anything starts.
TEST(ReliabilityScenario, MoreThanAThousandParticipantsAreRefused) {
  json j = ReliabilityMinimal();
  for (int i = 0; i < 998; ++i) {
    j["participants"].push_back({{"name", "v" + std::to_string(i)}, {"role", "verifier"}});
  }
  EXPECT_EQ(ErrorOf(j), "");
  j["participants"].push_back({{"name", "one-too-many"}, {"role", "verifier"}});
  EXPECT_THAT(ErrorOf(j), HasSubstr("/participants: Array should contain no more than 1000"));
}

TEST(ReliabilityScenario, RetryMaximumBelowTheFirstWaitIsRefused) {
  json j = ReliabilityMinimal();
  j["network"]["retry"] = {{"initial_ms", 500}, {"max_ms", 100}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/network/retry/max_ms: 100 is below initial_ms = 500"));
}

TEST(ReliabilityScenario, CrashesMustNameAParticipantAtAPointItReaches) {
  auto error = [](json crash) {
    json j = ReliabilityMinimal();
    j["crashes"] = json::array({crash});
    return ErrorOf(j);
  };
  EXPECT_THAT(error({{"participant", "nobody"}, {"at", "training"}}),
              HasSubstr("/crashes/0/participant: 'nobody' is not a participant"));
  EXPECT_THAT(error({{"participant", "v"}, {"at", "training"}}),
              HasSubstr("/crashes/0/at: only the solver trains"));
  EXPECT_THAT(error({{"participant", "s"}, {"at", "verification"}}),
              HasSubstr("/crashes/0/at: only verifiers verify"));
  EXPECT_THAT(error({{"participant", "s"}, {"at", "training"}, {"after", 6}}),
              HasSubstr("/crashes/0/after: checkpoint 6 is not one training writes (1..5)"));
  EXPECT_THAT(error({{"participant", "s"}, {"at", "lunch"}}), HasSubstr("/crashes/0/at"));
  json twice = ReliabilityMinimal();
  twice["crashes"] = {{{"participant", "s"}, {"at", "training"}},
                      {{"participant", "s"}, {"at", "dispute"}}};
  EXPECT_THAT(ErrorOf(twice), HasSubstr("/crashes/1/participant: 's' already has a crash"));
}

TEST(ReliabilityScenario, TheArbiterCrashesInVerificationOrDisputeOnly) {
  json j = ReliabilityMinimal();
  j["crashes"] = {{{"participant", "arbiter"}, {"at", "dispute"}, {"after", 4}, {"restart", true}}};
  auto s = ParseScenario(j.dump(), "t.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->CrashOf("arbiter")->at, "dispute");
  j["crashes"][0]["at"] = "verification";
  j["crashes"][0]["after"] = 1;
  EXPECT_EQ(ErrorOf(j), "");
  j["crashes"][0]["at"] = "training";
  // One error, not a second one saying "'arbiter' is a arbiter".
  EXPECT_EQ(ErrorOf(j), "test.json: /crashes/0/at: the arbiter crashes at \"verification\" "
                        "(after `after` verdicts) or \"dispute\" (after `after` game moves)");
}

TEST(ReliabilityScenario, AnArbiterCrashWithoutRestartIsRefused) {
  json j = ReliabilityMinimal();
  for (const char* at : {"verification", "dispute"}) {
    j["crashes"] = {{{"participant", "arbiter"}, {"at", at}, {"after", 1}}};
    EXPECT_THAT(ErrorOf(j), HasSubstr("/crashes/0/restart: an arbiter that crashes must "
                                      "restart: only the arbiter enforces the deadlines"))
        << at;
    j["crashes"][0]["restart"] = true;
    EXPECT_EQ(ErrorOf(j), "") << at;
  }
  // A participant's crash may stay down: the arbiter's deadlines settle its task.
  j["crashes"] = {{{"participant", "v"}, {"at", "verification"}, {"after", 0}}};
  EXPECT_EQ(ErrorOf(j), "");
}

// A crash point the run can be seen never to reach is refused: it would
// test nothing (the others are warned about in the run's summary).
TEST(ReliabilityScenario, CrashPointsThatCanNeverFireAreRefused) {
  json j = ReliabilityMinimal();  // 1 task, 1 verifier, top_q 1 + random 1
  j["participants"].push_back({{"name", "v2"}, {"role", "verifier"}});
  j["crashes"] = {
      {{"participant", "arbiter"}, {"at", "verification"}, {"after", 2}, {"restart", true}}};
  EXPECT_EQ(ErrorOf(j), "");  // after the last of two verdicts: it fires
  j["crashes"][0]["after"] = 3;
  EXPECT_THAT(ErrorOf(j), HasSubstr("/crashes/0/after: the arbiter crashes after verdict 3, "
                                    "but the run has at most 2"));
  j["tasks"] = 2;
  EXPECT_EQ(ErrorOf(j), "");
  j["economics"] = {{"verifiers_per_task", 1}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("at most 2 (tasks × verifiers selected per task)"));
  // With forced errors a task can be verified twice (the posted trace and
  // the solver's real one), so verdict 3 can come.
  j["economics"]["forced_error_rate"] = 0.5;
  EXPECT_EQ(ErrorOf(j), "");
  j["crashes"][0]["after"] = 5;
  EXPECT_THAT(ErrorOf(j), HasSubstr("at most 4 (tasks × verifiers selected per task × 2 traces "
                                    "of a forced error)"));

  json v = ReliabilityMinimal();
  v["crashes"] = {{{"participant", "v"}, {"at", "verification"}, {"after", 1}}};
  EXPECT_EQ(ErrorOf(v), "");
  v["crashes"][0]["after"] = 2;
  EXPECT_THAT(ErrorOf(v), HasSubstr("/crashes/0/after: a verifier crashes once it has "
                                    "re-executed `after` intervals and before the next, but it "
                                    "re-executes top_q + random_samples = 2 per task"));
}

// A participant crashed for good answers nothing more: its tasks settle
// only when their deadlines pass. A timeout_s that runs out first stops
// the run with nothing settled and no summary: refused, naming both.
TEST(ReliabilityScenario, ATimeoutShorterThanTheDeadlinesACrashForGoodForcesIsRefused) {
  json j = ReliabilityMinimal();
  j["timeout_s"] = 120;
  j["protocol"]["deadlines"] = {{"training_s", 600}, {"verification_s", 60}};
  j["crashes"] = {{{"participant", "s"}, {"at", "training"}, {"after", 2}}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/timeout_s: 120 s is not enough for s's crash at training "
                                    "(/crashes/0, after 2, no restart): the solver posts no "
                                    "trace"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("waits out protocol.deadlines.training_s = 600 s"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("The run cannot end before 600 s, and at timeout_s the runner "
                                    "stops it unfinished, with no summary"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("Raise timeout_s above 600 s"));
  // Restarted, it trains on: nothing to wait out.
  j["crashes"][0]["restart"] = true;
  EXPECT_EQ(ErrorOf(j), "");
  // A deadline inside the budget passes; every task waits it out.
  j["crashes"][0]["restart"] = false;
  j["protocol"]["deadlines"]["training_s"] = 100;
  EXPECT_EQ(ErrorOf(j), "");
  j["tasks"] = 2;
  j["economics"] = {{"submitter_funds", 100000}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("each of the run's 2 tasks"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("200 s in all"));

  // A verifier drawn for every task holds up each verification.
  json v = ReliabilityMinimal();
  v["timeout_s"] = 120;
  v["protocol"]["deadlines"] = {{"training_s", 60}, {"verification_s", 600}};
  v["crashes"] = {{{"participant", "v"}, {"at", "verification"}, {"after", 1}}};
  EXPECT_THAT(ErrorOf(v), HasSubstr("/timeout_s: 120 s is not enough for v's crash at "
                                    "verification (/crashes/0, after 1, no restart): v is drawn "
                                    "for every task and posts no verdict"));
  EXPECT_THAT(ErrorOf(v), HasSubstr("protocol.deadlines.verification_s = 600 s"));
  // With forced errors at rate 1 it holds up both rounds of a task.
  v["protocol"]["deadlines"]["verification_s"] = 60;
  EXPECT_EQ(ErrorOf(v), "");
  v["economics"] = {{"forced_error_rate", 1.0}};
  EXPECT_THAT(ErrorOf(v), HasSubstr("verified twice: a forced error at rate 1"));
  EXPECT_THAT(ErrorOf(v), HasSubstr("120 s in all"));
  // Drawn for only some tasks, it may never hold one up: not refused.
  v["participants"].push_back({{"name", "v2"}, {"role", "verifier"}});
  v["economics"]["verifiers_per_task"] = 1;
  EXPECT_EQ(ErrorOf(v), "");
  // A dispute may not come: its crash is not counted.
  v = ReliabilityMinimal();
  v["timeout_s"] = 1;
  v["crashes"] = {{{"participant", "s"}, {"at", "dispute"}}};
  EXPECT_EQ(ErrorOf(v), "");
}

}  // namespace
}  // namespace veritrain
