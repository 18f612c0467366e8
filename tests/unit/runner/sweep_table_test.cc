// The sweep tables: rows from run outcomes, sweep.csv in a form any
// RFC 4180 reader (pandas.read_csv) takes as is, Wilson intervals, and the
// per-point aggregates.
#include "scenarios/sweep/sweep_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "scenarios/runner/summary.h"
#include "scenarios/sweep/task_counts.h"

namespace veritrain {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

// A small RFC 4180 reader, written for the test: quoted fields, doubled
// quotes, commas and newlines inside quotes.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty()) << "quote inside an unquoted field";
      in_quotes = quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      quoted = false;
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      quoted = false;
    } else {
      EXPECT_NE(c, '\r');
      field += c;
    }
  }
  EXPECT_FALSE(in_quotes) << "unterminated quote";
  EXPECT_TRUE(field.empty() && row.empty()) << "no newline at the end";
  (void)quoted;
  return rows;
}

// The first data row's field under column `name` of a parsed table;
// "missing" when the header has no such column.
std::string FirstRowAt(const std::vector<std::vector<std::string>>& table, const std::string& name) {
  const auto it = std::find(table[0].begin(), table[0].end(), name);
  return it == table[0].end() ? std::string("missing") : table[1][it - table[0].begin()];
}

json Summary(const std::string& outcome, bool challenged, double accuracy, int64_t solver_balance) {
  return {{"conservation", true},
          {"expectations_met", true},
          {"timings", {{"wall_seconds", 1.25}}},
          {"tasks",
           {{{"task", "task-0001"},
             {"outcome", outcome},
             {"challenged", challenged},
             {"reason", "because, \"quoted\""},
             {"test_accuracy", accuracy},
             {"steps", 40},
             {"balances", {{"solver-1", solver_balance}, {"submitter", 100 - solver_balance}}},
             {"dispute", {{"rounds", 3}, {"node", "fc2.backward"}}},
             {"verifiers",
              {{{"name", "v"},
                {"intervals",
                 {{{"index", 0}, {"distances", {{"l2", 0.5}}}, {"delta", {{"l2", 0.1}}}},
                  {{"index", 2}, {"distances", {{"l2", 2.5}}}, {"delta", {{"l2", 0.1}}}}}}}}},
             {"timings", {{"solver_train_seconds", 0.5}, {"time_to_resolution_s", 0.75}}}}}}};
}

// Each task judged as runner/summary.cc judges it, for a solver whose
// trace is (or is not) the honest training.
json Judged(json summary, bool trace_honest) {
  for (json& t : summary["tasks"]) {
    const bool challenged = t.value("challenged", false);
    const std::string outcome = t.value("outcome", std::string());
    t["solver_trace_honest"] = trace_honest;
    t["detected"] = challenged && !trace_honest;
    t["false_positive"] = challenged && trace_honest;
    t["escaped"] = !trace_honest && (outcome == "accepted" || outcome == "challenge_rejected");
  }
  return summary;
}

Scenario WithSolver(const std::string& behaviour) {
  Scenario sc;
  ParticipantSpec p;
  p.name = "solver-1";
  p.role = "solver";
  p.behaviour = behaviour;
  sc.participants.push_back(p);
  return sc;
}

SweepRun MakeRun(int64_t index, int64_t point, std::vector<json> values) {
  SweepRun r;
  r.index = index;
  r.point = point;
  r.repetition = index % 2;
  r.seed = 1000 + static_cast<uint64_t>(index);
  r.shown = values;
  r.values = std::move(values);
  return r;
}

