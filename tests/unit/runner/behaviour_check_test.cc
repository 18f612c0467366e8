// Behaviour parameters are checked before anything runs.
#include "scenarios/behaviour_check.h"

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

}  // namespace
}  // namespace veritrain
