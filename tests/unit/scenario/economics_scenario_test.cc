// Tests of the scenario's economics block and task count: defaults, the
// values reaching the task's economics, and bad input rejected at load with
// the field named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scenarios/spec/scenario.h"
#include "tests/unit/scenario/scenario_test_util.h"

namespace veritrain {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
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

// A compute cost per step whose run total is no token amount would be
// clamped in the profit figures, and one that brings a profit (a ledger
// flow, at most the supply, less a cost) past 2^53 - 1 would not be exact
// in jq or JavaScript: refused, with the product written out.
TEST(EconomicsScenario, ComputeCostsAndProfitsMustStayTokenAmounts) {
  json j = Base();  // 100 steps, 1 task, participant_funds 0
  j["economics"] = {{"submitter_funds", 1000000}};  // the supply
  j["economics"]["compute_cost_per_step"] = 90071992537409;  // × 100 + 1000000 = 2^53 - 92
  EXPECT_EQ(ErrorOf(j), "");
  j["economics"]["compute_cost_per_step"] = 90071992537410;
  EXPECT_THAT(ErrorOf(j),
              HasSubstr("/economics/compute_cost_per_step: 90071992537410 × 100 steps × 1 "
                        "task(s) = 9007199253741000: the compute a party can be charged over "
                        "the run, added to the genesis supply (1000000"));
  // A forced error's verifiers re-execute both traces.
  j["economics"]["compute_cost_per_step"] = 90071992537409;
  j["economics"]["forced_error_rate"] = 0.5;
  EXPECT_THAT(ErrorOf(j), HasSubstr("90071992537409 × 100 steps × 2 traces (forced errors are "
                                    "on) × 1 task(s) = 18014398507481800"));
  j["economics"]["forced_error_rate"] = 0;
  j["tasks"] = 2;
  EXPECT_THAT(ErrorOf(j), HasSubstr("× 2 task(s) = 18014398507481800"));
  // A solver started again after its crash can redo the task's steps.
  j["tasks"] = 1;
  EXPECT_EQ(ErrorOf(j), "");
  j["crashes"] = {{{"participant", "s"}, {"at", "training"}, {"restart", true}}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("90071992537409 × 100 steps × (1 task(s) + 1 restarted "
                                    "crash(es), each redoing a task) = 18014398507481800"));
  j["crashes"][0]["restart"] = false;  // it stays down: nothing redone
  EXPECT_EQ(ErrorOf(j), "");
  j.erase("crashes");
  j["tasks"] = 2;
  // A product beyond int64 is refused, not wrapped.
  j["economics"]["compute_cost_per_step"] = 9007199254740991;
  j["job"]["steps"] = 100000000;
  j["protocol"] = {{"checkpoint_interval", 100}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("× 2 task(s) is past the int64 range"));
}

// A market is bounded by its longest job variant, not by job.steps.
TEST(EconomicsScenario, AMarketsComputeCostsAreBoundedByItsLongestJob) {
  json j = Base();  // job.steps 100
  j.erase("participants");
  j["tasks"] = 2;
  j["protocol"] = {{"checkpoint_interval", 20}, {"top_q", 1}, {"random_samples", 1}};
  j["economics"] = {{"submitter_funds", 20000}, {"participant_funds", 1000},
                    {"verifiers_per_task", 3}};
  j["market"] = {{"solvers", {{{"name", "solver"}, {"count", 2}}}},
                 {"verifiers", {{{"name", "verifier"}, {"count", 6}}}},
                 {"jobs", {{{"steps", 200}, {"weight", 1}}}}};
  // 2^53 / 200 steps / 2 tasks / 3 verifiers a task: within the bound for
  // 100 steps, past it for 200.
  j["economics"]["compute_cost_per_step"] = 7505999378950;
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/compute_cost_per_step: 7505999378950 × 200 "
                                    "steps × 2 task(s) × 3 verifiers a task"));
  j["market"]["jobs"][0]["steps"] = 100;
  EXPECT_EQ(ErrorOf(j), "");
  // The market's security cost sums the compute of every task's verifiers:
  // a cost within the bound for one party (2^52 / 100 steps / 2 tasks) put
  // its total past 2^53 - 1, inexact in summary.json.
  j["economics"]["compute_cost_per_step"] = 22517998136852;
  EXPECT_THAT(ErrorOf(j), HasSubstr("22517998136852 × 100 steps × 2 task(s) × 3 verifiers a "
                                    "task (the market's security cost sums their compute)"));
}

