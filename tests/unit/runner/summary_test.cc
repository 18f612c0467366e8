// BuildSummary / MetricsCsv: the results are derived from the event log
// alone, timing fields are kept apart, and the CSV has one row per task.
#include "scenarios/runner/summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace veritrain {
namespace {

Event Ev(int64_t t, const std::string& type, const std::string& task, nlohmann::json data) {
  Event e;
  e.time_ms = t;
  e.type = type;
  e.task = task;
  e.data = std::move(data);
  return e;
}

std::vector<Event> Story(const std::string& reason, int64_t t0, int64_t settle_after = 2500) {
  nlohmann::json spec = {{"job", {{"name", "synthetic"}}}, {"steps", 40},
                         {"checkpoint_interval", 10},      {"mode", "exact"},
                         {"solver", "s"},                  {"reward", 5}};
  nlohmann::json verdict = {{"accept", true},
                            {"disputed_interval", -1},
                            {"reason", "fine"},
                            {"steps_reexecuted", 20},
                            {"seconds", 1.5},
                            {"intervals", {{{"index", 1}, {"match", true}, {"seconds", 0.7}},
                                           {{"index", 3}, {"match", true}, {"seconds", 0.8}}}}};
  return {Ev(t0, "task_posted", "task-0001", {{"spec", spec}}),
          Ev(t0 + 10, "trace_committed", "task-0001",
             {{"body", {{"trace_root", "ab"}, {"training", {{"test_accuracy", 0.5},
                                                            {"train_seconds", 2.0}}}}}}),
          Ev(t0 + 20, "verdict", "task-0001", {{"verifier", "v"}, {"body", verdict}}),
          Ev(t0 + settle_after, "task_settled", "task-0001",
             {{"outcome", "accepted"}, {"reason", reason}, {"balances", {{"s", 5}, {"submitter", 95}}}}),
          Ev(t0 + settle_after + 100, "shutdown", "", {{"conservation", true}})};
}

TEST(Summary, DerivesTaskFiguresFromEvents) {
  auto s = BuildSummary(Story("every verifier accepted", 0), "demo", 3);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& t = (*s)["tasks"][0];
  EXPECT_EQ(t["outcome"], "accepted");
  EXPECT_EQ(t["intervals"], 4);
  EXPECT_EQ(t["intervals_verified"], 2);
  EXPECT_EQ(t["verifier_steps_reexecuted"], 20);
  EXPECT_DOUBLE_EQ(t["verifier_compute_ratio"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(t["test_accuracy"].get<double>(), 0.5);
  EXPECT_EQ(t["balances"]["s"], 5);
  EXPECT_DOUBLE_EQ(t["timings"]["time_to_resolution_s"].get<double>(), 2.5);
  EXPECT_EQ((*s)["conservation"], true);
  // Timing fields of the intervals are not in the deterministic part.
  EXPECT_FALSE(t["verifiers"][0]["intervals"][0].contains("seconds"));
}

// Two verifiers checking one interval verify it twice and cover it once;
// an interval a verifier could not check is neither.
TEST(Summary, CountsIntervalChecksAndDistinctIntervalsApart) {
  std::vector<Event> events = Story("every verifier accepted", 0);
  nlohmann::json second = events[2].data;
  second["verifier"] = "w";
  second["body"]["intervals"] = {{{"index", 3}, {"match", true}},
                                 {{"index", 2}, {"match", false}, {"checked", false}}};
  events.insert(events.begin() + 3, Ev(30, "verdict", "task-0001", second));
  auto s = BuildSummary(events, "demo", 3);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& t = (*s)["tasks"][0];
  EXPECT_EQ(t["intervals_verified"], 3);
  EXPECT_EQ(t["intervals_covered"], 2);
  EXPECT_NE(MetricsCsv(*s).find(",intervals_verified,intervals_covered,"), std::string::npos);
}

TEST(Summary, ListsEachSilentParticipantOnce) {
  std::vector<Event> events = Story("r", 0);
  EXPECT_EQ((*BuildSummary(events, "demo", 3))["silent_participants"], nlohmann::json::array());
  events.insert(events.begin() + 1, Ev(5, "participant_silent", "", {{"name", "s"}}));
  events.insert(events.begin() + 2, Ev(6, "participant_returned", "", {{"name", "s"}}));
  events.insert(events.begin() + 3, Ev(7, "participant_silent", "", {{"name", "s"}}));
  events.insert(events.begin() + 4, Ev(8, "participant_silent", "", {{"name", "v"}}));
  auto s = BuildSummary(events, "demo", 3);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)["silent_participants"], nlohmann::json::array({"s", "v"}));
  EXPECT_EQ((*s)["tasks"][0]["outcome"], "accepted");
}

TEST(Summary, OnlyTimingsDifferBetweenRunsWithDifferentClocks) {
  auto a = BuildSummary(Story("r", 0), "demo", 3);
  auto b = BuildSummary(Story("r", 99999, 7000), "demo", 3);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);  // timing figures differ...
  auto strip = [](nlohmann::json j) {
    for (auto& t : j["tasks"]) t.erase("timings");
    return j;
  };
  EXPECT_EQ(strip(*a), strip(*b));  // ...and nothing else does
}