// metrics.csv and sweep.csv name each figure the same way: every column of
// metrics.csv that has a value is a column of sweep.csv with that value.
TEST(SweepTableTest, MetricsCsvAndSweepCsvShareOneNamingScheme) {
  RunOutcome o;
  o.exit_code = kRunOk;
  o.summary = Summary("rejected", true, 0.9, 0);
  json& t = o.summary["tasks"][0];
  t["dispute"] = {{"interval", 1}, {"step", 13},          {"node", "fc2.backward"},
                  {"rounds", 3},   {"rounds_phase1", 1},  {"rounds_phase2", 2},
                  {"winner", "v"}};
  t["max_distance"] = {{"l2", 2.5}};
  t["verification"] = {{"delta", {{"l2", 0.1}}}};
  t["profit"] = {{"solver-1", -5}, {"v", 3}};
  t["jackpot"] = 7;
  t["forced_error"] = false;
  auto table = [](const std::string& csv) {
    const auto rows = ParseCsv(csv);
    std::map<std::string, std::string> out;
    if (rows.size() != 2) return out;
    for (size_t i = 0; i < rows[0].size(); ++i) out[rows[0][i]] = rows[1][i];
    return out;
  };
  const auto metrics = table(MetricsCsv(o.summary));
  const auto sweep = table(SweepCsv({}, {RowFromRun(MakeRun(0, 0, {}), WithSolver("lazy"), o)}));
  ASSERT_FALSE(metrics.empty());
  int compared = 0;
  for (const auto& [column, value] : metrics) {
    if (value.empty()) continue;
    ++compared;
    auto it = sweep.find(column);
    ASSERT_NE(it, sweep.end()) << "metrics.csv has " << column << ", sweep.csv does not";
    EXPECT_EQ(it->second, value) << column;
  }
  EXPECT_GE(compared, 20);
  for (const char* c : {"balance.solver-1", "profit.v", "dispute.node", "max_distance.l2",
                        "delta.l2", "time_to_resolution_s", "solver_train_s"}) {
    EXPECT_EQ(metrics.count(c), 1u) << c;
  }
}

// A run in which no interval was compared (only a lazy verifier drawn)
// still has the task's δ: metrics.csv had delta.l2 and the sweep's row
// did not, so grouping sweep.csv by it lost the run.
TEST(SweepTableTest, TheTasksDeltaIsInTheRowWhenNoIntervalWasCompared) {
  RunOutcome o;
  o.exit_code = kRunOk;
  o.summary = Summary("accepted", false, 0.9, 0);
  json& t = o.summary["tasks"][0];
  t["verification"] = {{"delta", {{"l2", 0.001}, {"cosine", 0.5}}}};
  for (json& v : t["verifiers"]) v["intervals"] = json::array();
  SweepRow row = RowFromRun(MakeRun(0, 0, {}), WithSolver("honest"), o);
  EXPECT_EQ(row.metrics.value("delta.l2", json()), 0.001);
  EXPECT_EQ(row.metrics.value("delta.cosine", json()), 0.5);
  EXPECT_FALSE(row.metrics.contains("max_distance.l2"));
}

TEST(SweepTableTest, RowsWrittenWithTheOldBalanceNamesReadUnderTheNewOnes) {
  json j = {{"run", 0}, {"point", 0}, {"repetition", 0}, {"seed", 1}, {"values", json::array()},
            {"metrics", {{"status", "ok"}, {"balance:solver-1", 5}}},
            {"timings", json::object()}};
  auto row = SweepRow::FromJson(j);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->metrics.value("balance.solver-1", 0), 5);
  EXPECT_FALSE(row->metrics.contains("balance:solver-1"));
}

TEST(SweepTableTest, RowFlattensTheFirstTaskAndKeepsTimingsApart) {
  RunOutcome o;
  o.exit_code = kRunOk;
  o.summary = Judged(Summary("rejected", true, 0.9, 0), false);
  SweepRow row = RowFromRun(MakeRun(3, 1, {0.01, "lazy"}), WithSolver("lazy"), o);
  EXPECT_EQ(row.metrics["status"], "ok");
  EXPECT_EQ(row.metrics["outcome"], "rejected");
  EXPECT_EQ(row.metrics["flagged"], true);
  EXPECT_EQ(row.metrics["solver_behaviour"], "lazy");
  EXPECT_EQ(row.metrics["solver_honest"], false);
  EXPECT_EQ(row.metrics["balance.solver-1"], 0);
  EXPECT_EQ(row.metrics["dispute.rounds"], 3);
  EXPECT_EQ(row.metrics["dispute.node"], "fc2.backward");
  EXPECT_EQ(row.metrics["max_distance.l2"], 2.5);
  EXPECT_EQ(row.metrics["delta.l2"], 0.1);
  EXPECT_FALSE(row.metrics.contains("verifiers"));
  EXPECT_EQ(row.timings["solver_train_s"], 0.5);
  EXPECT_EQ(row.timings["time_to_resolution_s"], 0.75);
  EXPECT_EQ(row.timings["wall_s"], 1.25);
  for (const auto& [k, v] : row.timings.items()) EXPECT_EQ(k.substr(k.size() - 2), "_s");
  auto back = SweepRow::FromJson(row.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToJson(), row.ToJson());
}

