// Exact mode with profiles that compute to other bits is warned about, once
// per distinct pair of profiles; tolerance mode and equal profiles are not.
#include "scenarios/check/scenario_warnings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "scenarios/runner/run.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Scenario ProfilesScenario(const std::string& mode, const nlohmann::json& verifier_profiles) {
  nlohmann::json participants = {
      {{"name", "s"}, {"role", "solver"}, {"profile", {{"threads", 1}}}}};
  for (size_t i = 0; i < verifier_profiles.size(); ++i) {
    participants.push_back({{"name", "v" + std::to_string(i)},
                            {"role", "verifier"},
                            {"profile", verifier_profiles[i]}});
  }
  nlohmann::json protocol = {{"checkpoint_interval", 5}, {"mode", mode}};
  if (mode == "tolerance") protocol["delta"] = {{"l2", 0.01}};
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "w"},
                      {"job", {{"name", "synthetic"}, {"steps", 20}}},
                      {"protocol", protocol},
                      {"participants", participants}};
  auto sc = ParseScenario(j.dump(), "w.json");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return sc.ok() ? *sc : Scenario{};
}

TEST(ProfileWarnings, ExactModeWithAnotherThreadCountIsWarnedAbout) {
  const auto w = ScenarioWarnings(ProfilesScenario("exact", {{{"threads", 2}}}));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("/protocol/mode: exact mode compares checkpoints bit for bit"));
  EXPECT_THAT(w[0], HasSubstr("verifier 'v0' and solver 's'"));
  EXPECT_THAT(w[0], HasSubstr("threads 2 against 1"));
  EXPECT_THAT(w[0], HasSubstr("lose its challenge stake"));
  EXPECT_THAT(w[0], HasSubstr("cannot win a dispute against a cheating solver"));
}

TEST(ProfileWarnings, EachDifferenceThatDecidesTheBitsIsNamed) {
  const auto w = ScenarioWarnings(ProfilesScenario(
      "exact", {{{"threads", 3}, {"deterministic", false}}, {{"threads", 1}, {"deterministic", false}}}));
  ASSERT_EQ(w.size(), 2u);
  EXPECT_THAT(w[0], HasSubstr("(threads 3 against 1, deterministic false against true)"));
  EXPECT_THAT(w[1], HasSubstr("(deterministic false against true)"));
}

TEST(ProfileWarnings, EqualProfilesAndToleranceModeAreNotWarnedAbout) {
  EXPECT_TRUE(ScenarioWarnings(ProfilesScenario("exact", {{{"threads", 1}}})).empty());
  EXPECT_TRUE(ScenarioWarnings(ProfilesScenario("tolerance", {{{"threads", 2}}})).empty());
}

TEST(ProfileWarnings, VerifiersWithTheSameProfilesGiveOneLine) {
  const auto sc = ProfilesScenario("exact", {{{"threads", 2}}, {{"threads", 2}}, {{"threads", 2}}});
  const auto w = ScenarioWarnings(sc);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("(and 2 more such pairs)"));
  std::ostringstream printed;
  PrintScenarioWarnings(sc, "w.json", printed);
  EXPECT_EQ(printed.str().rfind("w.json: warning: /protocol/mode: ", 0), 0u) << printed.str();
}

// A solver and a verifier with `economics`: exactly one warning, holding
// `warning`; none once participant_funds is `enough`.
void ExpectOneFundsWarning(const nlohmann::json& economics, int64_t enough,
                           const std::string& warning) {
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "w"},
                      {"job", {{"name", "synthetic"}, {"steps", 20}}},
                      {"protocol", {{"checkpoint_interval", 5}}},
                      {"economics", economics},
                      {"participants",
                       {{{"name", "s"}, {"role", "solver"}}, {{"name", "v"}, {"role", "verifier"}}}}};
  auto poor = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(poor.ok()) << poor.status().ToString();
  const auto w = ScenarioWarnings(*poor);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr(warning));
  j["economics"]["participant_funds"] = enough;
  auto rich = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(rich.ok());
  EXPECT_TRUE(ScenarioWarnings(*rich).empty());
}

