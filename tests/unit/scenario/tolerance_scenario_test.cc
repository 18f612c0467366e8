// Tests for the tolerance-mode fields of a scenario: metrics, delta,
// reference, hyper-parameter source, calibration, and their errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scenarios/spec/scenario.h"
#include "tests/unit/scenario/scenario_test_util.h"

namespace veritrain {
namespace {

using nlohmann::json;
using testing_util::ErrorOf;
using ::testing::HasSubstr;

json Minimal() {
  return json::parse(R"json({
    "format": "veritrain-scenario/1",
    "name": "tolerance",
    "job": {"name": "synthetic", "steps": 100},
    "protocol": {"checkpoint_interval": 10, "mode": "tolerance", "metrics": ["l2", "cosine"],
                 "delta": {"l2": 1e-4, "cosine": 1e-9}},
    "participants": [
      {"name": "s", "role": "solver", "behaviour": "infinitesimal"},
      {"name": "v", "role": "verifier"}
    ]
  })json");
}

TEST(ToleranceScenarioTest, FieldsAreParsedWithDefaults) {
  Result<Scenario> r = ParseScenario(Minimal().dump(), "t.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->protocol.mode, "tolerance");
  EXPECT_EQ(r->protocol.metrics, (std::vector<std::string>{"l2", "cosine"}));
  EXPECT_DOUBLE_EQ(r->protocol.delta.at("cosine"), 1e-9);
  EXPECT_TRUE(r->protocol.reference.empty());
  EXPECT_EQ(r->protocol.hyperparameters, "task");
  EXPECT_TRUE(r->protocol.calibration.is_null());

  json j = Minimal();
  j["protocol"].erase("delta");
  j["protocol"]["calibration"] = {{"profiles", {{{"threads", 2}}}}};
  r = ParseScenario(j.dump(), "t.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const json& c = r->protocol.calibration;
  EXPECT_EQ(c["seeds"], json({1, 2}));
  EXPECT_FALSE(c.contains("intervals"));  // absent: every interval
  EXPECT_EQ(c["node_margin"], 4);
  EXPECT_EQ(c["quantile"], 0.999);
  EXPECT_EQ(c["first_interval_seeds"], 64);
  EXPECT_EQ(c["margin"], 2);
}

TEST(ToleranceScenarioTest, BadFieldsAreNamedBeforeAnythingRuns) {
  json unknown = Minimal();
  unknown["protocol"]["metrics"] = {"l2", "hamming"};
  EXPECT_THAT(ErrorOf(unknown), HasSubstr("/protocol/metrics/1"));

  json zero = Minimal();
  zero["protocol"]["delta"]["l2"] = 0;
  EXPECT_THAT(ErrorOf(zero), HasSubstr("/protocol/delta/l2"));
  json negative = Minimal();
  negative["protocol"]["delta"]["cosine"] = -1e-9;
  EXPECT_THAT(ErrorOf(negative), HasSubstr("/protocol/delta/cosine"));
  json odd_delta = Minimal();
  odd_delta["protocol"]["delta"]["l3"] = 1;
  EXPECT_THAT(ErrorOf(odd_delta), HasSubstr("/protocol/delta"));

  json missing = Minimal();
  missing["protocol"]["delta"].erase("cosine");
  EXPECT_THAT(ErrorOf(missing),
              HasSubstr("/protocol/delta: tolerance mode needs a delta for "
                        "metric \"cosine\""));

  json both = Minimal();
  both["protocol"]["calibration"] = {{"profiles", {{{"threads", 1}}}}};
  EXPECT_THAT(ErrorOf(both), HasSubstr("give either delta or calibration"));
  // Calibration sets every node's threshold: a node_tolerance beside it was
  // accepted and never applied.
  json node = Minimal();
  node["protocol"].erase("delta");
  node["protocol"]["calibration"] = {{"profiles", {{{"threads", 1}}, {{"threads", 2}}}}};
  node["protocol"]["game"] = {{"node_tolerance", 0.5}};
  EXPECT_THAT(ErrorOf(node),
              HasSubstr("/protocol/game/node_tolerance: has no effect with protocol.calibration"));

  json source = Minimal();
  source["protocol"]["hyperparameters"] = "checkpoint";
  EXPECT_THAT(ErrorOf(source), HasSubstr("/protocol/hyperparameters"));

  json reference = Minimal();
  reference["protocol"]["reference"] = {{"l2", 0}};
  EXPECT_THAT(ErrorOf(reference), HasSubstr("/protocol/reference/l2"));

  // 100 / 10 = 10 intervals.
  json q = Minimal();
  q["protocol"]["top_q"] = 11;
  EXPECT_THAT(ErrorOf(q),
              HasSubstr("/protocol/top_q: 11 exceeds the number of intervals"));
  json r = Minimal();
  r["protocol"]["random_samples"] = 12;
  EXPECT_THAT(ErrorOf(r), HasSubstr("/protocol/random_samples: 12 exceeds"));
  json cal = Minimal();
  cal["protocol"].erase("delta");
  cal["protocol"]["calibration"] = {{"profiles", {{{"threads", 1}}}},
                                    {"intervals", 11}};
  EXPECT_THAT(ErrorOf(cal),
              HasSubstr("/protocol/calibration/intervals: 11 exceeds"));
  // An interval of 10 steps has 10 to sample nodes at: more would be
  // taken as 10 while the file says otherwise.
  json node_steps = Minimal();
  node_steps["protocol"].erase("delta");
  node_steps["protocol"]["calibration"] = {{"profiles", {{{"threads", 1}}}},
                                           {"node_steps", 11}};
  EXPECT_THAT(ErrorOf(node_steps),
              HasSubstr("/protocol/calibration/node_steps: 11 exceeds the steps of an interval "
                        "(checkpoint_interval = 10)"));
  json no_profiles = Minimal();
  no_profiles["protocol"].erase("delta");
  no_profiles["protocol"]["calibration"] = json::object();
  EXPECT_THAT(ErrorOf(no_profiles), HasSubstr("/protocol/calibration"));
}

// The cosine distance is at most 2: a delta at or above it (over the
// reference normaliser) is never exceeded, and a random-weights solver
// passed every check on it.
TEST(ToleranceScenarioTest, ACosineDeltaNoDistanceCanExceedIsRefused) {
  json j = Minimal();
  j["protocol"]["delta"]["cosine"] = 1.999;
  EXPECT_EQ(ErrorOf(j), "");
  j["protocol"]["delta"]["cosine"] = 2;
  EXPECT_THAT(ErrorOf(j), HasSubstr("/protocol/delta/cosine: the cosine distance is at most 2 "
                                    "(opposite directions): a delta of 2 is never exceeded"));
  j["protocol"]["delta"]["cosine"] = 0.5;
  j["protocol"]["reference"] = {{"cosine", 4}};  // normalised: at most 0.5
  EXPECT_THAT(ErrorOf(j), HasSubstr("0.5 over protocol.reference.cosine: a delta of 0.5 is "
                                    "never exceeded"));
  j["protocol"]["delta"]["cosine"] = 0.49;
  EXPECT_EQ(ErrorOf(j), "");
}

TEST(ToleranceScenarioTest, ExactModeNeedsNoDelta) {
  json j = Minimal();
  j["protocol"]["mode"] = "exact";
  j["protocol"].erase("delta");
  EXPECT_EQ(ErrorOf(j), "");
}

TEST(ToleranceScenarioTest, EveryAttackIsAKnownSolverBehaviour) {
  for (const char* b :
       {"lazy", "random-weights", "replay", "interpolate", "infinitesimal",
        "blindfold-topq", "data-substitution", "precision-downgrade"}) {
    EXPECT_THAT(KnownBehaviours("solver"), ::testing::Contains(b));
  }
  json j = Minimal();
  j["participants"][0]["behaviour"] = "lazy-ish";
  EXPECT_THAT(ErrorOf(j),
              HasSubstr("/participants/0/behaviour: unknown solver behaviour"));
}

}  // namespace
}  // namespace veritrain
