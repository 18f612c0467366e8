// The proof-of-learning part of the summary: the task's verification
// policy, the solver's compute, distances, and what the verdicts mean.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scenarios/runner/summary.h"

namespace veritrain {
namespace {

Event Ev(int64_t t, const std::string& type, nlohmann::json data) {
  Event e;
  e.time_ms = t;
  e.type = type;
  e.task = "task-0001";
  e.data = std::move(data);
  return e;
}

std::vector<Event> PolStory(
    const std::string& behaviour, bool accept,
    nlohmann::json calibration = nlohmann::json::object()) {
  nlohmann::json spec = {{"job", {{"name", "synthetic"}}},
                         {"steps", 40},
                         {"checkpoint_interval", 10},
                         {"mode", "tolerance"},
                         {"solver", "s"},
                         {"reward", 5},
                         {"verification",
                          {{"metrics", {"l2"}},
                           {"delta", {{"l2", 0.5}}},
                           {"calibration", calibration}}}};
  nlohmann::json intervals = {
      {{"index", 0},
       {"reason", "top_q"},
       {"match", true},
       {"distances", {{"l2", 0.1}, {"linf", 0.05}}},
       {"hyperparameter_mismatch", nlohmann::json::object()}},
      {{"index", 2},
       {"reason", "random"},
       {"match", accept},
       {"distances", {{"l2", accept ? 0.2 : 0.9}, {"linf", 0.3}}},
       {"hyperparameter_mismatch",
        {{"lr", {{"task", 0.05}, {"claimed", 1e-12}}}}}}};
  nlohmann::json verdict = {
      {"accept", accept}, {"disputed_interval", accept ? -1 : 2},
      {"reason", "r"},    {"steps_reexecuted", 20},
      {"seconds", 1.0},   {"intervals", intervals}};
  return {
      Ev(0, "task_posted", {{"spec", spec}}),
      Ev(10, "trace_committed",
         {{"body",
           {{"trace_root", "ab"},
            {"training",
             {{"behaviour", behaviour},
              {"steps_computed", 10},
              {"attack", {{"steps_computed", 10}, {"steps_skipped", 30}}}}}}}}),
      Ev(20, "verdict", {{"verifier", "v"}, {"body", verdict}}),
      Ev(30, "task_settled", {{"outcome", accept ? "accepted" : "challenged"}}),
      Ev(40, "shutdown", {{"conservation", true}})};
}

// A committed state the honest run never reaches is at distance "inf": the
// largest, not skipped (a caught cheat read as max_distance 0, "<= δ").
TEST(SummaryPol, AnInfiniteDistanceIsTheLargest) {
  std::vector<Event> events = PolStory("corrupt-node", false);
  events[2].data["body"]["intervals"][1]["distances"] = {{"l2", "inf"}, {"linf", "nan"}};
  auto s = BuildSummary(events, "demo", 1);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& t = (*s)["tasks"][0];
  EXPECT_EQ(t["max_distance"]["l2"], "inf");
  // "nan" compares with nothing: the finite 0.05 stays the largest.
  EXPECT_DOUBLE_EQ(t["max_distance"]["linf"].get<double>(), 0.05);
  EXPECT_THAT(HumanSummary(*s, 1.0), ::testing::HasSubstr("tolerance: l2 inf > δ 0.5;"));
  EXPECT_NE(MetricsCsv(*s).find(",inf,0.5,"), std::string::npos) << MetricsCsv(*s);
}

TEST(SummaryPol, DistancesDeltaAndCompute) {
  auto s = BuildSummary(PolStory("lazy", false), "demo", 1);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& t = (*s)["tasks"][0];
  EXPECT_EQ(t["verification"]["delta"]["l2"], 0.5);
  EXPECT_EQ(t["verification"]["delta_source"], "fixed");
  EXPECT_EQ(t["verification"]["hyperparameters"], "task");
  EXPECT_DOUBLE_EQ(t["max_distance"]["l2"].get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(t["max_distance"]["linf"].get<double>(), 0.3);
  EXPECT_EQ(t["solver_steps_computed"], 10);
  EXPECT_DOUBLE_EQ(t["solver_compute_ratio"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(t["verifier_over_solver_compute"].get<double>(), 2.0);
  EXPECT_EQ(t["attack"]["steps_skipped"], 30);
  EXPECT_EQ(t["hyperparameter_mismatches"], 1);
  EXPECT_EQ(t["challenged"], true);
  EXPECT_EQ(t["detected"], true);
  EXPECT_EQ(t["false_positive"], false);
  EXPECT_EQ(t["missed"], false);
  EXPECT_EQ(t["verifiers"][0]["intervals"][1]["reason"], "random");

  const std::string csv = MetricsCsv(*s);
  EXPECT_NE(csv.find("max_distance.l2,delta.l2"), std::string::npos);
  EXPECT_NE(csv.find(",0.9,0.5,"), std::string::npos) << csv;
  EXPECT_THAT(HumanSummary(*s, 1.0),
              ::testing::HasSubstr(
                  "tolerance: l2 0.9 > δ 0.5; δ fixed, solver lazy (10/40 "
                  "steps computed): detected"));
}

// Exact mode, an interval that failed without a distance (checkpoint 0 is
// not the task's initial state): the line must not say "bit-equal".
TEST(SummaryPol, ExactModeFailureWithoutDistanceIsNotBitEqual) {
  std::vector<Event> story = PolStory("random-weights", false);
  story[0].data["spec"]["mode"] = "exact";
  auto& intervals = story[2].data["body"]["intervals"];
  intervals = nlohmann::json::array({{{"index", 0}, {"reason", "top_q"}, {"match", false}}});
  auto s = BuildSummary(story, "demo", 1);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::string text = HumanSummary(*s, 1.0);
  EXPECT_THAT(text, ::testing::HasSubstr("exact: 1 checked interval(s), 1 not matching;"));
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("bit-equal")));

  intervals[0]["match"] = true;  // every checked interval matched
  auto ok = BuildSummary(story, "demo", 1);
  ASSERT_TRUE(ok.ok());
  EXPECT_THAT(HumanSummary(*ok, 1.0), ::testing::HasSubstr("all 1 checked interval(s) bit-equal"));

  // A verifier that could not check anything says so, and so does the line.
  intervals[0] = {{"index", 0}, {"checked", false}, {"error", "Unavailable: refused"}};
  story[2].data["body"]["accept"] = false;
  story[2].data["body"]["abstain"] = true;
  story[2].data["body"]["reason"] = "the start checkpoint of interval 0: refused";
  auto none = BuildSummary(story, "demo", 1);
  ASSERT_TRUE(none.ok());
  const std::string abstained = HumanSummary(*none, 1.0);
  EXPECT_THAT(abstained, ::testing::HasSubstr("no interval checked;"));
  EXPECT_THAT(abstained, ::testing::HasSubstr("abstained (the start checkpoint of interval 0"));
  EXPECT_EQ((*none)["tasks"][0]["intervals_verified"], 0);
  EXPECT_EQ((*none)["tasks"][0]["challenged"], false);
  EXPECT_EQ((*none)["tasks"][0]["missed"], false);  // nobody judged it
  EXPECT_EQ((*none)["tasks"][0]["abstained"].size(), 1u);
}

TEST(SummaryPol, MissedAttacksAndFalsePositives) {
  auto missed = BuildSummary(PolStory("infinitesimal", true), "demo", 1);
  ASSERT_TRUE(missed.ok());
  EXPECT_EQ((*missed)["tasks"][0]["missed"], true);
  EXPECT_EQ((*missed)["tasks"][0]["detected"], false);
  EXPECT_THAT(HumanSummary(*missed, 1.0), ::testing::HasSubstr("NOT detected"));

  auto fp = BuildSummary(PolStory("honest", false), "demo", 1);
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ((*fp)["tasks"][0]["false_positive"], true);
  EXPECT_EQ((*fp)["tasks"][0]["detected"], false);
  EXPECT_THAT(HumanSummary(*fp, 1.0), ::testing::HasSubstr("a false positive"));

  // A solver whose trace is the honest training but which misbehaved
  // otherwise (it withheld checkpoints that the arbiter relayed): accepting
  // its trace missed nothing.
  auto events = PolStory("withhold", true);
  events[1].data["body"]["training"]["trains_honestly"] = true;
  auto relayed = BuildSummary(events, "demo", 1);
  ASSERT_TRUE(relayed.ok());
  EXPECT_EQ((*relayed)["tasks"][0]["missed"], false);
  EXPECT_EQ((*relayed)["tasks"][0]["solver_trace_honest"], true);
  EXPECT_THAT(HumanSummary(*relayed, 1.0),
              ::testing::HasSubstr("not challenged (its trace is the honest training)"));
  // The same report from a trace that is not the honest training is a miss.
  events[1].data["body"]["training"]["trains_honestly"] = false;
  EXPECT_EQ((*BuildSummary(events, "demo", 1))["tasks"][0]["missed"], true);
}

// A cheating solver that was challenged but paid all the same (every
// dispute played was lost by its challenger) escaped, and the line says
// so; one the challenge caught did not; nor does an honest one.
TEST(SummaryPol, ACheaterPaidDespiteAChallengeEscaped) {
  auto events = PolStory("corrupt-node", false);
  events[3].data["outcome"] = "challenge_rejected";
  auto paid = BuildSummary(events, "demo", 1);
  ASSERT_TRUE(paid.ok());
  EXPECT_EQ((*paid)["tasks"][0]["outcome"], "challenge_rejected");
  EXPECT_EQ((*paid)["tasks"][0]["detected"], true);
  EXPECT_EQ((*paid)["tasks"][0]["escaped"], true);
  EXPECT_THAT(HumanSummary(*paid, 1.0), ::testing::HasSubstr("detected, yet PAID"));
  events[3].data["outcome"] = "challenge_upheld";
  auto caught = BuildSummary(events, "demo", 1);
  ASSERT_TRUE(caught.ok());
  EXPECT_EQ((*caught)["tasks"][0]["escaped"], false);
  EXPECT_THAT(HumanSummary(*caught, 1.0), ::testing::Not(::testing::HasSubstr("PAID")));
  auto missed = BuildSummary(PolStory("infinitesimal", true), "demo", 1);
  EXPECT_EQ((*missed)["tasks"][0]["escaped"], true);
  auto honest = BuildSummary(PolStory("honest", true), "demo", 1);
  EXPECT_EQ((*honest)["tasks"][0]["escaped"], false);
}

// Detection is judged on the committed trace: a challenge of a trace that
// is the honest training (an attack that changed nothing, a solver that
// only stalls in disputes) is a false positive, whatever the behaviour is
// called.
TEST(SummaryPol, AChallengeOfAnHonestTraceIsAFalsePositiveWhateverTheBehaviour) {
  for (const char* behaviour : {"corrupt-node", "stall"}) {
    auto events = PolStory(behaviour, false);
    events[1].data["body"]["training"]["trains_honestly"] = true;
    auto s = BuildSummary(events, "demo", 1);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)["tasks"][0]["challenged"], true) << behaviour;
    EXPECT_EQ((*s)["tasks"][0]["detected"], false) << behaviour;
    EXPECT_EQ((*s)["tasks"][0]["false_positive"], true) << behaviour;
  }
  // Withholding the arbiter confirmed is detected, though the trace is the
  // honest training.
  auto events = PolStory("withhold", false);
  events[1].data["body"]["training"]["trains_honestly"] = true;
  events[3].data["outcome"] = "withheld";
  auto withheld = BuildSummary(events, "demo", 1);
  ASSERT_TRUE(withheld.ok());
  EXPECT_EQ((*withheld)["tasks"][0]["detected"], true);
  EXPECT_EQ((*withheld)["tasks"][0]["false_positive"], false);
  auto cheat = BuildSummary(PolStory("corrupt-node", false), "demo", 1);
  ASSERT_TRUE(cheat.ok());
  EXPECT_EQ((*cheat)["tasks"][0]["detected"], true);
  EXPECT_EQ((*cheat)["tasks"][0]["false_positive"], false);
}

// Challenges played in turn: `disputes` has every game, in order, each
// with its own notes; `dispute` is the deciding (last) one, with its notes
// alone.
TEST(SummaryPol, EveryGamePlayedIsListedAndTheLastDecides) {
  auto events = PolStory("corrupt-node", false);
  const Event settled = events[3];
  const Event shutdown = events[4];
  events.resize(3);
  auto note = [](int64_t t, const std::string& from, const std::string& what) {
    return Ev(t, "game_move",
              {{"from", from}, {"move", 1}, {"body", {{"move", 1}, {"note", what}}}});
  };
  events.push_back(Ev(21, "dispute_opened", {{"challenger", "sybil"}, {"interval", 3}}));
  events.push_back(note(22, "sybil", "first game"));
  events.push_back(Ev(23, "dispute_resolved", {{"challenger", "sybil"}, {"winner", "solver"}}));
  events.push_back(Ev(24, "dispute_opened", {{"challenger", "v"}, {"interval", 2}}));
  events.push_back(note(25, "v", "second game"));
  events.push_back(Ev(26, "dispute_resolved", {{"challenger", "v"}, {"winner", "challenger"}}));
  Event upheld = settled;
  upheld.data = {{"outcome", "challenge_upheld"},
                 {"dispute", {{"challenger", "v"}, {"winner", "challenger"}}}};
  events.push_back(upheld);
  events.push_back(shutdown);
  auto s = BuildSummary(events, "demo", 1);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& t = (*s)["tasks"][0];
  ASSERT_EQ(t["disputes"].size(), 2u);
  EXPECT_EQ(t["disputes"][0]["challenger"], "sybil");
  EXPECT_EQ(t["disputes"][0]["winner"], "solver");
  EXPECT_EQ(t["disputes"][0]["notes"][0]["note"], "first game");
  EXPECT_EQ(t["disputes"][1]["challenger"], "v");
  EXPECT_EQ(t["dispute"]["challenger"], "v");
  ASSERT_EQ(t["dispute"]["notes"].size(), 1u);
  EXPECT_EQ(t["dispute"]["notes"][0]["note"], "second game");
  EXPECT_EQ(t["escaped"], false);
}

// A ruling on checkpoint 0 (the initial state) is played in its turn as a
// game is: it is listed with the games and, played last, it decides the
// task — `dispute` is the ruling, not nothing, and `disputes` does not end
// with a game the solver won while the task was upheld.
TEST(SummaryPol, ARulingOnCheckpointZeroPlayedLastDecides) {
  auto events = PolStory("random-weights", false);
  const Event settled = events[3];
  const Event shutdown = events[4];
  events.resize(3);
  events.push_back(Ev(21, "dispute_opened", {{"challenger", "sybil"}, {"interval", 3}}));
  events.push_back(Ev(23, "dispute_resolved", {{"challenger", "sybil"}, {"winner", "solver"}}));
  events.push_back(Ev(24, "initial_state_ruling",
                      {{"challenger", "v"},
                       {"committed", "ab"},
                       {"initial_state", {{"float32", "cd"}, {"float64", "ef"}}},
                       {"upheld", true}}));
  Event upheld = settled;
  upheld.data = {{"outcome", "challenge_upheld"}, {"dispute", nlohmann::json::object()}};
  events.push_back(upheld);
  events.push_back(shutdown);
  auto s = BuildSummary(events, "demo", 1);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& t = (*s)["tasks"][0];
  ASSERT_EQ(t["disputes"].size(), 2u) << t["disputes"].dump();
  EXPECT_EQ(t["disputes"][0]["challenger"], "sybil");
  EXPECT_EQ(t["disputes"][1]["challenger"], "v");
  EXPECT_EQ(t["disputes"][1]["initial_state_ruling"], true);
  EXPECT_EQ(t["disputes"][1]["winner"], "challenger");
  ASSERT_TRUE(t["dispute"].is_object()) << t.dump();
  EXPECT_EQ(t["dispute"]["challenger"], "v");
  EXPECT_EQ(t["dispute"]["initial_state_ruling"], true);
  EXPECT_EQ(t["dispute"]["upheld"], true);
  EXPECT_EQ(t["dispute"]["winner"], "challenger");
  EXPECT_EQ(t["dispute"]["interval"], 0);

  // A rejected ruling played first is listed too; the game after it decides.
  events.resize(3);
  events.push_back(Ev(21, "initial_state_ruling",
                      {{"challenger", "sybil"}, {"committed", "ab"}, {"upheld", false}}));
  events.push_back(Ev(22, "dispute_opened", {{"challenger", "v"}, {"interval", 2}}));
  events.push_back(Ev(23, "dispute_resolved", {{"challenger", "v"}, {"winner", "challenger"}}));
  upheld.data["dispute"] = {{"challenger", "v"}, {"winner", "challenger"}};
  events.push_back(upheld);
  events.push_back(shutdown);
  auto game = BuildSummary(events, "demo", 1);
  ASSERT_TRUE(game.ok());
  const auto& g = (*game)["tasks"][0];
  ASSERT_EQ(g["disputes"].size(), 2u);
  EXPECT_EQ(g["disputes"][0]["winner"], "solver");
  EXPECT_EQ(g["disputes"][0]["upheld"], false);
  EXPECT_EQ(g["dispute"]["challenger"], "v");
  EXPECT_FALSE(g["dispute"].contains("initial_state_ruling"));
}

TEST(SummaryPol, CalibratedDeltaIsRecorded) {
  auto s = BuildSummary(
      PolStory("honest", true, {{"source", "calibrated"}, {"quantile", 0.99}}),
      "demo", 1);
  ASSERT_TRUE(s.ok());
  const auto& v = (*s)["tasks"][0]["verification"];
  EXPECT_EQ(v["delta_source"], "calibrated");
  EXPECT_EQ(v["calibration"]["quantile"], 0.99);
}

}  // namespace
}  // namespace veritrain