// Verifiers that cannot lock a verifier stake and a challenge stake can
// never challenge: warned about; enough funds are not.
TEST(ScenarioWarningsFunds, VerifiersThatCannotAffordAChallengeAreWarnedAbout) {
  ExpectOneFundsWarning({{"participant_funds", 500}, {"verifier_stake", 400}, {"challenge_stake", 300}},
                        700,
                        "/economics/participant_funds: 500 cannot lock a verifier's stake and a "
                        "challenge stake (400 + 300): a selected verifier can never challenge (its "
                        "challenge is taken as an abstention), so a corrupt solver goes "
                        "unchallenged. Give participants at least 700.");
}

// Stakes that add up past the most participant_funds can be (the genesis
// supply within 2^53 - 1: (2^53 - 1 - submitter_funds 10000) / 2
// participants): the warning says no amount can be given and what to
// lower, rather than advising an amount check would refuse.
TEST(ScenarioWarningsFunds, NoAdviceToGiveMoreThanAnAmountCanBe) {
  const int64_t max = (int64_t{1} << 53) - 1;
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "w"},
                      {"job", {{"name", "synthetic"}, {"steps", 20}}},
                      {"protocol", {{"checkpoint_interval", 5}}},
                      {"economics",
                       {{"participant_funds", 1000},
                        {"verifier_stake", max / 2},
                        {"challenge_stake", 1}}},
                      {"participants",
                       {{{"name", "s"}, {"role", "solver"}}, {{"name", "v"}, {"role", "verifier"}}}}};
  auto sc = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  auto w = ScenarioWarnings(*sc);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("cannot lock a verifier's stake and a challenge stake"));
  EXPECT_THAT(w[0], Not(HasSubstr("Give participants at least")));
  EXPECT_THAT(w[0], HasSubstr("That is more than participant_funds can be (at most "
                              "4503599627365495, so that the genesis supply"));
  EXPECT_THAT(w[0], HasSubstr("lower verifier_stake or challenge_stake instead."));
  // An amount that fits is advised, and a scenario with it passes check.
  j["economics"]["verifier_stake"] = 100;
  j["economics"]["participant_funds"] = 50;
  sc = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  w = ScenarioWarnings(*sc);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("Give participants at least 101."));
}

// A solver that cannot lock its stake would run the task without one: a
// cheat that costs it nothing.
TEST(ScenarioWarningsFunds, ASolverThatCannotLockItsStakeIsWarnedAbout) {
  ExpectOneFundsWarning({{"participant_funds", 300},
                         {"solver_stake", 1000},
                         {"verifier_stake", 100},
                         {"challenge_stake", 100}},
                        1000, "/economics/participant_funds: 300 cannot lock the solver's stake (1000)");
}

// Faults that can eat half a party's game clock over a dispute's moves are
// warned about; the same faults with a long enough clock are not.
TEST(ScenarioWarningsNetwork, FaultsThatCanEatTheGameClockAreWarnedAbout) {
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "w"},
                      {"job", {{"name", "synthetic"}, {"steps", 40}}},
                      {"protocol", {{"checkpoint_interval", 20}, {"game", {{"clock_s", 5}}}}},
                      {"network", {{"faults", {{"drop", 0.2}, {"delay", 0.2}, {"max_delay_ms", 1000}}}}},
                      {"participants",
                       {{{"name", "s"}, {"role", "solver"}}, {{"name", "v"}, {"role", "verifier"}}}}};
  auto short_clock = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(short_clock.ok()) << short_clock.status().ToString();
  const auto w = ScenarioWarnings(*short_clock);
  ASSERT_EQ(w.size(), 1u);
  // 1 + ceil(log2 20) = 6 moves at least.
  EXPECT_THAT(w[0], HasSubstr("/protocol/game/clock_s: the network faults can add about"));
  EXPECT_THAT(w[0], HasSubstr("party's 6 moves"));
  EXPECT_THAT(w[0], HasSubstr("over half of its 5.0 s clock"));
  j["protocol"]["game"]["clock_s"] = 600;
  auto long_clock = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(long_clock.ok());
  EXPECT_TRUE(ScenarioWarnings(*long_clock).empty());
  j["protocol"]["game"]["clock_s"] = 5;
  j.erase("network");
  auto no_faults = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(no_faults.ok());
  EXPECT_TRUE(ScenarioWarnings(*no_faults).empty());
}