// Economics that cannot fund the tasks are refused before anything runs
// (before, the arbiter refused the post and the runner waited out
// timeout_s).
TEST(EconomicsScenario, SubmitterFundsMustCoverTheTasks) {
  json j = Base();
  j["economics"] = {{"submitter_funds", 100}};  // reward 1000 by default
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/submitter_funds: 100 cannot fund one task: it "
                                    "escrows reward 1000 + verifier_fee 0 × 3 selected "
                                    "verifiers = 1000"));
  j["economics"] = {{"submitter_funds", 999}, {"reward", 900}, {"verifier_fee", 50},
                    {"verifiers_per_task", 2}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("999 cannot fund one task: it escrows reward 900 + "
                                    "verifier_fee 50 × 2 selected verifiers = 1000"));
  j["economics"]["submitter_funds"] = 1000;  // exactly enough
  EXPECT_EQ(ErrorOf(j), "");
  // 50 tasks with funds for 4: an honest solver is paid every reward.
  j = Base();
  j["tasks"] = 50;
  j["economics"] = {{"submitter_funds", 4000}, {"reward", 1000}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/submitter_funds: 4000 cannot fund 50 tasks"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("50000 needed"));
  j["economics"]["submitter_funds"] = 50000;
  EXPECT_EQ(ErrorOf(j), "");
  // Every earlier task also pays its verifiers' fees: 3 tasks of reward
  // 100 and 2 × fee 50 need 600, not 2 × 100 + 200 = 400.
  j = Base();
  j["tasks"] = 3;
  j["economics"] = {{"submitter_funds", 450}, {"reward", 100}, {"verifier_fee", 50},
                    {"verifiers_per_task", 2}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics/submitter_funds: 450 cannot fund 3 tasks"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("600 needed"));
  j["economics"]["submitter_funds"] = 600;
  EXPECT_EQ(ErrorOf(j), "");
  j["tasks"] = 50;
  j["economics"] = {{"submitter_funds", 4000}, {"reward", 1000}};
  // Unless the rewards may come back (a cheating solver's are returned):
  // then the run decides, and the runner reports a refused post at once.
  j["economics"]["submitter_funds"] = 4000;
  j["participants"][0]["behaviour"] = "lazy";
  j["participants"][0]["params"] = {{"fraction", 0.5}};
  EXPECT_THAT(ErrorOf(j), Not(HasSubstr("cannot fund")));
}

// Every balance is at most the supply minted at genesis: refused past the
// largest token amount (2^53 - 1), where JSON readers that hold numbers as
// doubles (jq, JavaScript) would round a balance. Even the largest funds
// of the most participants a scenario lists (1000) fit int64, so the
// figure is named.
TEST(EconomicsScenario, TotalSupplyMustBeAnExactTokenAmount) {
  json j = Base();  // 4 participants
  const int64_t max = 9007199254740991;  // 2^53 - 1, the largest amount
  j["economics"] = {{"submitter_funds", max - 4 * 1000 - 7},
                    {"participant_funds", 1000},
                    {"jackpot_initial", 7}};
  EXPECT_EQ(ErrorOf(j), "");
  j["economics"]["jackpot_initial"] = 8;
  EXPECT_THAT(ErrorOf(j), HasSubstr("/economics: submitter_funds + 4 participants × "
                                    "participant_funds + jackpot_initial is 9007199254740992, "
                                    "more than the largest token amount (2^53 - 1)"));
  for (int i = 0; i < 996; ++i) {
    j["participants"].push_back({{"name", "extra" + std::to_string(i)}, {"role", "verifier"}});
  }
  j["economics"] = {{"submitter_funds", max}, {"participant_funds", max}, {"jackpot_initial", max}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("participant_funds + jackpot_initial is "
                                    "9025213653250472982, more than the largest token amount"));
  j["participants"].push_back({{"name", "extra-last"}, {"role", "verifier"}});
  EXPECT_THAT(ErrorOf(j), HasSubstr("/participants: Array should contain no more than 1000"));
}

}  // namespace
}  // namespace veritrain