// metrics.csv has a task's verdict as summary.json does: detected,
// false_positive, and also missed, escaped, solver_trace_honest and
// diverged, which only sweep.csv had (a multi-task run's escaped cheat
// read as neither detected nor a false positive there).
TEST(Summary, CsvHasEveryVerdictOfTheTask) {
  auto s = BuildSummary(Story("r", 0), "demo", 3);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  nlohmann::json& task = (*s)["tasks"][0];
  task["solver_trace_honest"] = false;
  task["escaped"] = true;
  const std::string csv = MetricsCsv(*s);
  const size_t eol = csv.find('\n');
  std::vector<std::string> header, row;
  std::string field;
  std::istringstream h(csv.substr(0, eol)), r(csv.substr(eol + 1, csv.find('\n', eol + 1) - eol - 1));
  while (std::getline(h, field, ',')) header.push_back(field);
  while (std::getline(r, field, ',')) row.push_back(field);
  ASSERT_EQ(header.size(), row.size()) << csv;
  for (const char* name :
       {"detected", "false_positive", "missed", "escaped", "solver_trace_honest", "diverged"}) {
    ASSERT_TRUE(task.contains(name)) << name;
    const auto at = std::find(header.begin(), header.end(), name);
    ASSERT_NE(at, header.end()) << name << "\n" << csv;
    EXPECT_EQ(row[static_cast<size_t>(at - header.begin())], task[name].dump()) << name;
  }
}

TEST(Summary, CsvHasHeaderAndOneRowPerTask) {
  auto s = BuildSummary(Story("one, \"two\"", 0), "demo", 3);
  ASSERT_TRUE(s.ok());
  std::string csv = MetricsCsv(*s);
  EXPECT_EQ(csv.rfind("task,outcome,challenged,", 0), 0u);
  EXPECT_NE(csv.find("balance.s"), std::string::npos);
  size_t lines = 0;
  for (char c : csv) lines += c == '\n';
  EXPECT_EQ(lines, 2u);
  EXPECT_NE(csv.find("task-0001,accepted,false,synthetic,40,10,4,exact,2,2,20,0.5,0.5"),
            std::string::npos)
      << csv;
}

TEST(Summary, HumanSummaryNamesOutcomeAndAccuracy) {
  auto s = BuildSummary(Story("every verifier accepted", 0), "demo", 3);
  ASSERT_TRUE(s.ok());
  std::string text = HumanSummary(*s, 12.0);
  EXPECT_NE(text.find("task-0001: accepted"), std::string::npos) << text;
  EXPECT_NE(text.find("test accuracy 0.5000"), std::string::npos) << text;
  EXPECT_NE(text.find("ledger conserved: yes"), std::string::npos) << text;
}