// The same reckoning against the training and verification deadlines: an
// honest party whose messages arrive late is slashed for silence.
TEST(ScenarioWarningsNetwork, FaultsThatCanEatADeadlineAreWarnedAbout) {
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "w"},
                      {"job", {{"name", "synthetic"}, {"steps", 40}}},
                      {"protocol", {{"checkpoint_interval", 20},
                                    {"game", {{"clock_s", 600}}},
                                    {"deadlines", {{"training_s", 10}, {"verification_s", 10}}}}},
                      {"network", {{"faults", {{"delay", 1.0}, {"max_delay_ms", 8000}}}}},
                      {"participants",
                       {{{"name", "s"}, {"role", "solver"}}, {{"name", "v"}, {"role", "verifier"}}}}};
  auto tight = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(tight.ok()) << tight.status().ToString();
  const auto w = ScenarioWarnings(*tight);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_THAT(w[0], HasSubstr("/protocol/deadlines/training_s: the network faults can add about "
                              "16.0 s to the solver's trace commitment, over half of the 10 s "
                              "deadline"));
  EXPECT_THAT(w[1], HasSubstr("/protocol/deadlines/verification_s: the network faults can add "
                              "about 32.0 s to a verifier's checkpoint fetch and verdict"));
  j["protocol"]["deadlines"] = {{"training_s", 100}, {"verification_s", 100}};
  auto roomy = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(roomy.ok());
  EXPECT_TRUE(ScenarioWarnings(*roomy).empty());
}

// A party that stops answering a game loses only when its clock runs out:
// games that can wait out timeout_s are warned about (the run would stop
// unfinished, with no summary); a clock that fits is not.
TEST(ScenarioWarningsStall, GamesThatCanWaitOutTheRunsTimeoutAreWarnedAbout) {
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "w"},
                      {"tasks", 4},
                      {"timeout_s", 200},
                      {"job", {{"name", "synthetic"}, {"steps", 40}}},
                      {"protocol", {{"checkpoint_interval", 20}, {"game", {{"clock_s", 60}}}}},
                      {"participants",
                       {{{"name", "s"}, {"role", "solver"}, {"behaviour", "stall"}},
                        {{"name", "v"}, {"role", "verifier"}}}}};
  auto stall = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(stall.ok()) << stall.status().ToString();
  auto w = ScenarioWarnings(*stall);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("/timeout_s: solver 's' stalls in disputes, so a game it plays "
                              "ends only when its clock, protocol.game.clock_s = 60 s, runs out "
                              "(one game a task, over the run's 4 tasks): 240 s in all, which "
                              "reaches timeout_s = 200 s"));
  j["timeout_s"] = 300;
  auto enough = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(enough.ok());
  EXPECT_TRUE(ScenarioWarnings(*enough).empty());
  // A verifier crashed for good in its game: one game.
  j["participants"][0]["behaviour"] = "honest";
  j["timeout_s"] = 50;
  j["crashes"] = {{{"participant", "v"}, {"at", "dispute"}, {"after", 1}}};
  auto crash = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(crash.ok()) << crash.status().ToString();
  w = ScenarioWarnings(*crash);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("verifier 'v' crashes in a dispute without restart, so a game it "
                              "plays ends only when its clock, protocol.game.clock_s = 60 s, "
                              "runs out: 60 s in all"));
  j["crashes"][0]["restart"] = true;
  auto restarted = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(restarted.ok());
  EXPECT_TRUE(ScenarioWarnings(*restarted).empty());

  // Its game fits, but gone for good it leaves each later task a
  // verification deadline to wait out: 60 + 3 × 30 s.
  j["crashes"][0]["restart"] = false;
  j["timeout_s"] = 100;
  j["protocol"]["deadlines"] = {{"verification_s", 30}};
  auto later = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  w = ScenarioWarnings(*later);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("/timeout_s: verifier 'v' crashes in a dispute without restart: "
                              "if that dispute comes in the first task, its game waits out "
                              "protocol.game.clock_s = 60 s and each of the 3 later tasks waits "
                              "out protocol.deadlines.verification_s = 30 s for it (it is drawn "
                              "for every task and posts no verdict), 150 s in all, which reaches "
                              "timeout_s = 100 s"));
  j["timeout_s"] = 151;
  auto fits = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(fits.ok());
  EXPECT_TRUE(ScenarioWarnings(*fits).empty());
  // One task: no later task to wait for.
  j["timeout_s"] = 100;
  j["tasks"] = 1;
  auto one = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(ScenarioWarnings(*one).empty());
}

