// Markets end to end (docs/market.md): a market of adaptive, cheating and
// whistleblowing participants with a job mix, run with the veritrain
// command. The same seed gives the same summary.json and market tables
// (timings aside) in both execution modes, another seed another market;
// markets beyond the presets (seeds, assignment rules, pool sizes) run with
// their ledger and market audited; a tampered market table fails the audit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <set>
#include <tuple>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using test_support::CommandResult;
using test_support::RunVeritrain;

std::string ReadFile(const std::string& path) { return test_support::ReadWholeFile(path); }

// summary.json without what depends on timing (every "timings" object, the
// network counters).
json WithoutTimings(const std::string& path) {
  std::function<void(json&)> strip = [&](json& j) {
    if (j.is_object()) {
      j.erase("timings");
      j.erase("network");
      for (auto& [k, v] : j.items()) strip(v);
    } else if (j.is_array()) {
      for (auto& v : j) strip(v);
    }
  };
  json j = json::parse(ReadFile(path));
  strip(j);
  // The ledger's hash chain records transfers in the order the arbiter
  // made them: two challengers lock their challenge stakes in the order
  // their verdicts arrive, which the seed does not fix. Every balance and
  // amount is compared.
  if (j.contains("ledger_audit")) j["ledger_audit"].erase("head");
  return j;
}

json Market(uint64_t seed, const std::string& assignment, int64_t honest_verifiers) {
  return {
      {"format", "veritrain-scenario/1"},
      {"name", "market-test"},
      {"seed", seed},
      {"tasks", 14},
      {"job",
       {{"name", "synthetic"},
        {"steps", 60},
        {"batch_size", 16},
        {"params", {{"optimizer", {{"name", "sgd"}, {"lr", 0.05}}}}}}},
      {"protocol",
       {{"checkpoint_interval", 20},
        {"top_q", 1},
        {"random_samples", 1},
        {"deadlines", {{"training_s", 120}, {"verification_s", 120}}}}},
      {"economics",
       {{"reward", 300},
        {"submitter_funds", 20000},
        {"participant_funds", 2000},
        {"jackpot_initial", 400},
        {"verifier_fee", 30},
        {"solver_stake", 400},
        {"verifier_stake", 100},
        {"challenge_stake", 20},
        {"slash_split", {{"winner_bps", 5000}, {"jackpot_bps", 5000}, {"burn_bps", 0}}},
        {"jackpot_tax_bps", 500},
        {"forced_error_rate", 0.25},
        {"whistleblower_reward", 100},
        {"slash_lazy", true},
        {"verifiers_per_task", 2},
        {"compute_cost_per_step", 1}}},
      {"market",
       {{"assignment", assignment},
        {"jobs", {{{"weight", 2}, {"steps", 40}}, {{"weight", 1}, {"steps", 60}, {"reward", 500}}}},
        {"solvers",
         {{{"name", "s"}, {"count", 2}, {"adapt", {{"to", "lazy"}, {"window", 4}}}},
          {{"name", "cheat"}, {"behaviour", "lazy"}, {"params", {{"fraction", 0.5}}},
           {"funds", 900}}}},
        {"verifiers",
         {{{"name", "v"},
           {"count", honest_verifiers},
           {"adapt", {{"to", "lazy-approve"}, {"window", 4}}}},
          {{"name", "lazy"}, {"count", 2}, {"behaviour", "lazy-approve"},
           {"adapt", {{"to", "honest"}, {"window", 4}}}},
          {{"name", "wb"}, {"whistleblower", {{"join_below", 2}, {"leave_above", 150}}}}}}}},
      {"execution", {{"mode", "in-process"}}},
      {"timeout_s", 300},
      {"expect", {{{"path", "/conservation"}, {"equals", true}},
                  {{"path", "/ledger_audit/ok"}, {"equals", true}},
                  {{"path", "/market/tasks/posted"}, {"min", 1}}}}};
}

class MarketTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test_support::MakeTestDir("vt-market"); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const json& j) {
    const std::string path = dir_ + "/" + name + ".json";
    std::ofstream(path) << j.dump(2);
    return path;
  }
  std::string dir_;
};

TEST_F(MarketTest, SameSeedSameResultsInBothModesAnotherSeedAnotherMarket) {
  const std::string file = Write("m", Market(3, "stake", 3));
  std::vector<std::string> outs;
  for (const std::string mode : {"in-process", "in-process", "process"}) {
    const std::string out = dir_ + "/run-" + std::to_string(outs.size());
    CommandResult r = RunVeritrain({"run", file, "--mode", mode, "--out", out}, dir_);
    ASSERT_EQ(r.exit_code, 0) << mode << "\n" << r.out << r.err;
    outs.push_back(out);
  }
  const json first = WithoutTimings(outs[0] + "/summary.json");
  ASSERT_TRUE(first.contains("market"));
  for (size_t i = 1; i < outs.size(); ++i) {
    EXPECT_EQ(WithoutTimings(outs[i] + "/summary.json"), first) << outs[i];
    for (const char* table : {"/market.csv", "/market_tasks.csv"}) {
      EXPECT_EQ(ReadFile(outs[i] + table), ReadFile(outs[0] + table)) << outs[i] << table;
    }
  }
  // Each entry's funds at genesis: the arbiter minted cheat-1 its own.
  std::map<std::string, int64_t> minted;
  std::istringstream events(ReadFile(outs[0] + "/events.jsonl"));
  for (std::string line; std::getline(events, line);) {
    const json e = json::parse(line);
    if (e["type"] == "transfer" && e["data"]["reason"] == "genesis") {
      minted[e["data"]["to"].get<std::string>()] = e["data"]["amount"].get<int64_t>();
    }
  }
  EXPECT_EQ(minted["cheat-1"], 900);
  EXPECT_EQ(minted["v-1"], 2000);
  EXPECT_EQ(minted["wb-1"], 2000);
  // The job mix reached the tasks: both variants ran.
  std::set<int64_t> steps;
  for (const auto& t : first["tasks"]) steps.insert(t["steps"].get<int64_t>());
  EXPECT_EQ(steps, (std::set<int64_t>{40, 60}));
  // The comparison can fail: another seed makes another market.
  const std::string other = Write("m-other", Market(4, "stake", 3));
  CommandResult r = RunVeritrain({"run", other, "--out", dir_ + "/other"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(WithoutTimings(dir_ + "/other/summary.json")["market"], first["market"]);
}

TEST_F(MarketTest, MarketsBeyondThePresetsAreAuditedAndConserved) {
  int index = 0;
  for (const auto& [seed, assignment, honest] :
       std::vector<std::tuple<uint64_t, std::string, int64_t>>{
           {21, "random", 1}, {22, "reputation", 5}, {23, "stake", 2}}) {
    const std::string out = dir_ + "/beyond-" + std::to_string(index);
    const std::string file = Write("beyond-" + std::to_string(index++), Market(seed, assignment, honest));
    CommandResult r = RunVeritrain({"run", file, "--out", out}, dir_);
    ASSERT_EQ(r.exit_code, 0) << assignment << "\n" << r.out << r.err;
    const json s = json::parse(ReadFile(out + "/summary.json"));
    const json& m = s["market"];
    EXPECT_EQ(m["assignment"], assignment);
    EXPECT_EQ(m["tasks"]["posted"].get<int64_t>() + m["tasks"]["unserved"].get<int64_t>(), 14);
    // Every participant's market profit is the summary's (the run checks
    // it too).
    for (const auto& [name, p] : m["participants"].items()) {
      EXPECT_EQ(p["profit"], s["profit"][name]) << name;
    }
    EXPECT_EQ(m["participants"].size(), static_cast<size_t>(3 + honest + 3));
    CommandResult audit = RunVeritrain({"audit", out}, dir_);
    EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
    EXPECT_NE(audit.out.find("market_tasks.csv: identical"), std::string::npos) << audit.out;
  }
}

// In-process, every participant's sockets are one ZeroMQ context's: a pool
// of 300 ran out of its default 1023 sockets and the run aborted (exit
// 134). It runs, in-process, and audits clean.
TEST_F(MarketTest, AMarketOfHundredsRunsInProcess) {
  json j = Market(31, "random", 1);
  j["tasks"] = 2;
  j["market"]["solvers"] = {{{"name", "s"}, {"count", 300}}};
  j["execution"] = {{"mode", "in-process"}};
  const std::string out = dir_ + "/hundreds";
  CommandResult r = RunVeritrain({"run", Write("hundreds", j), "--out", out}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json manifest = json::parse(ReadFile(out + "/manifest.json"));
  EXPECT_EQ(manifest["execution"]["mode"], "in-process") << manifest["execution"].dump();
  EXPECT_EQ(RunVeritrain({"audit", out}, dir_).exit_code, 0);
}

// On the market clock (docs/market.md, "The market clock"): a rate well
// beyond what the pool serves, with adaptive, cheating and whistleblowing
// participants and forced errors, so that the market's rules act in the
// order tasks end. The same seed gives the same summary.json and tables in
// both execution modes;
// the replay from the log agrees with the book that ran (the run checks
// it) and the audit rebuilds the tables.
TEST_F(MarketTest, OnTheMarketClockSameSeedSameResultsAndTheAuditAgrees) {
  json m = Market(6, "random", 3);
  m["market"]["arrival_rate"] = 5;
  m["market"]["service"] = "exponential";
  m["market"]["service_time"] = 1;
  m["market"]["jobs"][1]["service_time"] = 2;
  const std::string file = Write("clock", m);
  std::vector<std::string> outs;
  // The clock is the market's, not the roles': threads or processes, the
  // same schedule.
  for (const std::string mode : {"in-process", "process"}) {
    const std::string out = dir_ + "/clock-" + mode;
    CommandResult r = RunVeritrain({"run", file, "--mode", mode, "--out", out}, dir_);
    ASSERT_EQ(r.exit_code, 0) << mode << "\n" << r.out << r.err;
    outs.push_back(out);
  }
  const json first = WithoutTimings(outs[0] + "/summary.json");
  EXPECT_EQ(WithoutTimings(outs[1] + "/summary.json"), first);
  for (const char* table : {"/market.csv", "/market_tasks.csv"}) {
    EXPECT_EQ(ReadFile(outs[1] + table), ReadFile(outs[0] + table)) << table;
  }
  const json& clock = first["market"]["clock"];
  EXPECT_EQ(clock["arrived"].get<int64_t>(), 14);
  EXPECT_EQ(clock["started"].get<int64_t>() + clock["lost"].get<int64_t>() +
                clock["unserved"].get<int64_t>(),
            14);
  EXPECT_GT(clock["in_flight"]["max"].get<int64_t>(), 1) << clock.dump();
  EXPECT_GT(clock["queue"]["max"].get<int64_t>(), 0) << clock.dump();
  EXPECT_NE(ReadFile(outs[0] + "/market_tasks.csv").find(",arrival,start,wait,end,lost\n"),
            std::string::npos);
  CommandResult audit = RunVeritrain({"audit", outs[0]}, dir_);
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_NE(audit.out.find("market_tasks.csv: identical"), std::string::npos) << audit.out;
  // The report lists the clock's figures.
  CommandResult report = RunVeritrain({"report", outs[0]}, dir_);
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  const std::string html = ReadFile(outs[0] + "/report.html");
  for (const char* figure : {"clock.queue.max", "clock.wait.mean", "clock.utilisation.solver"}) {
    EXPECT_NE(html.find(figure), std::string::npos) << figure;
  }
}

TEST_F(MarketTest, ATamperedMarketTableFailsTheAudit) {
  const std::string file = Write("t", Market(5, "random", 2));
  const std::string out = dir_ + "/t";
  CommandResult r = RunVeritrain({"run", file, "--out", out}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string csv = ReadFile(out + "/market.csv");
  const size_t at = csv.find(",honest,");
  const size_t lazy = csv.find(",lazy-approve,");
  ASSERT_TRUE(at != std::string::npos || lazy != std::string::npos);
  if (at != std::string::npos) {
    csv.replace(at, 8, ",lazy-approve,");
  } else {
    csv.replace(lazy, 14, ",honest,");
  }
  std::ofstream(out + "/market.csv") << csv;
  CommandResult audit = RunVeritrain({"audit", out}, dir_);
  EXPECT_NE(audit.exit_code, 0);
  EXPECT_NE(audit.out.find("market.csv line"), std::string::npos) << audit.out << audit.err;
}

// The phase diagram: the preset sweep over the forced-error rate and the
// jackpot tax checks in full, and a smaller copy of it (2 × 2 points, 2
// repetitions, 12 tasks) runs with every run's market in sweep.csv, each
// point's lazy share with its 95 % interval in aggregates.csv, and the
// diagram in the report.
TEST_F(MarketTest, ThePhaseDiagramSweepHasTheMarketInItsRowsAndDrawsTheLazyShare) {
  const std::string preset =
      std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/sweeps/market-phase-diagram.json";
  CommandResult check = RunVeritrain({"check", preset}, dir_);
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  json small = json::parse(ReadFile(preset));
  small["tasks"] = 12;
  small["market"]["verifiers"][0]["adapt"]["window"] = 4;
  small["market"]["verifiers"][1]["adapt"]["window"] = 4;
  small["sweep"]["parameters"][0]["values"] = {0, 0.3};
  small["sweep"]["parameters"][1]["values"] = {100, 2000};
  small["sweep"]["repetitions"] = 2;
  small["expect"][0]["equals"] = 12;
  const std::string file = Write("phase", small);
  const std::string out = dir_ + "/phase";
  CommandResult r = RunVeritrain({"sweep", file, "--jobs", "2", "--out", out, "--report"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string lazy = "market.final.shares.verifier.lazy-approve";
  std::istringstream rows(ReadFile(out + "/sweep.csv"));
  std::string header;
  std::getline(rows, header);
  for (const std::string& column :
       {lazy, std::string("market.initial.shares.verifier.lazy-approve"),
        std::string("market.switches"), std::string("market.forced_errors.raised"),
        std::string("market.jackpot.final"), std::string("market.security_cost.per_task")}) {
    EXPECT_NE(header.find("," + column + ","), std::string::npos) << column << "\n" << header;
  }
  EXPECT_EQ(header.find("market.participants"), std::string::npos) << header;
  int64_t lines = 0;
  for (std::string line; std::getline(rows, line);) ++lines;
  EXPECT_EQ(lines, 8);
  const std::string aggregates = ReadFile(out + "/aggregates.csv");
  for (const std::string& column : {"mean." + lazy, "ci_low." + lazy, "ci_high." + lazy}) {
    EXPECT_NE(aggregates.find(column), std::string::npos) << column;
  }
  const std::string html = ReadFile(out + "/report.html");
  EXPECT_NE(html.find("Market: the lazy share at the end of the run"), std::string::npos);
  EXPECT_NE(html.find("forced_error_rate = 0.3"), std::string::npos);
  EXPECT_NE(html.find("jackpot_tax_bps=2000"), std::string::npos);
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    EXPECT_NE(html.find("alt=\"Lazy share of the verifiers at the end of the run against "
                        "forced_error_rate (95% intervals)\""),
              std::string::npos);
  }
}

}  // namespace
}  // namespace veritrain
