// Tests for the verification policy of a task and its place in TaskSpec.
#include "core/wire/messages/verification_policy.h"

#include <gtest/gtest.h>

#include "core/wire/messages/task_spec.h"

namespace veritrain {
namespace {

using nlohmann::json;

std::string ErrorOf(const json& j) {
  auto p = VerificationPolicy::FromJson(j);
  return p.ok() ? "" : p.status().message();
}

TEST(VerificationPolicyTest, DefaultsAndRoundTrip) {
  auto empty = VerificationPolicy::FromJson(json::object());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->metrics, std::vector<std::string>{"l2"});
  EXPECT_TRUE(empty->delta.empty());
  EXPECT_EQ(empty->hyperparameters, "task");

  VerificationPolicy p;
  p.metrics = {"l2", "cosine"};
  p.delta = {{"l2", 1e-4}, {"cosine", 1e-9}};
  p.reference = {{"l2", 2.5}};
  p.hyperparameters = "prover";
  p.calibration = {{"quantile", 0.99}};
  auto back = VerificationPolicy::FromJson(p.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), p.ToJson());
  EXPECT_TRUE(back->CheckTolerance().ok());
}

TEST(VerificationPolicyTest, BadFieldsAreNamed) {
  EXPECT_NE(ErrorOf({{"metrics", {"l3"}}})
                .find("verification.metrics: unknown metric 'l3'"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"metrics", {"l2", "l2"}}}).find("repeated"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"delta", {{"l2", 0}}}}).find("verification.delta.l2"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"delta", {{"l2", -1}}}}).find("> 0"), std::string::npos);
  EXPECT_NE(ErrorOf({{"delta", {{"hamming", 1}}}})
                .find("verification.delta.hamming: unknown metric"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf({{"reference", {{"l1", "x"}}}}).find("verification.reference.l1"),
      std::string::npos);
  EXPECT_NE(ErrorOf({{"hyperparameters", "checkpoint"}})
                .find("verification.hyperparameters"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"calibration", 3}}).find("verification.calibration"),
            std::string::npos);
  EXPECT_NE(ErrorOf(json::array()).find("verification"), std::string::npos);
}

TEST(VerificationPolicyTest, ToleranceNeedsADeltaPerMetric) {
  VerificationPolicy p;
  p.metrics = {"l2", "linf"};
  p.delta = {{"l2", 1e-3}};
  Status s = p.CheckTolerance();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'linf'"), std::string::npos);
  p.metrics.clear();
  EXPECT_FALSE(p.CheckTolerance().ok());
}

TEST(VerificationPolicyTest, NormaliseDividesByTheReference) {
  VerificationPolicy p;
  p.reference = {{"l2", 4.0}};
  EXPECT_DOUBLE_EQ(p.Normalise("l2", 2.0), 0.5);
  EXPECT_DOUBLE_EQ(p.Normalise("l1", 2.0), 2.0);
}

TEST(VerificationPolicyTest, ThresholdsByLengthAndNodeRoundTrip) {
  VerificationPolicy p;
  p.metrics = {"l2", "linf"};
  p.delta = {{"l2", 5e-7}, {"linf", 1e-7}};
  p.delta_by_steps = {{1, {{"l2", 2e-8}, {"linf", 1e-8}}},
                      {4, {{"l2", 1e-7}}},
                      {5, {{"l2", 5e-7}, {"linf", 1e-7}}}};
  p.node_tolerances = {{"conv1.backward", 1.5e-6}, {"adam.fc1.weight", 0}};
  auto back = VerificationPolicy::FromJson(p.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), p.ToJson());
  EXPECT_EQ(back->delta_by_steps, p.delta_by_steps);
  EXPECT_EQ(back->node_tolerances, p.node_tolerances);
}