// A replay of the task's own data seed is honest training: the scenario
// that means to measure the attack is told so; another seed, or none, is
// the attack and is not warned about.
TEST(ScenarioWarningsReplay, ReplayingTheTasksOwnDataSeedIsWarnedAbout) {
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "w"},
                      {"seed", 11},
                      {"tasks", 2},
                      {"job", {{"name", "synthetic"}, {"steps", 20}}},
                      {"protocol", {{"checkpoint_interval", 5}}},
                      {"economics", {{"submitter_funds", 100000}}},
                      {"participants",
                       {{{"name", "s"}, {"role", "solver"}, {"behaviour", "replay"}},
                        {{"name", "v"}, {"role", "verifier"}}}}};
  auto parse = [&j](const nlohmann::json& params) {
    nlohmann::json k = j;
    k["participants"][0]["params"] = params;
    auto sc = ParseScenario(k.dump(), "w.json");
    EXPECT_TRUE(sc.ok()) << sc.status().ToString();
    return sc.ok() ? *sc : Scenario{};
  };
  const Scenario base = parse(nlohmann::json::object());
  const uint64_t second_task_seed = TaskSpecForScenario(base, 1).job.at("data_seed");
  const auto w = ScenarioWarnings(parse({{"source_data_seed", second_task_seed}}));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("solver 's' replays source_data_seed " +
                              std::to_string(second_task_seed) + ", the data seed of task 1"));
  EXPECT_TRUE(ScenarioWarnings(parse({{"source_data_seed", second_task_seed + 1}})).empty());
  EXPECT_TRUE(ScenarioWarnings(base).empty());
}

// A corrupt solver that withholds its dispute data from a tolerance-mode
// challenger can win the game (a known gap): the run said nothing of it
// before the cheat was paid. Exact mode, or no withholding, is not warned
// about.
TEST(ScenarioWarningsWithholding, WithholdingDisputeDataInToleranceModeIsWarnedAbout) {
  auto scenario = [](const std::string& mode, const nlohmann::json& params) {
    Scenario sc = ProfilesScenario(mode, nlohmann::json::array({{{"threads", 1}}}));
    sc.participants[0].behaviour = "corrupt-node";
    sc.participants[0].params = params;
    return sc;
  };
  const nlohmann::json withhold = {{"dispute_data", "withhold"}};
  const auto w = ScenarioWarnings(scenario("tolerance", withhold));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("/participants: solver 's' withholds its states and node outputs "
                              "from a tolerance-mode challenger"));
  EXPECT_THAT(w[0], HasSubstr("a known gap of the protocol"));
  EXPECT_TRUE(ScenarioWarnings(scenario("exact", withhold)).empty());
  EXPECT_TRUE(ScenarioWarnings(scenario("tolerance", nlohmann::json::object())).empty());
}