// A market's unserved and lost tasks are in no task's line: the summary
// says how many of the stream never ran (a market of 15 tasks that posted
// 3 printed nothing about the other 12).
TEST(Summary, HumanSummarySaysHowManyMarketTasksNeverRan) {
  auto s = BuildSummary(Story("every verifier accepted", 0), "demo", 3);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(HumanSummary(*s, 1.0).find("market:"), std::string::npos);
  (*s)["market"] = {{"tasks", {{"posted", 3}, {"unserved", 12}}}};
  std::string text = HumanSummary(*s, 1.0);
  EXPECT_NE(text.find("market: 3 of 15 task(s) posted; 12 unserved (no active solver, or fewer "
                      "active verifiers than verifiers_per_task)"),
            std::string::npos)
      << text;
  (*s)["market"]["tasks"] = {{"posted", 3}, {"unserved", 0}, {"lost", 2}};
  text = HumanSummary(*s, 1.0);
  EXPECT_NE(text.find("market: 3 of 5 task(s) posted; 2 lost (waited past max_wait)"),
            std::string::npos)
      << text;
  (*s)["market"]["tasks"] = {{"posted", 3}, {"unserved", 0}};
  EXPECT_EQ(HumanSummary(*s, 1.0).find("market:"), std::string::npos);
}

// A trace whose update norms are not finite trained no model, honest or
// not: summary.json and the report say so (an lr of 1000 was accepted
// with nothing to show it but "nan" among the norms).
TEST(Summary, ATrainingGoneToNanIsSaidToHaveDiverged) {
  std::vector<Event> events = Story("every verifier accepted", 0);
  events[1].data["body"]["update_norms"] = {1.5, 2.5, 3.0, 0.5};
  auto s = BuildSummary(events, "demo", 3);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["tasks"][0]["diverged"], false);
  EXPECT_EQ(HumanSummary(*s, 1.0).find("diverged"), std::string::npos);
  for (const char* bad : {"nan", "inf"}) {
    events[1].data["body"]["update_norms"] = {1.5, 2.5, bad, bad};
    s = BuildSummary(events, "demo", 3);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)["tasks"][0]["diverged"], true) << bad;
    EXPECT_NE(HumanSummary(*s, 1.0).find("the training diverged"), std::string::npos) << bad;
  }
}

TEST(Summary, ATaskSettledBeforeAnyTraceSaysNothingWasVerified) {
  std::vector<Event> events = Story("", 0);
  events.erase(events.begin() + 1, events.begin() + 3);  // no trace, no verdict
  events[1].data["outcome"] = "solver_timeout";
  events[1].data["reason"] = "the solver gave up before the training deadline: disk full";
  auto s = BuildSummary(events, "demo", 3);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::string text = HumanSummary(*s, 1.0);
  EXPECT_NE(text.find("no trace was committed: nothing was verified"), std::string::npos) << text;
  // No trained result: no accuracy, not an accuracy of 0.
  EXPECT_NE(text.find("40 steps of synthetic, no test accuracy;"), std::string::npos) << text;
  EXPECT_EQ(text.find("test accuracy 0.0000"), std::string::npos) << text;
  EXPECT_EQ(text.find("bit-equal"), std::string::npos) << text;
  EXPECT_NE(text.find("disk full"), std::string::npos) << text;
}

TEST(Summary, WithoutTheArbitersShutdownConservationIsNotCheckedRatherThanFailed) {
  std::vector<Event> events = Story("every verifier accepted", 0);
  ASSERT_EQ(events.back().type, "shutdown");
  events.pop_back();  // the arbiter ended without shutting down (a full disk)
  auto s = BuildSummary(events, "demo", 3);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE((*s)["arbiter_shut_down"].get<bool>());
  const std::string text = HumanSummary(*s, 12.0);
  EXPECT_NE(text.find("ledger conserved: not checked (the arbiter did not shut down)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("ledger conserved: NO"), std::string::npos) << text;
}

}  // namespace
}  // namespace veritrain