// Peak memory sits under "timings" in summary.json but is no time: it
// becomes no "_s" column (and no metric either, which must not vary).
TEST(SweepTableTest, MemoryFiguresAreNeitherTimingsNorMetrics) {
  RunOutcome o;
  o.exit_code = kRunOk;
  o.summary = Summary("accepted", false, 0.9, 500);
  o.summary["timings"]["runner_peak_rss_bytes"] = 123456789;
  o.summary["timings"]["peak_rss_bytes"] = {{"solver-1", 1000}, {"arbiter", 2000}};
  SweepRow row = RowFromRun(MakeRun(0, 0, {0.01, "honest"}), WithSolver("honest"), o);
  EXPECT_EQ(row.timings["wall_s"], 1.25);
  for (const auto& [k, v] : row.timings.items()) {
    EXPECT_EQ(k.find("rss"), std::string::npos) << k;
  }
  for (const auto& [k, v] : row.metrics.items()) {
    EXPECT_EQ(k.find("rss"), std::string::npos) << k;
  }
}

TEST(SweepTableTest, FailedRunHasItsStatusAndError) {
  RunOutcome o;
  o.exit_code = kRunTimeout;
  o.error = "the run did not finish within timeout_s = 5 s";
  SweepRow row = RowFromRun(MakeRun(0, 0, {1}), WithSolver("honest"), o);
  EXPECT_EQ(row.metrics["status"], "timeout");
  EXPECT_EQ(row.metrics["error"], o.error);
  EXPECT_FALSE(row.metrics.contains("flagged"));
}

TEST(SweepTableTest, CsvIsRectangularQuotedAndInRunOrder) {
  std::vector<SweepRow> rows;
  for (int64_t i = 3; i >= 0; --i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = Summary(i % 2 ? "accepted" : "rejected", i % 2 == 0, 0.5 + 0.1 * i, 10);
    rows.push_back(RowFromRun(MakeRun(i, i / 2, {i / 2 == 0 ? 0.01 : 0.1, "a,b"}),
                              WithSolver(i / 2 ? "honest" : "lazy"), o));
  }
  const std::string csv = SweepCsv({"delta", "label"}, rows);
  const auto table = ParseCsv(csv);
  ASSERT_EQ(table.size(), 5u);
  const auto& header = table[0];
  std::set<std::string> unique(header.begin(), header.end());
  EXPECT_EQ(unique.size(), header.size()) << "duplicate column names";
  EXPECT_EQ(std::vector<std::string>(header.begin(), header.begin() + 7),
            (std::vector<std::string>{"run", "point", "repetition", "seed", "delta", "label",
                                      "status"}));
  for (size_t i = 1; i < table.size(); ++i) {
    EXPECT_EQ(table[i].size(), header.size());
    EXPECT_EQ(table[i][0], std::to_string(i - 1));  // sorted by run
    EXPECT_EQ(table[i][5], "a,b");
  }
  // Timing columns come last.
  bool in_timings = false;
  for (const auto& h : header) {
    const bool timing = h.size() > 2 && h.substr(h.size() - 2) == "_s";
    if (in_timings) {
      EXPECT_TRUE(timing) << h << " after a timing column";
    }
    in_timings = in_timings || timing;
  }
  auto col = [&](const std::string& name) {
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  EXPECT_EQ(table[1][col("reason")], "because, \"quoted\"");
  EXPECT_EQ(table[1][col("flagged")], "true");
  EXPECT_EQ(table[2][col("flagged")], "false");
  EXPECT_EQ(table[1][col("test_accuracy")], "0.5");
}

TEST(SweepTableTest, CsvIsTheSameHoweverTheRowsWereSplit) {
  std::vector<SweepRow> all, odd, even;
  for (int64_t i = 0; i < 6; ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = Summary("accepted", false, 0.1 * i, i);
    SweepRow r = RowFromRun(MakeRun(i, i / 2, {i / 2}), WithSolver("honest"), o);
    all.push_back(r);
    (i % 2 ? odd : even).push_back(r);
  }
  std::vector<SweepRow> merged = odd;
  merged.insert(merged.end(), even.begin(), even.end());
  EXPECT_EQ(SweepCsv({"p"}, merged), SweepCsv({"p"}, all));
}

TEST(SweepTableTest, WilsonIntervalsMatchNewcombe1998) {
  // Newcombe, "Two-sided confidence intervals for the single proportion",
  // Statistics in Medicine 17 (1998), table I, method 3 (Wilson score).
  struct Case {
    int64_t k, n;
    double low, high;
  } cases[] = {{81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605},
               {0, 20, 0.0000, 0.1611},   {1, 29, 0.0061, 0.1718}};
  for (const auto& c : cases) {
    RateInterval r = WilsonInterval(c.k, c.n);
    EXPECT_NEAR(r.low, c.low, 5e-5) << c.k << "/" << c.n;
    EXPECT_NEAR(r.high, c.high, 5e-5) << c.k << "/" << c.n;
    EXPECT_DOUBLE_EQ(r.rate, static_cast<double>(c.k) / static_cast<double>(c.n));
  }
  RateInterval all = WilsonInterval(10, 10);
  EXPECT_EQ(all.high, 1.0);
  RateInterval none = WilsonInterval(0, 0);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
}

// A challenge the solver won leaves its result accepted and paid: the
// point's rejected rate counts the tasks that did not pay their solver,
// not every outcome other than "accepted".
TEST(SweepTableTest, RejectedCountsTasksThatDidNotPayTheSolver) {
  std::vector<SweepRow> rows;
  const std::vector<std::string> outcomes = {"accepted", "challenge_rejected", "challenge_upheld",
                                             "withheld", "unverified", "solver_timeout"};
  for (size_t i = 0; i < outcomes.size(); ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = Summary(outcomes[i], i > 0, 0.5, 1);
    rows.push_back(RowFromRun(MakeRun(static_cast<int64_t>(i), 0, {"x"}), WithSolver("lazy"), o));
  }
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].completed, 6);
  EXPECT_EQ(points[0].rejected, 4);
  EXPECT_DOUBLE_EQ(points[0].rejected_rate.rate, 4.0 / 6.0);
}