// A reward taxed whole pays an honest solver nothing: warned about; any
// smaller share is not.
TEST(ScenarioWarningsFunds, ARewardTaxedWholeIsWarnedAbout) {
  Scenario sc = ProfilesScenario("exact", nlohmann::json::array({{{"threads", 1}}}));
  sc.economics.task.jackpot_tax_bps = 10000;
  const auto w = ScenarioWarnings(sc);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("/economics/jackpot_tax_bps: 10000 sends every reward whole to the "
                              "jackpot: an honest solver earns nothing"));
  sc.economics.task.jackpot_tax_bps = 9999;
  EXPECT_TRUE(ScenarioWarnings(sc).empty());
}

// A jackpot that cannot pay one forced error's whistleblower rewards and
// real-trace fees (each selected verifier may be owed both) is warned
// about; one that can, or no forced errors, is not.
TEST(ScenarioWarningsFunds, AJackpotShortOfOneForcedErrorIsWarnedAbout) {
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "w"},
                      {"job", {{"name", "synthetic"}, {"steps", 20}}},
                      {"protocol", {{"checkpoint_interval", 5}}},
                      {"economics",
                       {{"jackpot_initial", 200},
                        {"verifier_fee", 40},
                        {"whistleblower_reward", 100},
                        {"forced_error_rate", 0.25},
                        {"verifiers_per_task", 2}}},
                      {"participants",
                       {{{"name", "s"}, {"role", "solver"}},
                        {{"name", "v1"}, {"role", "verifier"}},
                        {{"name", "v2"}, {"role", "verifier"}},
                        {{"name", "v3"}, {"role", "verifier"}}}}};
  auto short_of = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(short_of.ok()) << short_of.status().ToString();
  const auto w = ScenarioWarnings(*short_of);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(
      w[0],
      HasSubstr(
          "/economics/jackpot_initial: 200 cannot pay for one forced error "
          "(forced_error_rate 0.25): each of its 2 selected verifier(s)"));
  EXPECT_THAT(w[0], HasSubstr("the whistleblower_reward (100) for catching it and the "
                              "verifier_fee (40) for verifying the real trace"));
  EXPECT_THAT(w[0], HasSubstr("280 in all"));
  EXPECT_THAT(w[0], HasSubstr("fees_unpaid"));
  j["economics"]["jackpot_initial"] = 280;
  auto enough = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(enough.ok());
  EXPECT_TRUE(ScenarioWarnings(*enough).empty());
  j["economics"]["jackpot_initial"] = 0;
  j["economics"]["forced_error_rate"] = 0;
  auto none = ParseScenario(j.dump(), "w.json");
  ASSERT_TRUE(none.ok());
  // No forced errors: nothing for the jackpot to pay, and the reward for
  // catching one is never paid (said as such).
  const auto without = ScenarioWarnings(*none);
  ASSERT_EQ(without.size(), 1u);
  EXPECT_THAT(without[0], HasSubstr("/economics/whistleblower_reward: 100 is paid only"));
}

