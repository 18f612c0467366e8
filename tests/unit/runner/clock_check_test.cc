// The clocks `check` holds against the job: a game clock no honest party
// can keep is refused, and clocks and deadlines that the job's measured
// step makes tight are warned about.
#include "scenarios/check/clock_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "scenarios/check/job_check.h"
#include "scenarios/check/scenario_warnings.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

// The synthetic job, k = 20 of 100 steps, arity 2, a false challenger.
json ClockDoc(double clock_s) {
  json doc = json::parse(R"({
    "format": "veritrain-scenario/1",
    "name": "clock-test",
    "seed": 11,
    "job": {"name": "synthetic", "steps": 100, "batch_size": 32},
    "protocol": {"checkpoint_interval": 20, "top_q": 0, "random_samples": 5,
                 "game": {"arity": 2}},
    "participants": [
      {"name": "solver-1", "role": "solver"},
      {"name": "va", "role": "verifier", "behaviour": "false-challenge",
       "params": {"interval": 2}}
    ]
  })");
  doc["protocol"]["game"]["clock_s"] = clock_s;
  return doc;
}

Scenario ParseClockDoc(const json& doc) {
  auto sc = ParseScenario(doc.dump(), "test.json");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return sc.ok() ? *sc : Scenario();
}

// The job-level check's message, "" when the scenario passes.
std::string ClockJobProblems(const json& doc) {
  Scenario sc = ParseClockDoc(doc);
  auto config = ScenarioJobConfig(sc);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return config.status().message();
  Status s = CheckScenarioAgainstJob(sc, *config);
  return s.ok() ? "" : s.message();
}

JobFacts FactsWith(int64_t game_nodes, double step_seconds) {
  JobFacts f;
  f.graph = {{"game_nodes", game_nodes}};
  f.step_seconds = step_seconds;
  return f;
}

TEST(ClockCheckTest, MovesAreTheChallengeAndBothDissections) {
  // k = 20 at arity 2: 5 rounds; 13 game nodes: 4 rounds.
  EXPECT_EQ(DisputeMoves(ParseClockDoc(ClockDoc(30)), 13), 10);
  json four = ClockDoc(30);
  four["protocol"]["game"]["arity"] = 4;
  EXPECT_EQ(DisputeMoves(ParseClockDoc(four), 13), 1 + 3 + 2);
}

TEST(ClockCheckTest, AGameClockNoHonestPartyCanKeepIsRefused) {
  // A 0.05 s clock lost an honest solver its stake to a false challenge.
  for (double clock : {0.01, 0.05}) {
    const std::string problems = ClockJobProblems(ClockDoc(clock));
    EXPECT_THAT(problems, HasSubstr("/protocol/game/clock_s")) << clock;
    EXPECT_THAT(problems, HasSubstr("false challenge would win")) << clock;
    EXPECT_THAT(problems, HasSubstr("at least 0.1 s")) << problems;
  }
  EXPECT_EQ(ClockJobProblems(ClockDoc(0.2)), "");
  EXPECT_EQ(ClockJobProblems(ClockDoc(30)), "");
}

TEST(ClockCheckTest, TightClocksAndDeadlinesAreWarnedFromTheMeasuredStep) {
  json doc = ClockDoc(30);
  doc["protocol"]["deadlines"] = {{"training_s", 300}, {"verification_s", 300}};
  const Scenario sc = ParseClockDoc(doc);
  // 1 s a step: the solver's side of a dispute is about 21 s of a 30 s
  // clock; training 100 s of 300 s; 5 intervals of 20 steps, 100 s of 300.
  auto warnings = ClockWarnings(sc, FactsWith(13, 1.0));
  ASSERT_EQ(warnings.size(), 1u) << testing::PrintToString(warnings);
  EXPECT_THAT(warnings[0], HasSubstr("/protocol/game/clock_s"));
  EXPECT_THAT(warnings[0], HasSubstr("about 21.1 s"));
  EXPECT_THAT(warnings[0], HasSubstr("at least 85 s"));
  // 2 s a step: the deadlines too.
  warnings = ClockWarnings(sc, FactsWith(13, 2.0));
  ASSERT_EQ(warnings.size(), 3u) << testing::PrintToString(warnings);
  EXPECT_THAT(warnings[1], HasSubstr("/protocol/deadlines/training_s"));
  EXPECT_THAT(warnings[2], HasSubstr("/protocol/deadlines/verification_s"));
  // A fast step: nothing; no measurement: nothing.
  EXPECT_TRUE(ClockWarnings(sc, FactsWith(13, 0.001)).empty());
  EXPECT_TRUE(ClockWarnings(sc, FactsWith(13, 0)).empty());
}

// A timeout below what the run's own work takes stops it unfinished, with
// no summary: starting the roles alone takes about a second.
TEST(ClockCheckTest, ATimeoutTheRunsWorkCanUseUpIsWarnedAbout) {
  auto timeout_warning = [](json doc, double timeout_s, double step_seconds) {
    doc["timeout_s"] = timeout_s;
    for (const std::string& w : ClockWarnings(ParseClockDoc(doc), FactsWith(13, step_seconds))) {
      if (w.rfind("/timeout_s", 0) == 0) return w;
    }
    return std::string();
  };
  // The tester's 0.05 s and 1 s timeouts against a fast step.
  EXPECT_THAT(timeout_warning(ClockDoc(30), 0.05, 0.001),
              HasSubstr("starting the roles (at least 1 s), training the 1 task(s) and "
                        "re-executing what a verifier checks takes about 1.2 s"));
  EXPECT_THAT(timeout_warning(ClockDoc(30), 1, 0.001), HasSubstr("with no summary"));
  EXPECT_EQ(timeout_warning(ClockDoc(30), 900, 0.001), "");
  // 3 tasks of 100 steps and 100 re-executed, 1 s a step: about 601 s.
  json three = ClockDoc(30);
  three["tasks"] = 3;
  EXPECT_THAT(timeout_warning(three, 1000, 1.0), HasSubstr("about 601 s"));
  EXPECT_THAT(timeout_warning(three, 1000, 1.0), HasSubstr("at least 2.4e+03 s"));
  EXPECT_EQ(timeout_warning(three, 1300, 1.0), "");
}

TEST(ClockCheckTest, TheWarningsOfAScenarioIncludeTheClocks) {
  json doc = ClockDoc(0.2);
  const Scenario sc = ParseClockDoc(doc);
  auto config = ScenarioJobConfig(sc);
  ASSERT_TRUE(config.ok());
  ASSERT_TRUE(CheckScenarioAgainstJob(sc, *config).ok());
  bool clock_warned = false;
  for (const std::string& w : ScenarioWarnings(sc)) {
    clock_warned = clock_warned || w.rfind("/protocol/game/clock_s", 0) == 0;
  }
  // 10 moves of at least 10 ms are 0.1 s before any step is re-executed:
  // over half of 0.2 s, whatever the measured step.
  EXPECT_TRUE(clock_warned);
}

}  // namespace
}  // namespace veritrain
