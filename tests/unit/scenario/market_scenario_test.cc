// Tests of the "market" block: the pool expanded into participants, the
// values reaching MarketSpec, and every wrong value refused at load with
// the field named and the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "scenarios/spec/scenario.h"
#include "tests/unit/scenario/scenario_test_util.h"

namespace veritrain {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::ErrorOf;

json MarketBase() {
  return json::parse(R"json({
    "format": "veritrain-scenario/1",
    "name": "market",
    "tasks": 10,
    "job": {"name": "synthetic", "steps": 100},
    "protocol": {"checkpoint_interval": 20},
    "economics": {"reward": 100, "submitter_funds": 100000, "participant_funds": 500,
                  "verifier_fee": 10, "solver_stake": 100, "verifier_stake": 50,
                  "challenge_stake": 20, "verifiers_per_task": 3},
    "market": {
      "solvers": [{"name": "s", "count": 3},
                  {"name": "cheat", "count": 2, "behaviour": "lazy", "params": {"fraction": 0.5},
                   "funds": 900}],
      "verifiers": [{"name": "v", "count": 12, "adapt": {"to": "lazy-approve"}},
                    {"name": "wb", "count": 1, "whistleblower": {"join_below": 2, "leave_above": 100}}]
    }
  })json");
}

TEST(MarketScenario, PoolBecomesParticipants) {
  auto sc = ParseScenario(MarketBase().dump(), "t.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  ASSERT_TRUE(sc->market.has_value());
  ASSERT_EQ(sc->participants.size(), 18u);
  EXPECT_EQ(sc->participants[0].name, "s-1");
  EXPECT_EQ(sc->participants[3].name, "cheat-1");
  EXPECT_EQ(sc->participants[3].behaviour, "lazy");
  EXPECT_EQ(sc->participants[3].params, json({{"fraction", 0.5}}));
  EXPECT_EQ(sc->participants[5].name, "v-01");  // zero-padded to the count's width
  EXPECT_EQ(sc->participants[16].name, "v-12");
  EXPECT_EQ(sc->participants[17].name, "wb-1");
  EXPECT_EQ(sc->solvers().size(), 5u);
  EXPECT_EQ(sc->verifiers().size(), 13u);
  const MarketSpec& m = *sc->market;
  EXPECT_EQ(m.assignment, "random");
  ASSERT_EQ(m.entries.size(), 4u);
  EXPECT_EQ(m.entries[0].funds, 500);  // economics.participant_funds
  EXPECT_EQ(m.entries[1].funds, 900);
  ASSERT_TRUE(m.entries[2].adapt.has_value());
  EXPECT_EQ(m.entries[2].adapt->to, "lazy-approve");
  EXPECT_EQ(m.entries[2].adapt->window, 10);
  ASSERT_TRUE(m.entries[3].whistleblower.has_value());
  EXPECT_EQ(m.entries[3].whistleblower->join_below, 2);
  // Without "jobs", one variant: the scenario's job and reward.
  ASSERT_EQ(m.jobs.size(), 1u);
  EXPECT_EQ(m.jobs[0].steps, 100);
  EXPECT_EQ(m.jobs[0].reward, 100);
}

TEST(MarketScenario, ResolvedDocumentParsesAgain) {
  // The run's manifest holds the expanded document; the audit reads it back.
  auto sc = ParseScenario(MarketBase().dump(), "t.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  auto again = ParseScenario(sc->resolved.dump(), "manifest.json");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->participants.size(), sc->participants.size());
}

TEST(MarketScenario, JobMix) {
  json j = MarketBase();
  j["market"]["jobs"] = {{{"weight", 3}, {"steps", 40}, {"reward", 30}}, {{"steps", 200}}};
  auto sc = ParseScenario(j.dump(), "t.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  ASSERT_EQ(sc->market->jobs.size(), 2u);
  EXPECT_EQ(sc->market->jobs[0].weight, 3);
  EXPECT_EQ(sc->market->jobs[1].weight, 1);
  EXPECT_EQ(sc->market->jobs[1].reward, 100);
}

struct BadMarket {
  const char* what;
  std::function<void(json&)> edit;
  const char* path;
  const char* reason;
};

TEST(MarketScenario, WrongValuesAreRefusedWithTheReason) {
  const std::vector<BadMarket> cases = {
      {"unknown behaviour", [](json& j) { j["market"]["verifiers"][0]["behaviour"] = "lazy"; },
       "/market/verifiers/0/behaviour", "unknown verifier behaviour 'lazy'"},
      {"unknown strategy to adapt to",
       [](json& j) { j["market"]["verifiers"][0]["adapt"]["to"] = "sloppy"; },
       "/market/verifiers/0/adapt/to", "unknown verifier behaviour 'sloppy'"},
      {"adapting to itself",
       [](json& j) { j["market"]["verifiers"][0]["adapt"]["to"] = "honest"; },
       "/market/verifiers/0/adapt/to", "switches between two strategies"},
      {"negative funds", [](json& j) { j["market"]["solvers"][0]["funds"] = -5; },
       "/market/solvers/0/funds", ""},
      {"funds below the stake", [](json& j) { j["market"]["solvers"][0]["funds"] = 99; },
       "/market/solvers/0/funds", "cannot cover solver_stake 100"},
      {"verifier funds below stake + challenge stake",
       [](json& j) { j["market"]["verifiers"][1]["funds"] = 69; },
       "/market/verifiers/1/funds", "verifier_stake + challenge_stake 70"},
      {"zero count", [](json& j) { j["market"]["solvers"][0]["count"] = 0; },
       "/market/solvers/0/count", ""},
      {"more verifiers per task than the pool",
       [](json& j) { j["economics"]["verifiers_per_task"] = 14; }, "/economics/verifiers_per_task",
       "more verifiers per task than the pool has (13)"},
      {"all verifiers on every task", [](json& j) { j["economics"]["verifiers_per_task"] = 0; },
       "/economics/verifiers_per_task", "at least 1 in a market"},
      {"whistleblowing solver",
       [](json& j) { j["market"]["solvers"][0]["whistleblower"] = {{"join_below", 1}, {"leave_above", 1}}; },
       "/market/solvers/0", ""},
      {"whistleblower joining below nothing",
       [](json& j) { j["market"]["verifiers"][1]["whistleblower"]["join_below"] = 0; },
       "/market/verifiers/1/whistleblower/join_below", ""},
      {"duplicate generated names",
       [](json& j) { j["market"]["verifiers"][1]["name"] = "v"; j["market"]["verifiers"][1]["count"] = 12; },
       "/market/verifiers/1/name", "generates 'v-01', which /market/verifiers/0 generates too"},
      {"generated names that differ only in case",
       [](json& j) { j["market"]["verifiers"][1]["name"] = "V"; j["market"]["verifiers"][1]["count"] = 12; },
       "/market/verifiers/1/name", "generates 'V-01', which differs from 'v-01' (generated by /market/verifiers/0) only in case"},
      {"name prefix too long for the names it generates",
       [](json& j) { j["market"]["solvers"][0]["name"] = std::string(57, 'a'); },
       "/market/solvers/0/name", "is not a safe name prefix"},
      {"participants beside a market",
       [](json& j) { j["participants"] = {{{"name", "x"}, {"role", "solver"}}}; }, "/participants",
       "leave \"participants\" out"},
      {"crashes in a market",
       [](json& j) { j["crashes"] = {{{"participant", "s-1"}, {"at", "training"}}}; }, "/crashes",
       "not supported in a market"},
      {"solver profiles that differ",
       [](json& j) { j["market"]["solvers"][1]["profile"] = {{"threads", 2}}; },
       "/market/solvers/1/profile", "all solvers share one"},
      {"job variant steps not a multiple of k",
       [](json& j) { j["market"]["jobs"] = {{{"steps", 50}}}; }, "/market/jobs/0/steps",
       "not a multiple of checkpoint_interval 20"},
      {"job variant with fewer intervals than top_q + random_samples",
       [](json& j) {
         j["protocol"]["top_q"] = 1;
         j["protocol"]["random_samples"] = 1;
         j["market"]["jobs"] = {{{"steps", 100}}, {{"steps", 20}}};
       },
       "/market/jobs/1/steps", "1 intervals, fewer than top_q + random_samples = 1 + 1"},
      // Each variant is a task of its own: one of more intervals than a trace
      // commitment carries passed check, and its honest solver was slashed
      // for never committing.
      {"job variant of more intervals than a trace commitment carries",
       [](json& j) {
         j["protocol"]["checkpoint_interval"] = 1;
         j["market"]["jobs"] = {{{"steps", 40}}, {{"steps", 60000}}};
       },
       "/market/jobs/1/steps", "60000 intervals (steps / checkpoint_interval = 60000 / 1) are "
                               "more than the 40000 a trace commitment can carry"},
      {"job variant weight zero",
       [](json& j) { j["market"]["jobs"] = {{{"steps", 40}, {"weight", 0}}}; },
       "/market/jobs/0/weight", ""},
      {"submitter cannot pay the stream",
       [](json& j) { j["economics"]["submitter_funds"] = 1000; }, "/economics/submitter_funds",
       "cannot fund 10 market tasks"},
      // 10 rewards of 100 are covered, but not the 3 fees of 10 paid with
      // each: 1300 are spent whatever the market does.
      {"submitter pays every reward but not every fee",
       [](json& j) { j["economics"]["submitter_funds"] = 1299; }, "/economics/submitter_funds",
       "cannot fund 10 market tasks: each escrows up to 130"},
      {"unknown assignment rule", [](json& j) { j["market"]["assignment"] = "fastest"; },
       "/market/assignment", ""},
      {"unknown field", [](json& j) { j["market"]["verifiers"][0]["adapt"]["windw"] = 3; },
       "/market/verifiers/0/adapt", ""},
      {"no verifiers", [](json& j) { j["market"]["verifiers"] = json::array(); },
       "/market/verifiers", ""},
      {"neither participants nor market", [](json& j) { j.erase("market"); }, "",
       "missing required field 'participants'"},
      {"expectation on a participant that does not exist",
       [](json& j) { j["expect"] = {{{"path", "/market/participants/v-13/profit"}, {"min", 0}}}; },
       "/expect/0/path", ""},
  };
  for (const BadMarket& c : cases) {
    json j = MarketBase();
    c.edit(j);
    const std::string error = ErrorOf(j);
    EXPECT_THAT(error, HasSubstr(c.path)) << c.what << ": " << error;
    EXPECT_THAT(error, HasSubstr(c.reason)) << c.what << ": " << error;
    EXPECT_FALSE(error.empty()) << c.what;
  }
}

// An error about a generated participant names the pool entry that
// generated it: a market has no "participants" (it named
// /participants/6/profile/dtype).
TEST(MarketScenario, AGeneratedParticipantsErrorNamesItsEntry) {
  json j = MarketBase();
  j["market"]["verifiers"][1]["profile"] = {{"dtype", "float64"}};
  const std::string error = ErrorOf(j);
  EXPECT_THAT(error, HasSubstr("/market/verifiers/1/profile/dtype: \"float64\" differs from "
                               "the solver's"));
  EXPECT_THAT(error, Not(HasSubstr("/participants/")));
}

TEST(MarketScenario, ArrivalRateAndServiceTimesReachTheSpec) {
  json j = MarketBase();
  j["market"]["arrival_rate"] = 2.5;
  j["market"]["service"] = "exponential";
  j["market"]["service_time"] = 4;
  j["market"]["max_wait"] = 3;
  j["market"]["jobs"] = {{{"steps", 100}}, {{"steps", 200}, {"service_time", 0.5}}};
  auto sc = ParseScenario(j.dump(), "t.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  ASSERT_TRUE(sc->market->arrivals.has_value());
  EXPECT_EQ(sc->market->arrivals->rate, 2.5);
  EXPECT_EQ(sc->market->arrivals->service, "exponential");
  EXPECT_EQ(sc->market->arrivals->max_wait, 3.0);
  EXPECT_EQ(sc->market->jobs[0].service_time, 4.0);  // the market's
  EXPECT_EQ(sc->market->jobs[1].service_time, 0.5);  // its own
  // Defaults: a fixed service time of 1, no max_wait; and no clock at all
  // without a rate.
  json plain = MarketBase();
  plain["market"]["arrival_rate"] = 1;
  auto d = ParseScenario(plain.dump(), "t.json");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->market->arrivals->service, "fixed");
  EXPECT_FALSE(d->market->arrivals->max_wait.has_value());
  EXPECT_EQ(d->market->jobs[0].service_time, 1.0);
  auto none = ParseScenario(MarketBase().dump(), "t.json");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->market->arrivals.has_value());
}

TEST(MarketScenario, WrongClockValuesAreRefusedWithTheFieldAndReason) {
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    std::string path, reason;
  };
  const std::vector<Case> cases = {
      {"zero rate", [](json& j) { j["market"]["arrival_rate"] = 0; }, "/market/arrival_rate", ""},
      {"negative rate", [](json& j) { j["market"]["arrival_rate"] = -1; }, "/market/arrival_rate",
       ""},
      {"rate not a number", [](json& j) { j["market"]["arrival_rate"] = "fast"; },
       "/market/arrival_rate", ""},
      {"zero service time",
       [](json& j) { j["market"]["arrival_rate"] = 1; j["market"]["service_time"] = 0; },
       "/market/service_time", ""},
      {"negative job service time",
       [](json& j) {
         j["market"]["arrival_rate"] = 1;
         j["market"]["jobs"] = {{{"steps", 100}, {"service_time", -2}}};
       },
       "/market/jobs/0/service_time", ""},
      {"a rate that overflows the clock's times",
       [](json& j) { j["market"]["arrival_rate"] = 1e-300; }, "/market/arrival_rate",
       "is outside 1e-09 to 1e+09: the market clock's times would overflow"},
      {"a rate that collapses the clock's times",
       [](json& j) { j["market"]["arrival_rate"] = 1e300; }, "/market/arrival_rate",
       "is outside 1e-09 to 1e+09"},
      {"a service time that overflows the clock",
       [](json& j) { j["market"]["arrival_rate"] = 1; j["market"]["service_time"] = 1e308; },
       "/market/service_time", "is outside 1e-09 to 1e+09"},
      {"a job's service time that overflows the clock",
       [](json& j) {
         j["market"]["arrival_rate"] = 1;
         j["market"]["jobs"] = {{{"steps", 100}, {"service_time", 1e307}}};
       },
       "/market/jobs/0/service_time", "is outside 1e-09 to 1e+09"},
      {"a tiny max_wait",
       [](json& j) { j["market"]["arrival_rate"] = 1; j["market"]["max_wait"] = 1e-12; },
       "/market/max_wait", "is outside 1e-09 to 1e+09 (or 0)"},
      {"negative max_wait",
       [](json& j) { j["market"]["arrival_rate"] = 1; j["market"]["max_wait"] = -1; },
       "/market/max_wait", ""},
      {"unknown service",
       [](json& j) { j["market"]["arrival_rate"] = 1; j["market"]["service"] = "uniform"; },
       "/market/service", ""},
      {"service time without a rate", [](json& j) { j["market"]["service_time"] = 2; },
       "/market/service_time", "has no meaning without market.arrival_rate"},
      {"max_wait without a rate", [](json& j) { j["market"]["max_wait"] = 2; },
       "/market/max_wait", "has no meaning without market.arrival_rate"},
      {"service without a rate", [](json& j) { j["market"]["service"] = "fixed"; },
       "/market/service", "has no meaning without market.arrival_rate"},
      {"job service time without a rate",
       [](json& j) { j["market"]["jobs"] = {{{"steps", 100}, {"service_time", 2}}}; },
       "/market/jobs/0/service_time", "has no meaning without market.arrival_rate"},
      {"a pool past the participants' bound",
       [](json& j) {
         j["market"]["verifiers"] = {{{"name", "a"}, {"count", 1000}}, {{"name", "b"}, {"count", 5}}};
       },
       "/market", "the pool generates 1010 participants; at most 1000"},
      {"a pool too small to staff a task",
       [](json& j) { j["market"]["arrival_rate"] = 1; j["economics"]["verifiers_per_task"] = 14; },
       "/economics/verifiers_per_task", "more verifiers per task than the pool has (13)"},
  };
  for (const Case& c : cases) {
    json j = MarketBase();
    c.change(j);
    const std::string error = ErrorOf(j);
    EXPECT_THAT(error, HasSubstr(c.path)) << c.what;
    EXPECT_THAT(error, HasSubstr(c.reason)) << c.what;
  }
  // Infinity: refused in a document built in memory (a JSON text cannot
  // hold it: the reader refuses 1e999 as a number overflow).
  for (const char* field : {"arrival_rate", "service_time", "max_wait"}) {
    json j = MarketBase();
    j["market"]["arrival_rate"] = 1;
    j["market"][field] = std::numeric_limits<double>::infinity();
    std::string all;
    for (const ScenarioError& e : CheckScenarioJson(j)) all += e.path + ": " + e.message + "\n";
    EXPECT_THAT(all, HasSubstr(std::string("/market/") + field + ": must be a finite number"))
        << field;
  }
  json j = MarketBase();
  std::string text = j.dump();
  text.replace(text.find("\"market\":{"), 10, "\"market\":{\"arrival_rate\":1e999,");
  auto r = ParseScenario(text, "t.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("1e999"));
}

TEST(MarketScenario, ExpectationPathsIntoTheMarket) {
  json j = MarketBase();
  j["expect"] = {{{"path", "/market/final/shares/verifier/lazy-approve"}, {"max", 0.5}},
                 {{"path", "/market/participants/v-12/strategy"}, {"equals", "honest"}},
                 {{"path", "/market/jackpot/short_payouts"}, {"equals", 0}}};
  EXPECT_EQ(ErrorOf(j), "");
  j["expect"] = {{{"path", "/market/final/shares/verifier/lazy-approve/x"}, {"max", 0.5}}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/expect/0/path"));
  j["expect"] = {{{"path", "/market/jackpt/final"}, {"max", 0.5}}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("jackpot"));
}

}  // namespace
}  // namespace veritrain