// A sweep's points get the warnings the file as written does not: exact
// mode with the verifier swept to another thread count.
// No heartbeats: an honest participant computing past silence_ms was
// listed among the silent with nothing said before the run.
TEST(ScenarioWarningsNetwork, NoHeartbeatsAreWarnedAbout) {
  auto warnings_with = [](int heartbeat_ms) {
    nlohmann::json j = nlohmann::json::parse(R"({
      "format": "veritrain-scenario/1", "name": "hb",
      "job": {"name": "synthetic", "steps": 20},
      "protocol": {"checkpoint_interval": 5},
      "participants": [{"name": "s", "role": "solver"}, {"name": "v", "role": "verifier"}]})");
    j["network"] = {{"retry", {{"heartbeat_ms", heartbeat_ms}, {"silence_ms", 1000}}}};
    auto sc = ParseScenario(j.dump(), "hb.json");
    EXPECT_TRUE(sc.ok()) << sc.status().ToString();
    std::string found;
    for (const auto& w : ScenarioWarnings(sc.ok() ? *sc : Scenario{})) {
      if (w.rfind("/network/retry/heartbeat_ms", 0) == 0) found = w;
    }
    return found;
  };
  EXPECT_THAT(warnings_with(0), HasSubstr("0 sends no heartbeats, so every participant that "
                                          "computes for longer than silence_ms (1000 ms)"));
  EXPECT_EQ(warnings_with(200), "");
}

// Key files named while CURVE is off: the run would go unencrypted with
// the user believing otherwise. "generate" (the default) and CURVE on are
// not warned about.
TEST(ScenarioWarningsNetwork, CurveKeysWithCurveOffAreWarnedAbout) {
  auto warnings_with = [](const nlohmann::json& curve) {
    nlohmann::json j = nlohmann::json::parse(R"({
      "format": "veritrain-scenario/1", "name": "curve",
      "job": {"name": "synthetic", "steps": 20},
      "protocol": {"checkpoint_interval": 5},
      "participants": [{"name": "s", "role": "solver"}, {"name": "v", "role": "verifier"}]})");
    j["network"] = {{"curve", curve}};
    auto sc = ParseScenario(j.dump(), "curve.json");
    EXPECT_TRUE(sc.ok()) << sc.status().ToString();
    std::string found;
    for (const auto& w : ScenarioWarnings(sc.ok() ? *sc : Scenario{})) {
      if (w.rfind("/network/curve", 0) == 0) found += w;
    }
    return found;
  };
  EXPECT_THAT(warnings_with({{"keys", "keys/"}}),
              HasSubstr("\"keys/\" is given but CURVE is off (network.curve.enabled is false)"));
  EXPECT_THAT(warnings_with({{"enabled", false}, {"keys", "k"}}), HasSubstr("CURVE is off"));
  EXPECT_EQ(warnings_with({{"enabled", true}, {"keys", "keys/"}}), "");
  EXPECT_EQ(warnings_with({{"enabled", false}}), "");
  EXPECT_EQ(warnings_with({{"keys", "generate"}}), "");
}

// δ calibrated across profiles that compute to other bits from a handful
// of first intervals: an honest first interval beyond all of them is a
// false challenge that costs an honest verifier its stake.
TEST(ScenarioWarningsCalibration, TooFewFirstIntervalsAcrossProfilesAreWarnedAbout) {
  auto scenario = [](const nlohmann::json& profiles, int64_t first_interval_seeds) {
    nlohmann::json j = nlohmann::json::parse(R"({
      "format": "veritrain-scenario/1", "name": "cal",
      "job": {"name": "synthetic", "steps": 20},
      "protocol": {"checkpoint_interval": 5, "mode": "tolerance"},
      "participants": [{"name": "s", "role": "solver"},
                       {"name": "v", "role": "verifier", "profile": {"dtype": "float64"}}]})");
    j["protocol"]["calibration"] = {{"profiles", profiles},
                                    {"seeds", {1, 2, 3}},
                                    {"first_interval_seeds", first_interval_seeds}};
    auto sc = ParseScenario(j.dump(), "cal.json");
    EXPECT_TRUE(sc.ok()) << sc.status().ToString();
    return sc.ok() ? *sc : Scenario{};
  };
  const nlohmann::json both = {nlohmann::json::object(), {{"dtype", "float64"}}};
  auto warnings = ScenarioWarnings(scenario(both, 8));
  std::string found;
  for (const auto& w : warnings) {
    if (w.rfind("/protocol/calibration/first_interval_seeds", 0) == 0) found = w;
  }
  EXPECT_THAT(found, HasSubstr("(dtype float64 against float32 (solver 's')) from 11 honest "
                               "first intervals per profile"));
  EXPECT_THAT(found, HasSubstr("with probability 1/12 (8%)"));
  EXPECT_THAT(found, HasSubstr("Give first_interval_seeds at least 46"));
  // Enough first intervals, or only the solver's own profile: no warning.
  for (const auto& [profiles, seeds] :
       {std::make_pair(both, int64_t{46}),
        std::make_pair(nlohmann::json::array({nlohmann::json::object()}), int64_t{0})}) {
    for (const auto& w : ScenarioWarnings(scenario(profiles, seeds))) {
      EXPECT_THAT(w, Not(HasSubstr("first_interval_seeds"))) << profiles.dump() << " " << seeds;
    }
  }
}