// An infinite distance is the largest in a sweep's row too, and makes the
// point's mean infinite: skipping it showed a caught cheat under δ.
TEST(SweepTableTest, AnInfiniteDistanceIsTheLargestAndItsMeanIsInfinite) {
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 2; ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = Summary("challenge_upheld", true, 0.5, 1);
    json& interval = o.summary["tasks"][0]["verifiers"][0]["intervals"][1];
    if (i == 1) interval["distances"]["l2"] = "inf";
    o.summary["tasks"][0].erase("max_distance");
    rows.push_back(RowFromRun(MakeRun(i, 0, {"x"}), WithSolver("lazy"), o));
  }
  EXPECT_EQ(rows[0].metrics["max_distance.l2"], 2.5);
  EXPECT_EQ(rows[1].metrics["max_distance.l2"], "inf");
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].means["max_distance.l2"], "inf");
  EXPECT_NE(AggregatesCsv({}, points).find("inf"), std::string::npos);
}

// A cheating solver that timed out before its commitment has no trace
// (no proof, no solver_trace_honest): it was counted an honest task, so a lazy
// point showed solver_honest true, honest_tasks 3 and a false-positive
// rate of 0. It is now neither honest nor cheating.
TEST(SweepTableTest, ATaskWithoutATraceIsNeitherHonestNorCheating) {
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 4; ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = Summary("solver_timeout", false, 0.0, 0);
    // As the run writes it: no proof, so neither field (one run says null).
    json& task = o.summary["tasks"][0];
    task.erase("final_state_hash");
    task.erase("solver_trace_honest");
    if (i == 1) task["solver_trace_honest"] = nullptr;
    if (i == 3) o.summary = Judged(Summary("rejected", true, 0.5, 0), false);  // one traced cheat
    rows.push_back(RowFromRun(MakeRun(i, 0, {"lazy"}), WithSolver("lazy"), o));
  }
  EXPECT_TRUE(rows[0].metrics.at("solver_honest").is_null());
  EXPECT_EQ(rows[0].metrics.value("tasks.untraced", -1), 1);
  EXPECT_EQ(rows[0].metrics.value("tasks.honest", -1), 0);
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].tasks, 4);
  EXPECT_EQ(points[0].untraced_tasks, 3);
  EXPECT_EQ(points[0].honest_tasks, 0);
  EXPECT_EQ(points[0].solver_honest, false);  // the one traced task cheated
  EXPECT_DOUBLE_EQ(points[0].detection_rate.rate, 1.0);  // 1 of the 1 traced cheat
  const auto table = ParseCsv(AggregatesCsv({"behaviour"}, points));
  ASSERT_EQ(table.size(), 2u);
  const auto column = [&](const std::string& name) { return FirstRowAt(table, name); };
  EXPECT_EQ(column("untraced_tasks"), "3");
  EXPECT_EQ(column("false_positive_rate"), "");
  EXPECT_EQ(column("detection_rate"), "1.0");
}

