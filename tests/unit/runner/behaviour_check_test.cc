// Behaviour parameters are checked before anything runs.
#include "scenarios/check/behaviour_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace veritrain {
namespace {

Scenario WithSolver(const std::string& behaviour,
                    const nlohmann::json& params) {
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "b"},
                      {"job", {{"name", "synthetic"}, {"steps", 20}}},
                      {"protocol", {{"checkpoint_interval", 5}}},
                      {"participants",
                       {{{"name", "s"},
                         {"role", "solver"},
                         {"behaviour", behaviour},
                         {"params", params}},
                        {{"name", "v"}, {"role", "verifier"}}}}};
  auto sc = ParseScenario(j.dump(), "b.json");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return *sc;
}

// 20 steps of 5: 4 intervals, checkpoints 0 to 4.
Scenario WithReachVerifier(const std::string& behaviour, const nlohmann::json& params) {
  nlohmann::json j = {{"format", "veritrain-scenario/1"},
                      {"name", "b"},
                      {"job", {{"name", "synthetic"}, {"steps", 20}}},
                      {"protocol", {{"checkpoint_interval", 5}}},
                      {"participants",
                       {{{"name", "s"}, {"role", "solver"}},
                        {{"name", "v"},
                         {"role", "verifier"},
                         {"behaviour", behaviour},
                         {"params", params}}}}};
  auto sc = ParseScenario(j.dump(), "b.json");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return *sc;
}

std::string ReachProblems(const Scenario& sc) { return CheckBehaviourParams(sc).message(); }

TEST(BehaviourCheck, AFalseChallengePastTheLastIntervalIsRefused) {
  EXPECT_THAT(ReachProblems(WithReachVerifier("false-challenge", {{"interval", 4}})),
              ::testing::HasSubstr("/participants/1/params/interval: 'v' (false-challenge): "
                                   "false-challenge: params.interval 4 is past the task's 4 "
                                   "intervals (0 to 3): it would abstain"));
  EXPECT_THAT(ReachProblems(WithReachVerifier("false-challenge", {{"interval", 100000000}})),
              ::testing::HasSubstr("params.interval 100000000 is past"));
  EXPECT_THAT(ReachProblems(WithReachVerifier("false-challenge", {{"interval", int64_t{1} << 62}})),
              ::testing::HasSubstr("false-challenge.interval must be in [0, 100000000], not "
                                   "4611686018427387904"));
  EXPECT_TRUE(CheckBehaviourParams(WithReachVerifier("false-challenge", {{"interval", 3}})).ok());
}

TEST(BehaviourCheck, BlindfoldWithNoIntervalLeftToFabricateIsRefused) {
  EXPECT_THAT(ReachProblems(WithSolver("blindfold-topq", {{"honest_intervals", 4}})),
              ::testing::HasSubstr("/participants/0/params/honest_intervals: 's' "
                                   "(blindfold-topq): blindfold-topq.honest_intervals (4) must "
                                   "be smaller than the number of intervals (4): the solver "
                                   "would give up on every task"));
  EXPECT_TRUE(CheckBehaviourParams(WithSolver("blindfold-topq", {{"honest_intervals", 3}})).ok());
  EXPECT_TRUE(CheckBehaviourParams(WithSolver("blindfold-topq", nlohmann::json::object())).ok());
}

TEST(BehaviourCheck, WithholdingFromPastTheLastCheckpointIsRefused) {
  EXPECT_THAT(ReachProblems(WithSolver("withhold", {{"from_index", 50}})),
              ::testing::HasSubstr("/participants/0/params/from_index: 's' (withhold): "
                                   "withhold.from_index 50 is past the task's last checkpoint "
                                   "(4): the solver would never withhold anything"));
  EXPECT_TRUE(CheckBehaviourParams(WithSolver("withhold", {{"from_index", 4}})).ok());
}

TEST(BehaviourCheck, ColludingWithSomeoneWhoIsNotTheSolverIsRefused) {
  for (const char* partner : {"solver-9", "v"}) {
    EXPECT_THAT(ReachProblems(WithReachVerifier("colluding", {{"solver", partner}})),
                ::testing::HasSubstr("/participants/1/params/solver: 'v' (colluding): "
                                     "colluding.solver '" + std::string(partner) +
                                     "' is not a solver of the scenario ('s'): it would check "
                                     "every task like an honest verifier"));
  }
  EXPECT_TRUE(CheckBehaviourParams(WithReachVerifier("colluding", {{"solver", "s"}})).ok());
}

TEST(BehaviourCheck, GoodParametersPass) {
  EXPECT_TRUE(
      CheckBehaviourParams(WithSolver("lazy", {{"fraction", 0.2}})).ok());
  EXPECT_TRUE(
      CheckBehaviourParams(WithSolver("honest", nlohmann::json::object()))
          .ok());
}