TEST(VerificationPolicyTest, DeltaForTakesTheSmallestCalibratedLengthAtLeastAsLong) {
  VerificationPolicy p;
  p.metrics = {"l2", "linf"};
  p.delta = {{"l2", 9.0}, {"linf", 9.0}};
  p.delta_by_steps = {{1, {{"l2", 1.0}, {"linf", 0.1}}},
                      {4, {{"l2", 4.0}}},
                      {16, {{"l2", 16.0}, {"linf", 1.6}}}};
  EXPECT_DOUBLE_EQ(p.DeltaFor("l2", 1), 1.0);
  EXPECT_DOUBLE_EQ(p.DeltaFor("l2", 2), 4.0);
  EXPECT_DOUBLE_EQ(p.DeltaFor("l2", 4), 4.0);
  EXPECT_DOUBLE_EQ(p.DeltaFor("l2", 5), 16.0);
  // Longer than every calibrated length: the longest.
  EXPECT_DOUBLE_EQ(p.DeltaFor("l2", 40), 16.0);
  // A length without the metric is skipped.
  EXPECT_DOUBLE_EQ(p.DeltaFor("linf", 3), 1.6);
  // No table: delta at every length.
  p.delta_by_steps.clear();
  EXPECT_DOUBLE_EQ(p.DeltaFor("l2", 1), 9.0);
  EXPECT_DOUBLE_EQ(p.DeltaFor("linf", 100), 9.0);
}

TEST(VerificationPolicyTest, NodeToleranceFallsBackToTheTasks) {
  VerificationPolicy p;
  p.node_tolerances = {{"fc1.forward", 0}};
  EXPECT_DOUBLE_EQ(p.NodeTolerance("fc1.forward", 1e-4), 0);
  EXPECT_DOUBLE_EQ(p.NodeTolerance("fc2.forward", 1e-4), 1e-4);
}

TEST(VerificationPolicyTest, BadThresholdTablesAreNamed) {
  EXPECT_NE(ErrorOf({{"delta_by_steps", {{"0", {{"l2", 1}}}}}})
                .find("verification.delta_by_steps.0: the key must be a step count >= 1"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"delta_by_steps", {{" 5", {{"l2", 1}}}}}}).find("step count"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"delta_by_steps", {{"five", {{"l2", 1}}}}}}).find("step count"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"delta_by_steps", {{"5", {{"l2", -1}}}}}})
                .find("verification.delta_by_steps.5.l2: must be a finite number > 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"delta_by_steps", {{"5", 3}}}}).find("delta_by_steps.5"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"delta_by_steps", 3}}).find("delta_by_steps"), std::string::npos);
  EXPECT_NE(ErrorOf({{"node_tolerances", {{"fc1.forward", -1e-6}}}})
                .find("verification.node_tolerances.fc1.forward: must be a finite number >= 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"node_tolerances", {{"fc1.forward", "x"}}}}).find("fc1.forward"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"node_tolerances", json::array()}}).find("node_tolerances"),
            std::string::npos);
}

TaskSpec Spec() {
  TaskSpec s;
  s.job = {{"name", "synthetic"}};
  s.steps = 40;
  s.checkpoint_interval = 10;
  s.solver = "s";
  s.verifiers = {"v"};
  return s;
}

TEST(VerificationPolicyTest, TaskSpecCarriesThePolicy) {
  TaskSpec s = Spec();
  s.mode = "tolerance";
  s.verification.delta = {{"l2", 1e-5}};
  auto back = TaskSpec::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->mode, "tolerance");
  EXPECT_DOUBLE_EQ(back->verification.delta.at("l2"), 1e-5);

  // Tolerance mode without a threshold is refused.
  s.verification.delta.clear();
  auto refused = TaskSpec::FromJson(s.ToJson());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("'l2'"), std::string::npos);

  // An unknown mode is refused.
  s.mode = "approximate";
  EXPECT_FALSE(TaskSpec::FromJson(s.ToJson()).ok());

  // A task without the policy (exact mode) still parses.
  json old = Spec().ToJson();
  old.erase("verification");
  auto parsed = TaskSpec::FromJson(old);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->verification.hyperparameters, "task");
}

}  // namespace
}  // namespace veritrain