// A run of two tasks whose training diverged (accepted, honest: no model)
// and one of a missed cheat: sweep.csv and aggregates.csv count them. A
// multi-task row has no task's own fields, so nothing in the tables said so.
TEST(SweepTableTest, DivergedAndMissedTasksAreCounted) {
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 2; ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = Summary("accepted", false, 0.0, 0);
    json task = o.summary["tasks"][0];
    task["diverged"] = i == 0;
    task["missed"] = false;
    json other = task;
    other["diverged"] = true;
    if (i == 1) other["missed"] = true;
    o.summary["tasks"] = {task, other};
    rows.push_back(RowFromRun(MakeRun(i, 0, {"lr"}), WithSolver("honest"), o));
  }
  EXPECT_EQ(rows[0].metrics.value("tasks.diverged", -1), 2);
  EXPECT_EQ(rows[1].metrics.value("tasks.diverged", -1), 1);
  EXPECT_EQ(rows[1].metrics.value("tasks.missed", -1), 1);
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].diverged_tasks, 3);
  EXPECT_EQ(points[0].missed, 1);
  const auto table = ParseCsv(AggregatesCsv({"lr"}, points));
  ASSERT_EQ(table.size(), 2u);
  const auto column = [&](const std::string& name) { return FirstRowAt(table, name); };
  EXPECT_EQ(column("diverged_tasks"), "3");
  EXPECT_EQ(column("missed"), "1");
}

TEST(SweepTableTest, AggregatesNameTheRateByTheSolver) {
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 8; ++i) {
    const bool honest = i < 4;
    RunOutcome o;
    o.exit_code = kRunOk;
    // Honest: 1 of 4 flagged; lazy: 3 of 4 flagged.
    const bool flagged = honest ? i == 0 : i != 4;
    o.summary = Judged(Summary(flagged ? "rejected" : "accepted", flagged, 0.5, 1), honest);
    rows.push_back(RowFromRun(MakeRun(i, honest ? 0 : 1, {honest ? "honest" : "lazy"}),
                              WithSolver(honest ? "honest" : "lazy"), o));
  }
  RunOutcome failed;
  failed.exit_code = kRunFailed;
  rows.push_back(RowFromRun(MakeRun(8, 1, {"lazy"}), WithSolver("lazy"), failed));
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].flagged, 1);
  EXPECT_EQ(points[0].completed, 4);
  EXPECT_EQ(points[0].solver_honest, true);
  EXPECT_EQ(points[1].flagged, 3);
  EXPECT_EQ(points[1].runs, 5);
  EXPECT_EQ(points[1].completed, 4);
  EXPECT_EQ(points[1].solver_honest, false);
  EXPECT_DOUBLE_EQ(points[1].flagged_rate.rate, 0.75);
  const auto table = ParseCsv(AggregatesCsv({"behaviour"}, points));
  ASSERT_EQ(table.size(), 3u);
  const auto& h = table[0];
  auto col = [&](const std::string& name) {
    auto it = std::find(h.begin(), h.end(), name);
    EXPECT_NE(it, h.end()) << name;
    return it - h.begin();
  };
  EXPECT_EQ(table[1][col("false_positive_rate")], "0.25");
  EXPECT_EQ(table[1][col("detection_rate")], "");
  EXPECT_EQ(table[2][col("detection_rate")], "0.75");
  EXPECT_EQ(table[2][col("false_positive_rate")], "");
  EXPECT_EQ(table[2][col("failed")], "1");
  EXPECT_EQ(table[1][col("mean.test_accuracy")], "0.5");
}

// A market run's row carries the market's figures (not each participant's),
// and a point's aggregate gives each of them a 95 % interval over the
// repetitions.
json MarketSummary(double lazy_share, int64_t switches) {
  json s = Summary("accepted", false, 0.5, 1);
  s["market"] = {
      {"assignment", "random"},
      {"tasks", {{"posted", 10}, {"unserved", 0}}},
      {"initial", {{"shares", {{"verifier", {{"honest", 0.8}, {"lazy-approve", 0.2}}}}},
                   {"active", {{"verifier", 10}}}}},
      {"final", {{"shares", {{"verifier", {{"honest", 1 - lazy_share},
                                            {"lazy-approve", lazy_share}}}}},
                 {"active", {{"verifier", 10}}}}},
      {"switches", switches},
      {"jackpot", {{"initial", 100}, {"final", 80}}},
      {"participants", {{"v-01", {{"balance", 5}, {"profit", 3}}}}}};
  return s;
}