TEST(BehaviourCheck, BadParametersAreNamed) {
  Status s = CheckBehaviourParams(WithSolver("lazy", {{"fraction", 2}}));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(),
              ::testing::HasSubstr("/participants/0/params: lazy.fraction"));
  s = CheckBehaviourParams(WithSolver("data-substitution", {{"share", 0.1}}));
  EXPECT_THAT(s.message(), ::testing::HasSubstr(
                               "data-substitution.share: unknown parameter"));
}

// A misspelt parameter of any behaviour is refused, never run with its
// default: corrupt-node with "magnitud" would otherwise corrupt by 1.0 and
// an honest solver with stray params would pass as configured.
TEST(BehaviourCheck, AMisspeltParameterOfAnyBehaviourIsRefused) {
  struct Case {
    const char* behaviour;
    nlohmann::json params;
    const char* named;
  };
  const std::vector<Case> cases = {
      {"corrupt-node", {{"step", 3}, {"node", "fc1.forward"}, {"magnitud", 0.1}},
       "corrupt-node.magnitud: unknown parameter"},
      {"corrupt-node", {{"node", "fc1.forward"}}, "corrupt-node.step: required"},
      {"corrupt-node", {{"step", -1}, {"node", "fc1.forward"}}, "corrupt-node.step must be in"},
      {"corrupt-node", {{"step", 1}, {"node", "fc1.forward"}, {"magnitude", "big"}},
       "corrupt-node.magnitude must be a number"},
      {"stall", {{"after_move", 2}}, "stall.after_move: unknown parameter"},
      {"honest", {{"step", 2}}, "honest.step: unknown parameter"},
  };
  for (const Case& c : cases) {
    Status s = CheckBehaviourParams(WithSolver(c.behaviour, c.params));
    ASSERT_FALSE(s.ok()) << c.params.dump();
    EXPECT_THAT(s.message(), ::testing::HasSubstr(c.named)) << c.params.dump();
  }
  nlohmann::json good = {{"step", 3}, {"node", "fc1.forward"}, {"magnitude", 0.1}};
  EXPECT_TRUE(CheckBehaviourParams(WithSolver("corrupt-node", good)).ok());
}

// A market's entries stand for every participant generated from them,
// and their parameters must fit every task: the smallest job variant (20
// steps of 5: 4 intervals) decides, not the scenario's own steps.
Scenario MarketWith(const nlohmann::json& verifier_entry) {
  nlohmann::json j = {
      {"format", "veritrain-scenario/1"},
      {"name", "m"},
      {"tasks", 2},
      {"job", {{"name", "synthetic"}, {"steps", 40}}},
      {"protocol", {{"checkpoint_interval", 5}}},
      {"economics",
       {{"submitter_funds", 100000}, {"participant_funds", 10000}, {"verifiers_per_task", 2}}},
      {"market",
       {{"solvers", {{{"name", "solver"}, {"count", 2}}}},
        {"verifiers", {{{"name", "honest"}, {"count", 2}}, verifier_entry}},
        {"jobs", {{{"steps", 40}}, {{"steps", 20}}}}}}};
  auto sc = ParseScenario(j.dump(), "m.json");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return sc.ok() ? *sc : Scenario{};
}

TEST(BehaviourCheck, AMarketEntryPastItsSmallestTaskIsRefused) {
  const std::string errors = ReachProblems(MarketWith(
      {{"name", "sybil"}, {"behaviour", "false-challenge"}, {"params", {{"interval", 4}}}}));
  EXPECT_THAT(errors, ::testing::HasSubstr(
                          "/market/verifiers/1/params/interval: 'sybil' (false-challenge): "
                          "false-challenge: params.interval 4 is past the task's 4 intervals"));
  EXPECT_TRUE(CheckBehaviourParams(MarketWith({{"name", "sybil"},
                                               {"behaviour", "false-challenge"},
                                               {"params", {{"interval", 3}}}}))
                  .ok());
}

TEST(BehaviourCheck, AMarketColluderNeedsAGeneratedSolverAndItsAdaptStrategyIsChecked) {
  const std::string errors = ReachProblems(MarketWith(
      {{"name", "friend"},
       {"behaviour", "colluding"},
       {"params", {{"solver", "solver"}}},
       {"adapt", {{"to", "false-challenge"}, {"params", {{"interval", 9}}}}}}));
  EXPECT_THAT(errors, ::testing::HasSubstr("/market/verifiers/1/params/solver: 'friend' "
                                           "(colluding): colluding.solver 'solver' is not a "
                                           "solver of the scenario ('solver-1', 'solver-2')"));
  EXPECT_THAT(errors, ::testing::HasSubstr("/market/verifiers/1/adapt/params/interval: 'friend' "
                                           "(false-challenge)"));
}

}  // namespace
}  // namespace veritrain