TEST(SweepWarningsTest, APointThatWarrantsAWarningIsWarnedAboutByName) {
  Scenario base = ProfilesScenario("exact", {{{"threads", 1}}});
  nlohmann::json doc = base.resolved;
  doc["sweep"] = {{"parameters",
                   {{{"path", "/participants/1/profile/threads"}, {"values", {1, 2}}}}},
                  {"repetitions", 4}};
  auto sc = ParseScenario(doc.dump(), "w.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_TRUE(ScenarioWarnings(*sc).empty());
  const auto warnings = SweepWarnings(*sc);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("/sweep: point 1 (/participants/1/profile/threads=2): "
                                     "/protocol/mode: exact mode"));
  std::ostringstream out;
  PrintSweepWarnings(*sc, "w.json", out);
  EXPECT_THAT(out.str(), HasSubstr("w.json: warning: /sweep: point 1"));
  // Without a sweep block there is nothing more to say.
  EXPECT_TRUE(SweepWarnings(base).empty());
}

// A warning about the file as written that every point of its sweep
// overrides is not about any run of the sweep, and says so; one a point
// repeats is said as it is.
TEST(SweepWarningsTest, AFileWarningNoPointGetsIsMarkedAsTheFileAlone) {
  Scenario base = ProfilesScenario("exact", {{{"threads", 1}}});
  nlohmann::json doc = base.resolved;
  doc["participants"][1]["profile"]["threads"] = 2;  // the file: across profiles
  auto file_warnings = ScenarioWarnings(*ParseScenario(doc.dump(), "w.json"));
  ASSERT_FALSE(file_warnings.empty());
  for (const auto& [values, marked] :
       {std::make_pair(nlohmann::json::array({1}), true),
        std::make_pair(nlohmann::json::array({1, 2}), false)}) {
    doc["sweep"] = {{"parameters",
                     {{{"path", "/participants/1/profile/threads"}, {"values", values}}}}};
    auto sc = ParseScenario(doc.dump(), "w.json");
    ASSERT_TRUE(sc.ok()) << sc.status().ToString();
    const auto said = SweepFileWarnings(*sc);
    ASSERT_GE(said.size(), 1u) << values.dump();
    EXPECT_THAT(said[0], HasSubstr(file_warnings[0])) << values.dump();
    EXPECT_EQ(said[0].find("no run of the sweep gets this warning") != std::string::npos, marked)
        << values.dump() << ": " << said[0];
    std::ostringstream out;
    PrintSweepFileWarnings(*sc, "w.json", out);
    EXPECT_THAT(out.str(), HasSubstr("w.json: warning: " + said[0]));
  }
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

// Values that are valid but do nothing in the scenario are named, with
// what would make them count; at their defaults, nothing is said.
TEST(ScenarioWarningsNoEffect, ParametersThatCannotActAreNamed) {
  const nlohmann::json base = {
      {"format", "veritrain-scenario/1"},
      {"name", "w"},
      {"job", {{"name", "synthetic"}, {"steps", 20}}},
      {"protocol", {{"checkpoint_interval", 5}}},
      {"participants", {{{"name", "s"}, {"role", "solver"}}, {{"name", "v"}, {"role", "verifier"}}}}};
  const auto warnings = [](const nlohmann::json& j) {
    auto sc = ParseScenario(j.dump(), "w.json");
    EXPECT_TRUE(sc.ok()) << sc.status().ToString();
    return sc.ok() ? ScenarioWarnings(*sc) : std::vector<std::string>{};
  };
  EXPECT_TRUE(warnings(base).empty());
  struct Case {
    nlohmann::json patch;
    std::string said;
  };
  for (const Case& c : std::vector<Case>{
           {{{"economics", {{"whistleblower_reward", 50}}}},
            "/economics/whistleblower_reward: 50 is paid only for catching a forced error, and "
            "forced_error_rate is 0"},
           {{{"network", {{"host", "10.0.0.1"}}}},
            "/network/host: \"10.0.0.1\" names where tcp endpoints bind, and the transport is "
            "ipc"},
           {{{"network", {{"faults", {{"max_delay_ms", 900}}}}}},
            "/network/faults/max_delay_ms: delays only delayed messages"},
           {{{"network", {{"faults", {{"reorder_hold_ms", 9}}}}}},
            "/network/faults/reorder_hold_ms: holds only reordered messages"},
           {{{"participants",
              {{{"name", "s"}, {"role", "solver"}, {"behaviour", "lazy"},
                {"params", {{"fraction", 0.01}}}},
               {{"name", "v"}, {"role", "verifier"}}}}},
            "/participants/0/params/fraction: skips each of the 20 steps with that probability, "
            "0.2 steps expected: most runs skip none"}}) {
    nlohmann::json j = base;
    j.merge_patch(c.patch);
    const auto w = warnings(j);
    ASSERT_EQ(w.size(), 1u) << c.patch.dump();
    EXPECT_THAT(w[0], HasSubstr(c.said));
  }
  // A sweep that gives the field other values: said at its points, not of
  // the file as written.
  nlohmann::json swept = base;
  swept.merge_patch({{"economics", {{"whistleblower_reward", 50}}},
                     {"network", {{"faults", {{"max_delay_ms", 900}}}}},
                     {"sweep",
                      {{"parameters",
                        {{{"path", "economics.forced_error_rate"}, {"values", {0, 0.2}}},
                         {{"path", "network.faults"}, {"values", {nlohmann::json::object()}}}}}}}});
  for (const std::string& w : warnings(swept)) {
    EXPECT_THAT(w, Not(HasSubstr("whistleblower_reward: 50 is paid only")));
    EXPECT_THAT(w, Not(HasSubstr("max_delay_ms: delays only")));
  }
  // With what makes them act: nothing to say.
  nlohmann::json acting = base;
  acting.merge_patch({{"economics", {{"whistleblower_reward", 50}, {"forced_error_rate", 0.5}}},
                      {"network", {{"faults", {{"max_delay_ms", 900}, {"delay", 0.1}}}}}});
  for (const std::string& w : warnings(acting)) {
    EXPECT_THAT(w, Not(HasSubstr("whistleblower_reward: 50 is paid only")));
    EXPECT_THAT(w, Not(HasSubstr("max_delay_ms")));
  }
  // A lazy fraction of at least 1/steps, or the tail pattern (which skips
  // at least one step): nothing to say.
  for (const nlohmann::json& params :
       {nlohmann::json{{"fraction", 0.05}}, {{"fraction", 0.01}, {"pattern", "tail"}}}) {
    nlohmann::json lazy = base;
    lazy["participants"][0]["behaviour"] = "lazy";
    lazy["participants"][0]["params"] = params;
    for (const std::string& w : warnings(lazy)) {
      EXPECT_THAT(w, Not(HasSubstr("params/fraction"))) << params.dump();
    }
  }
}

}  // namespace
}  // namespace veritrain