TEST(SweepTableTest, AMarketRunsRowHasTheMarketsFiguresButNotEachParticipants) {
  RunOutcome o;
  o.exit_code = kRunOk;
  o.summary = MarketSummary(0.3, 4);
  SweepRow row = RowFromRun(MakeRun(0, 0, {0.1}), WithSolver("honest"), o);
  EXPECT_EQ(row.metrics["market.final.shares.verifier.lazy-approve"], 0.3);
  EXPECT_EQ(row.metrics["market.initial.shares.verifier.lazy-approve"], 0.2);
  EXPECT_EQ(row.metrics["market.switches"], 4);
  EXPECT_EQ(row.metrics["market.tasks.posted"], 10);
  EXPECT_EQ(row.metrics["market.jackpot.final"], 80);
  for (const auto& [k, v] : row.metrics.items()) {
    EXPECT_EQ(k.find("participants"), std::string::npos) << k;
  }
}

TEST(SweepTableTest, MarketMetricsGetA95PercentIntervalPerPoint) {
  EXPECT_NEAR(StudentT975(1), 12.706, 1e-3);
  EXPECT_NEAR(StudentT975(9), 2.262, 1e-3);
  EXPECT_NEAR(StudentT975(60), 2.000, 3e-3);
  EXPECT_NEAR(StudentT975(1000), 1.962, 3e-3);
  // mean 2, sd 1, n 3: 2 ± 4.303 / sqrt(3).
  const MeanInterval m = MeanIntervalOf({1, 2, 3});
  ASSERT_TRUE(m.has_interval);
  EXPECT_DOUBLE_EQ(m.mean, 2);
  EXPECT_NEAR(m.low, 2 - 4.303 / std::sqrt(3.0), 1e-9);
  EXPECT_NEAR(m.high, 2 + 4.303 / std::sqrt(3.0), 1e-9);
  EXPECT_FALSE(MeanIntervalOf({0.5}).has_interval);

  std::vector<SweepRow> rows;
  const double shares[] = {0.1, 0.2, 0.3, 0.9, 0.9, 0.9};
  for (int64_t i = 0; i < 6; ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = MarketSummary(shares[i], i);
    rows.push_back(RowFromRun(MakeRun(i, i / 3, {i < 3 ? 0.3 : 0.0}), WithSolver("honest"), o));
  }
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 2u);
  const std::string lazy = "market.final.shares.verifier.lazy-approve";
  ASSERT_EQ(points[0].intervals.count(lazy), 1u);
  const MeanInterval& a = points[0].intervals.at(lazy);
  EXPECT_NEAR(a.mean, 0.2, 1e-12);
  // sd 0.1: 0.2 ± 0.248, clipped at 0 (a share).
  EXPECT_EQ(a.low, 0.0);
  EXPECT_NEAR(a.high, 0.2 + 4.303 * 0.1 / std::sqrt(3.0), 1e-9);
  const MeanInterval& b = points[1].intervals.at(lazy);
  EXPECT_NEAR(b.low, 0.9, 1e-12);
  EXPECT_NEAR(b.high, 0.9, 1e-12);
  // Only the market's figures get intervals.
  EXPECT_EQ(points[0].intervals.count("test_accuracy"), 0u);
  const auto table = ParseCsv(AggregatesCsv({"forced_error_rate"}, points));
  ASSERT_EQ(table.size(), 3u);
  const auto& h = table[0];
  auto col = [&](const std::string& name) {
    auto it = std::find(h.begin(), h.end(), name);
    EXPECT_NE(it, h.end()) << name;
    return it - h.begin();
  };
  EXPECT_NEAR(std::stod(table[1][col("mean." + lazy)]), 0.2, 1e-12);
  EXPECT_EQ(std::stod(table[1][col("ci_low." + lazy)]), 0.0);
  EXPECT_NEAR(std::stod(table[1][col("ci_high." + lazy)]), a.high, 1e-9);
  EXPECT_NEAR(std::stod(table[2][col("ci_low.market.switches")]),
              4 - 4.303 / std::sqrt(3.0), 1e-9);
}

// A run that exits with an error is no result, even with a summary: the
// arbiter refused its second task, so it ran one of three.
TEST(SweepTableTest, ARunThatFailedAfterWritingItsSummaryIsFailed) {
  RunOutcome stopped;
  stopped.exit_code = kRunFailed;
  stopped.error = "the arbiter refused task 2 of 3: cannot escrow the reward";
  stopped.summary = Judged(Summary("challenge_upheld", true, 0.5, 1), false);
  stopped.summary["stopped_early"] = {{"reason", stopped.error}, {"tasks_planned", 3}};
  SweepRow row = RowFromRun(MakeRun(0, 0, {"x"}), WithSolver("lazy"), stopped);
  EXPECT_EQ(row.metrics["status"], "failed");
  EXPECT_EQ(row.metrics["error"], stopped.error);
  EXPECT_EQ(row.metrics["stopped_early"], stopped.error);
  // Unmet expectations alone leave the run a result.
  RunOutcome unmet;
  unmet.exit_code = kRunFailed;
  unmet.failed_expectations_only = true;
  unmet.summary = Judged(Summary("accepted", false, 0.5, 1), false);
  SweepRow kept = RowFromRun(MakeRun(1, 0, {"x"}), WithSolver("lazy"), unmet);
  EXPECT_EQ(kept.metrics["status"], "ok");
  auto points = Aggregate({row, kept});
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].runs, 2);
  EXPECT_EQ(points[0].completed, 1);
  EXPECT_EQ(points[0].tasks, 1);
  EXPECT_EQ(points[0].detected, 0);
  const auto table = ParseCsv(AggregatesCsv({"behaviour"}, points));
  const auto& h = table[0];
  EXPECT_EQ(table[1][std::find(h.begin(), h.end(), "failed") - h.begin()], "1");
}

