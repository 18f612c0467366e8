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

}  // namespace
}  // namespace veritrain
