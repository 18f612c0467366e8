// Tests for the economics of a task: validation names the field, the JSON
// form round-trips, and a task without economics gets the defaults.
#include "core/wire/messages/task_economics.h"

#include <gtest/gtest.h>

#include "core/wire/messages/task_spec.h"

namespace veritrain {
namespace {

TaskEconomics Sample() {
  TaskEconomics e;
  e.verifier_fee = 40;
  e.solver_stake = 1000;
  e.verifier_stake = 300;
  e.challenge_stake = 200;
  e.slash_winner_bps = 6000;
  e.slash_jackpot_bps = 3000;
  e.slash_burn_bps = 1000;
  e.jackpot_tax_bps = 500;
  e.forced_error_rate = 0.25;
  e.whistleblower_reward = 150;
  e.slash_lazy = true;
  e.verifiers_per_task = 2;
  e.compute_cost_per_step = 3;
  return e;
}

TEST(TaskEconomics, RoundTripsThroughJson) {
  const TaskEconomics e = Sample();
  auto back = TaskEconomics::FromJson(e.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), e.ToJson());
}

TEST(TaskEconomics, MissingFieldsTakeDefaults) {
  auto e = TaskEconomics::FromJson(nlohmann::json::object());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->slash_winner_bps, TaskEconomics::kWholeBps);
  EXPECT_EQ(e->solver_stake, 0);
  EXPECT_FALSE(e->slash_lazy);
}

void ExpectRejected(nlohmann::json j, const std::string& field) {
  auto e = TaskEconomics::FromJson(j);
  ASSERT_FALSE(e.ok()) << j.dump();
  EXPECT_NE(e.status().message().find(field), std::string::npos)
      << e.status().message();
}

TEST(TaskEconomics, RejectsBadValuesNamingTheField) {
  nlohmann::json j = Sample().ToJson();
  j["solver_stake"] = -1;
  ExpectRejected(j, "solver_stake");
  j = Sample().ToJson();
  j["challenge_stake"] = uint64_t{1} << 62;
  ExpectRejected(j, "challenge_stake");
  j = Sample().ToJson();
  j["slash_burn_bps"] = 2000;  // 6000 + 3000 + 2000
  ExpectRejected(j, "slash_burn_bps");
  j = Sample().ToJson();
  j["forced_error_rate"] = 1.5;
  ExpectRejected(j, "forced_error_rate");
  j["forced_error_rate"] = -0.1;
  ExpectRejected(j, "forced_error_rate");
  j = Sample().ToJson();
  j["verifier_fee"] = 1.5;
  ExpectRejected(j, "verifier_fee");
}

TEST(TaskEconomics, TravelsWithTheTaskSpec) {
  TaskSpec s;
  s.job = {{"name", "synthetic"}};
  s.steps = 4;
  s.checkpoint_interval = 2;
  s.solver = "solver-1";
  s.verifiers = {"v1", "v2"};
  s.economics = Sample();
  auto back = TaskSpec::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->economics.ToJson(), s.economics.ToJson());
  nlohmann::json old = s.ToJson();
  old.erase("economics");
  auto legacy = TaskSpec::FromJson(old);
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->economics.ToJson(), TaskEconomics().ToJson());
  s.economics.verifiers_per_task = 3;  // only two verifiers
  EXPECT_FALSE(TaskSpec::FromJson(s.ToJson()).ok());
}

}  // namespace
}  // namespace veritrain