// Five tasks a run: every task counts, judged by its own entry; the row
// has no one task's fields, and the run's profit under run.profit.
TEST(SweepTableTest, EveryTaskOfARunIsCounted) {
  json summary = Summary("accepted", false, 0.5, 1);
  json task = summary["tasks"][0];
  summary["tasks"] = json::array();
  for (const char* outcome : {"accepted", "challenge_upheld", "accepted", "accepted",
                              "challenge_upheld"}) {
    task["outcome"] = outcome;
    task["challenged"] = std::string(outcome) != "accepted";
    summary["tasks"].push_back(task);
  }
  summary = Judged(summary, false);
  summary["outcomes"] = {{"accepted", 3}, {"challenge_upheld", 2}};
  summary["profit"] = {{"solver-1", 1100}};
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 2; ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = summary;
    rows.push_back(RowFromRun(MakeRun(i, 0, {"x"}), WithSolver("lazy"), o));
  }
  const json& m = rows[0].metrics;
  EXPECT_EQ(m["tasks"], 5);
  EXPECT_EQ(m["tasks.flagged"], 2);
  EXPECT_EQ(m["tasks.detected"], 2);
  EXPECT_EQ(m["tasks.escaped"], 3);
  EXPECT_EQ(m["tasks.rejected"], 2);
  EXPECT_EQ(m["outcomes.challenge_upheld"], 2);
  EXPECT_EQ(m["run.profit.solver-1"], 1100);
  EXPECT_FALSE(m.contains("outcome"));
  EXPECT_FALSE(m.contains("flagged"));
  EXPECT_FALSE(m.contains("profit.solver-1"));
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].tasks, 10);
  EXPECT_EQ(points[0].detected, 4);
  EXPECT_DOUBLE_EQ(points[0].detection_rate.rate, 0.4);
  EXPECT_DOUBLE_EQ(points[0].escaped_rate.rate, 0.6);
  EXPECT_DOUBLE_EQ(points[0].rejected_rate.rate, 0.4);
  EXPECT_DOUBLE_EQ(points[0].flagged_rate.rate, 0.4);
  // A task left unsettled, whichever it is, makes the run unsettled.
  RunOutcome o;
  o.exit_code = kRunOk;
  o.summary = summary;
  o.summary["tasks"][3]["outcome"] = "unsettled";
  EXPECT_EQ(RowFromRun(MakeRun(2, 0, {"x"}), WithSolver("lazy"), o).metrics["status"],
            "unsettled");
}

