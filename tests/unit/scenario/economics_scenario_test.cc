// Tests of the scenario's economics block and task count: defaults, the
// values reaching the task's economics, and bad input rejected at load with
// the field named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scenarios/scenario.h"
#include "tests/unit/scenario/scenario_test_util.h"

namespace veritrain {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing_util::ErrorOf;

json Base() {
  return json::parse(R"json({
    "format": "veritrain-scenario/1",
    "name": "econ",
    "job": {"name": "synthetic", "steps": 100},
    "participants": [
      {"name": "s", "role": "solver"},
      {"name": "v1", "role": "verifier"},
      {"name": "v2", "role": "verifier", "behaviour": "lazy-approve"},
      {"name": "v3", "role": "verifier", "behaviour": "colluding", "params": {"solver": "s"}}
    ]
  })json");
}

TEST(EconomicsScenario, DefaultsSettleByTheRewardAlone) {
  auto sc = ParseScenario(Base().dump(), "t.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_EQ(sc->tasks, 1);
  EXPECT_EQ(sc->economics.participant_funds, 0);
  EXPECT_EQ(sc->economics.task.ToJson(), TaskEconomics().ToJson());
  EXPECT_TRUE(sc->economics.task.Validate().ok());
}

TEST(EconomicsScenario, ValuesReachTheTaskEconomics) {
  json j = Base();
  j["tasks"] = 4;
  j["economics"] = {
      {"participant_funds", 900},
      {"jackpot_initial", 50},
      {"verifier_fee", 10},
      {"solver_stake", 100},
      {"verifier_stake", 20},
      {"challenge_stake", 30},
      {"slash_split",
       {{"winner_bps", 5000}, {"jackpot_bps", 2500}, {"burn_bps", 2500}}},
      {"jackpot_tax_bps", 700},
      {"forced_error_rate", 0.2},
      {"whistleblower_reward", 40},
      {"slash_lazy", true},
      {"verifiers_per_task", 2},
      {"compute_cost_per_step", 3}};
  auto sc = ParseScenario(j.dump(), "t.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_EQ(sc->tasks, 4);
  EXPECT_EQ(sc->economics.participant_funds, 900);
  EXPECT_EQ(sc->economics.jackpot_initial, 50);
  const TaskEconomics& t = sc->economics.task;
  EXPECT_EQ(t.solver_stake, 100);
  EXPECT_EQ(t.slash_jackpot_bps, 2500);
  EXPECT_EQ(t.jackpot_tax_bps, 700);
  EXPECT_DOUBLE_EQ(t.forced_error_rate, 0.2);
  EXPECT_TRUE(t.slash_lazy);
  EXPECT_EQ(t.verifiers_per_task, 2);
  EXPECT_EQ(t.compute_cost_per_step, 3);
  EXPECT_TRUE(t.Validate().ok());
}

TEST(EconomicsScenario, BadInputIsRejectedNamingTheField) {
  json j = Base();
  j["economics"] = {{"solver_stake", -5}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/solver_stake"));
  j["economics"] = {{"challenge_stake", 9007199254740992}};  // 2^53
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/challenge_stake"));
  j["economics"] = {{"forced_error_rate", 1.01}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/forced_error_rate"));
  j["economics"] = {{"forced_error_rate", -0.5}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/forced_error_rate"));
  j["economics"] = {
      {"slash_split",
       {{"winner_bps", 5000}, {"jackpot_bps", 3000}, {"burn_bps", 1000}}}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/slash_split: winner_bps + "
                                    "jackpot_bps + burn_bps = 9000"));
  j["economics"] = {
      {"slash_split", {{"winner_bps", 10000}}}};  // all three are required
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/slash_split"));
  j["economics"] = {{"jackpot_tax_bps", 10001}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/jackpot_tax_bps"));
  j["economics"] = {{"verifiers_per_task", 4}};  // three verifiers
  EXPECT_THAT(ErrorOf(j),
              HasSubstr("/economics/verifiers_per_task: 4 exceeds"));
  j = Base();
  j["tasks"] = 0;
  EXPECT_THAT(ErrorOf(j), HasSubstr("/tasks"));
}

}  // namespace
}  // namespace veritrain