// A cheat challenged only by a challenge its challenger lost
// (challenge_rejected: a false or mis-aimed challenge) is "detected" in
// summary.json and "escaped" too: it was paid. The detection rate counts
// the cheats caught (detected and not paid), so that with the escaped rate
// it adds up to at most 1.
TEST(SweepTableTest, ACheatChallengedYetPaidIsEscapedNotDetected) {
  json summary = Summary("accepted", false, 0.5, 1);
  json task = summary["tasks"][0];
  summary["tasks"] = json::array();
  // Upheld (caught), rejected twice (detected and escaped), accepted
  // unchallenged (escaped), unverified (neither).
  for (const char* outcome : {"challenge_upheld", "challenge_rejected", "challenge_rejected",
                              "accepted", "unverified"}) {
    task["outcome"] = outcome;
    task["challenged"] = std::string(outcome).rfind("challenge_", 0) == 0;
    summary["tasks"].push_back(task);
  }
  summary = Judged(summary, false);
  ASSERT_EQ(summary["tasks"][1]["detected"], true);
  ASSERT_EQ(summary["tasks"][1]["escaped"], true);
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 2; ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = summary;
    rows.push_back(RowFromRun(MakeRun(i, 0, {"lazy"}), WithSolver("lazy"), o));
  }
  const json& m = rows[0].metrics;
  EXPECT_EQ(m["tasks.detected"], 3);
  EXPECT_EQ(m["tasks.caught"], 1);
  EXPECT_EQ(m["tasks.escaped"], 3);
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 1u);
  const PointAggregate& a = points[0];
  EXPECT_EQ(a.tasks, 10);
  EXPECT_EQ(a.detected, 6);
  EXPECT_EQ(a.caught, 2);
  EXPECT_EQ(a.escaped, 6);
  EXPECT_DOUBLE_EQ(a.detection_rate.rate, 0.2);
  EXPECT_DOUBLE_EQ(a.escaped_rate.rate, 0.6);
  EXPECT_LE(a.detection_rate.rate + a.escaped_rate.rate, 1.0);
  const auto table = ParseCsv(AggregatesCsv({"behaviour"}, points));
  ASSERT_EQ(table.size(), 2u);
  const auto& h = table[0];
  auto cell = [&](const std::string& name) {
    auto it = std::find(h.begin(), h.end(), name);
    EXPECT_NE(it, h.end()) << name;
    return it == h.end() ? std::string() : table[1][it - h.begin()];
  };
  EXPECT_EQ(cell("detection_rate"), "0.2");
  EXPECT_EQ(cell("escaped_rate"), "0.6");
  EXPECT_EQ(cell("detected"), "6");
  EXPECT_EQ(cell("caught"), "2");
}

// Rows written before rows counted caught tasks: a run of one task is
// exact (a challenged cheat that was paid is not caught), a run of many
// counts the fewest caught its counts allow.
TEST(SweepTableTest, RowsWithoutACaughtCountNeverOverstateDetection) {
  const json one_task_paid = {{"status", "ok"}, {"tasks", 1}, {"tasks.detected", 1},
                              {"tasks.escaped", 1}};
  EXPECT_EQ(TaskCountsOfRow(one_task_paid).caught, 0);
  const json one_task_upheld = {{"status", "ok"}, {"tasks", 1}, {"tasks.detected", 1},
                                {"tasks.escaped", 0}};
  EXPECT_EQ(TaskCountsOfRow(one_task_upheld).caught, 1);
  const json many = {{"status", "ok"}, {"tasks", 5}, {"tasks.detected", 3},
                     {"tasks.escaped", 2}};
  EXPECT_EQ(TaskCountsOfRow(many).caught, 1);
  // Older still: one task, read from its own flags.
  const json oldest_paid = {{"status", "ok"}, {"flagged", true}, {"solver_honest", false},
                            {"outcome", "challenge_rejected"}};
  EXPECT_EQ(TaskCountsOfRow(oldest_paid).detected, 1);
  EXPECT_EQ(TaskCountsOfRow(oldest_paid).caught, 0);
  const json oldest_upheld = {{"status", "ok"}, {"flagged", true}, {"solver_honest", false},
                              {"outcome", "challenge_upheld"}};
  EXPECT_EQ(TaskCountsOfRow(oldest_upheld).caught, 1);
}

// A stall solver trains honestly: summary.json calls a challenge of it a
// false positive, and so do the aggregates, whatever the behaviour's name.
TEST(SweepTableTest, HonestyIsTheSummarysNotTheBehavioursName) {
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 2; ++i) {
    RunOutcome o;
    o.exit_code = kRunOk;
    o.summary = Judged(Summary("challenge_rejected", true, 0.5, 1), true);
    rows.push_back(RowFromRun(MakeRun(i, 0, {"stall"}), WithSolver("stall"), o));
  }
  EXPECT_EQ(rows[0].metrics["solver_honest"], true);
  EXPECT_EQ(rows[0].metrics["solver_behaviour"], "stall");
  auto points = Aggregate(rows);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].solver_honest, true);
  EXPECT_EQ(points[0].false_positives, 2);
  const auto table = ParseCsv(AggregatesCsv({"behaviour"}, points));
  const auto& h = table[0];
  auto cell = [&](const std::string& name) {
    auto it = std::find(h.begin(), h.end(), name);
    EXPECT_NE(it, h.end()) << name;
    return table[1][it - h.begin()];
  };
  EXPECT_EQ(cell("solver_honest"), "true");
  EXPECT_EQ(cell("false_positive_rate"), "1.0");
  EXPECT_EQ(cell("detection_rate"), "");
  // Header names are unique.
  std::set<std::string> names(h.begin(), h.end());
  EXPECT_EQ(names.size(), h.size());
}

}  // namespace
}  // namespace veritrain
