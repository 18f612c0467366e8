// The audit of a results folder (scenarios/runner/folder_audit.h) on a
// folder written here as the arbiter and the runner write one: a clean
// folder passes; an edited payment, a rewritten and re-chained log, a log
// cut short (at a line, inside a line), an edited manifest or summary, and
// a forger's own key each fail, naming what differs.
#include "scenarios/runner/folder_audit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/protocol/chain_head.h"
#include "core/protocol/clock.h"
#include "core/protocol/event_log.h"
#include "core/protocol/ledger.h"
#include "scenarios/runner/money.h"
#include "scenarios/runner/summary.h"
#include "scenarios/calibrate/calibration_warnings.h"
#include "scenarios/check/clock_check.h"
#include "scenarios/check/scenario_warnings.h"
#include "tests/support/files.h"
#include "tests/support/forge.h"

namespace veritrain {
namespace {

using json = nlohmann::json;
using testing_util::Contains;
using testing_util::ReadFile;
using testing_util::ScratchDir;
using testing_util::WriteFile;

Identity ArbiterKey() { return *Identity::FromSecretHex(std::string(64, '7')); }

// Writes a finished run folder of one accepted task into `dir`, the way the
// arbiter (events.jsonl with signed heads, ledger.jsonl) and the runner
// (manifest.json first, then summary.json, metrics.csv, balances.csv) do.
// With `refused_post`, the arbiter then refuses the submitter's second
// task (the run stops early, and the runner's summary says so).
// With `scenario`, the manifest holds that scenario (resolved as a run
// writes it) and the summary its warnings, as the runner writes them.
// `manifest_extra`'s fields are added to the manifest, and
// `extra_warnings` to the summary's warnings (as the run would give them).
void WriteRunFolder(const std::string& dir, bool refused_post = false,
                    const json& scenario = json(), const json& manifest_extra = json::object(),
                    const std::vector<std::string>& extra_warnings = {}) {
  const Identity key = ArbiterKey();
  json listed = {{"name", "audit-test"},
                 {"expect", json::array({{{"path", "/tasks/0/outcome"}, {"equals", "accepted"}}})}};
  json warnings = json::array();
  if (!scenario.is_null()) {
    auto sc = ParseScenario(scenario.dump(), "audit-test.json");
    ASSERT_TRUE(sc.ok()) << sc.status().ToString();
    listed = sc->resolved;
    listed["expect"] = json::array({{{"path", "/tasks/0/outcome"}, {"equals", "accepted"}}});
    for (const std::string& w : ScenarioWarnings(*sc, /*measure_clocks=*/false)) {
      warnings.push_back(w);
    }
  }
  json manifest = {
      {"scenario", listed},
      {"seed", 3},
      {"public_keys", {{"arbiter", key.public_key().Hex()}}},
      {"curve", {{"enabled", false}}}};
  manifest.update(manifest_extra);
  for (const std::string& w : extra_warnings) warnings.push_back(w);
  const std::string manifest_text = manifest.dump(2) + "\n";
  WriteFile(dir + "/manifest.json", manifest_text);

  FakeClock clock(1000);
  EventLog log = std::move(EventLog::Open(dir + "/events.jsonl", &clock)).value();
  Ledger ledger;
  auto append = [&](const std::string& type, const std::string& task, const json& data) {
    clock.Advance(5);
    ASSERT_TRUE(log.Append(type, task, data).ok()) << type;
  };
  auto transfer = [&](const std::string& task) {
    append("transfer", task, Ledger::EntryToJson(ledger.entries().back()));
  };
  auto sign = [&] {
    append(kChainHeadEvent, "",
           SignChainHead(key, "arbiter", log.size(), log.head(), ledger.entries().size(),
                         ledger.head())
               .ToJson());
  };
  append("genesis", "", {{"arbiter", "arbiter"},
                         {"arbiter_key", key.public_key().Hex()},
                         {"manifest_sha256", Sha256Of(manifest_text).Hex()}});
  ASSERT_TRUE(ledger.Mint("submitter", Amount(100), "genesis").ok());
  transfer("");
  ASSERT_TRUE(ledger.Mint("solver-1", Amount(0), "genesis").ok());
  transfer("");
  const std::string t = "task-0001";
  append("task_posted", t,
         {{"spec",
           {{"job", {{"name", "synthetic"}}},
            {"steps", 20},
            {"checkpoint_interval", 10},
            {"mode", "exact"},
            {"solver", "solver-1"},
            {"reward", 40}}}});
  ASSERT_TRUE(ledger.Transfer("submitter", "escrow/" + t, Amount(40), "escrow", t).ok());
  transfer(t);
  ASSERT_TRUE(ledger.Transfer("escrow/" + t, "solver-1", Amount(40), "pay reward", t).ok());
  transfer(t);
  append("task_settled", t,
         {{"outcome", "accepted"},
          {"reason", "every verifier accepted"},
          {"balances", {{"solver-1", 40}, {"submitter", 60}}},
          {"dispute", json::object()}});
  if (refused_post) {
    append("request_refused", "task-0002",
           {{"type", "post_task"}, {"from", "submitter"}, {"error", "cannot escrow the reward"}});
  }
  sign();
  append("shutdown", "", {{"conservation", true}, {"ledger_head", ledger.head().Hex()}});
  sign();

  std::string ledger_text;
  for (const auto& e : ledger.entries()) ledger_text += Ledger::EntryToJson(e).dump() + "\n";
  WriteFile(dir + "/ledger.jsonl", ledger_text);
  const std::vector<Event> events = *ReadEventLog(dir + "/events.jsonl");
  json observed = {{"crashes", json::array()}, {"timings", {{"wall_seconds", 1.5}}}};
  if (!warnings.empty()) observed["warnings"] = warnings;
  if (refused_post) {
    observed["stopped_early"] = {
        {"reason", "the arbiter refused task 2 of 1: cannot escrow the reward"},
        {"tasks_planned", 1}};
  }
  const json summary = *RunSummaryFromFolder(dir, events, "audit-test", 3, false,
                                             manifest["scenario"]["expect"], observed);
  ASSERT_TRUE(summary["expectations_met"].get<bool>());
  WriteFile(dir + "/summary.json", summary.dump(2) + "\n");
  WriteFile(dir + "/metrics.csv", MetricsCsv(summary));
  WriteFile(dir + "/balances.csv", BalancesCsv(events));
}

// The short scenario the warning tests run: a synthetic job of two
// intervals, a solver and a verifier; each test changes what it needs.
json AuditScenario() {
  return json::parse(R"({
    "format": "veritrain-scenario/1", "name": "audit-test",
    "job": {"name": "synthetic", "steps": 20},
    "protocol": {"checkpoint_interval": 10},
    "participants": [
      {"name": "solver-1", "role": "solver"},
      {"name": "verifier-1", "role": "verifier"}]})");
}

// Whether any problem of the audit contains every one of `parts`.
bool HasProblem(const FolderAudit& audit, const std::vector<std::string>& parts) {
  for (const auto& p : audit.problems) {
    bool all = true;
    for (const auto& part : parts) all = all && Contains(p, part);
    if (all) return true;
  }
  return false;
}

std::string Problems(const FolderAudit& audit) { return AuditText(audit); }

class FolderAuditTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteRunFolder(dir_.path()); }
  std::string Path(const std::string& file) const { return dir_.path() + "/" + file; }
  FolderAudit Audit(const AuditOptions& options = {}) {
    auto audit = AuditRunFolder(dir_.path(), options);
    EXPECT_TRUE(audit.ok()) << audit.status().ToString();
    return audit.ok() ? *audit : FolderAudit{};
  }
  ScratchDir dir_;
};

TEST(ArbiterKeyFlagTest, AnEmptyKeyIsMalformedNotAbsent) {
  auto absent = ArbiterKeyFlag(std::nullopt);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  for (const std::string& bad : {std::string(), std::string("zz"), std::string(63, 'a')}) {
    auto r = ArbiterKeyFlag(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("--arbiter-key must be 64 hex characters"),
              std::string::npos);
  }
  auto good = ArbiterKeyFlag(std::string(64, 'a'));
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(good->has_value());
}

TEST_F(FolderAuditTest, AFinishedFolderPasses) {
  const FolderAudit audit = Audit();
  EXPECT_TRUE(audit.ok()) << Problems(audit);
  EXPECT_EQ(audit.arbiter_key, ArbiterKey().public_key().Hex());
  EXPECT_EQ(audit.passed.size(), 7u) << Problems(audit);
  EXPECT_TRUE(Contains(AuditText(audit), "audit: passed"));
  // Pinning the right key changes nothing.
  AuditOptions pinned;
  pinned.arbiter_key = ArbiterKey().public_key();
  EXPECT_TRUE(Audit(pinned).ok());
}

// A directory where a file of the folder belongs opens as a stream that
// reads nothing: the audit says it is a directory, naming the path,
// instead of finding an empty log with no genesis event.
TEST_F(FolderAuditTest, ADirectoryWhereAFileBelongsIsNamedAsOne) {
  std::filesystem::remove(Path("events.jsonl"));
  std::filesystem::create_directory(Path("events.jsonl"));
  FolderAudit audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"events.jsonl: " + Path("events.jsonl") +
                                 " is a directory, not a file"}))
      << Problems(audit);
  EXPECT_FALSE(HasProblem(audit, {"genesis"})) << Problems(audit);

  ScratchDir other;
  WriteRunFolder(other.path());
  const std::string summary = other.path() + "/summary.json";
  std::filesystem::remove(summary);
  std::filesystem::create_directory(summary);
  auto with_summary_dir = AuditRunFolder(other.path());
  ASSERT_TRUE(with_summary_dir.ok()) << with_summary_dir.status().ToString();
  EXPECT_TRUE(HasProblem(*with_summary_dir, {summary + " is a directory, not a file"}))
      << Problems(*with_summary_dir);
}

// A FIFO where a file of the folder belongs blocked the audit for ever
// (no writer ever comes): it is named as one at once.
TEST_F(FolderAuditTest, AFifoWhereAFileBelongsIsNamedAsOne) {
  for (const char* name : {"events.jsonl", "ledger.jsonl", "summary.json"}) {
    ScratchDir other;
    WriteRunFolder(other.path());
    const std::string path = other.path() + "/" + name;
    std::filesystem::remove(path);
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << name;
    auto audit = AuditRunFolder(other.path());
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    EXPECT_TRUE(HasProblem(*audit, {path + " is a FIFO (named pipe), not a file"}))
        << name << ": " << Problems(*audit);
  }
}

TEST_F(FolderAuditTest, AnEditedPaymentInTheLedgerFileFails) {
  std::string ledger = ReadFile(Path("ledger.jsonl"));
  const size_t at = ledger.find("\"amount\":40,\"from\":\"escrow/task-0001\"");
  ASSERT_NE(at, std::string::npos) << ledger;
  ledger.replace(at, std::string("\"amount\":40").size(), "\"amount\":4");
  WriteFile(Path("ledger.jsonl"), ledger);
  const FolderAudit audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"ledger.jsonl line 4", "differs from transfer seq 3"}))
      << Problems(audit);
  EXPECT_TRUE(HasProblem(audit, {"summary.json /ledger_audit"})) << Problems(audit);
}

TEST_F(FolderAuditTest, AnEditedPaymentInTheEventLogBreaksItsChain) {
  std::string events = ReadFile(Path("events.jsonl"));
  const size_t at = events.find("\"to\":\"solver-1\"", events.find("pay reward"));
  ASSERT_NE(at, std::string::npos);
  events.replace(at, std::string("\"to\":\"solver-1\"").size(), "\"to\":\"submitter\"");
  WriteFile(Path("events.jsonl"), events);
  const FolderAudit audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"events.jsonl line 6", "does not match"})) << Problems(audit);
}

TEST_F(FolderAuditTest, AReChainedForgeryFailsOnTheSignature) {
  // The reward goes to the submitter instead; every hash is recomputed, the
  // heads' recorded hashes too, and the summary and CSVs rebuilt to match.
  testing_util::Forge(dir_.path(), [](std::vector<Event>* events) {
    Event* pay = testing_util::FindTransfer(events, "pay reward");
    ASSERT_NE(pay, nullptr);
    pay->data["to"] = "submitter";
    for (Event& e : *events) {
      if (e.type == "task_settled") e.data["balances"] = {{"solver-1", 0}, {"submitter", 100}};
    }
  });
  // The forged folder is consistent in itself...
  EXPECT_EQ(json::parse(ReadFile(Path("summary.json")))["balances"]["submitter"], 100);
  // ...but not signed by the arbiter.
  const FolderAudit audit = Audit();
  EXPECT_FALSE(audit.ok());
  EXPECT_TRUE(HasProblem(audit, {"seq 7 (chain_head)", "over these heads"})) << Problems(audit);
  EXPECT_TRUE(HasProblem(audit, {"seq 9 (chain_head)", "over these heads"})) << Problems(audit);
  EXPECT_FALSE(HasProblem(audit, {"summary.json"})) << Problems(audit);
}

TEST_F(FolderAuditTest, AForgerWithItsOwnKeyIsCaughtByThePinnedKey) {
  const Identity forger = *Identity::FromSecretHex(std::string(64, 'e'));
  testing_util::Forge(
      dir_.path(),
      [](std::vector<Event>* events) {
        testing_util::FindTransfer(events, "pay reward")->data["to"] = "submitter";
        for (Event& e : *events) {
          if (e.type == "task_settled") e.data["balances"] = {{"solver-1", 0}, {"submitter", 100}};
        }
      },
      &forger);
  // Whoever trusts the folder's own manifest trusts the forger's key: the
  // audit says which key it used...
  const FolderAudit trusting = Audit();
  EXPECT_TRUE(trusting.ok()) << Problems(trusting);
  EXPECT_EQ(trusting.arbiter_key, forger.public_key().Hex());
  // ...and with the arbiter's real key pinned, the forgery fails.
  AuditOptions pinned;
  pinned.arbiter_key = ArbiterKey().public_key();
  const FolderAudit audit = Audit(pinned);
  EXPECT_TRUE(HasProblem(audit, {"genesis event names arbiter key", forger.public_key().Hex()}))
      << Problems(audit);
  EXPECT_TRUE(HasProblem(audit, {"over these heads"})) << Problems(audit);
}

TEST_F(FolderAuditTest, ALogCutAtALineBoundaryFails) {
  std::string events = ReadFile(Path("events.jsonl"));
  // Drop the final head: the shutdown is no longer signed.
  events.erase(events.rfind('\n', events.size() - 2) + 1);
  WriteFile(Path("events.jsonl"), events);
  FolderAudit audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"events 8..8", "after the arbiter's last signed head"}))
      << Problems(audit);
  // Drop the shutdown too: what is left ends in a signed head, but not the last one.
  events.erase(events.rfind('\n', events.size() - 2) + 1);
  WriteFile(Path("events.jsonl"), events);
  audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"without the arbiter's shutdown"})) << Problems(audit);
}

TEST_F(FolderAuditTest, ALogCutInsideALineFails) {
  std::string events = ReadFile(Path("events.jsonl"));
  WriteFile(Path("events.jsonl"), events.substr(0, events.size() - 20));
  const FolderAudit audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"events.jsonl line 10", "truncated last line"}))
      << Problems(audit);
}

TEST_F(FolderAuditTest, AnEditedManifestOrSummaryFailsNamingWhat) {
  json manifest = json::parse(ReadFile(Path("manifest.json")));
  manifest["scenario"]["expect"] = json::array();
  WriteFile(Path("manifest.json"), manifest.dump(2) + "\n");
  json summary = json::parse(ReadFile(Path("summary.json")));
  summary["tasks"][0]["outcome"] = "challenge_upheld";
  summary["timings"]["wall_seconds"] = 99.0;  // timings are not audited
  WriteFile(Path("summary.json"), summary.dump(2) + "\n");
  const FolderAudit audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"manifest.json: SHA-256", "the manifest was changed"}))
      << Problems(audit);
  EXPECT_TRUE(HasProblem(audit, {"summary.json /tasks/0/outcome", "\"challenge_upheld\" in the "
                                                                 "folder",
                                 "\"accepted\" from"}))
      << Problems(audit);
  EXPECT_FALSE(HasProblem(audit, {"wall_seconds"})) << Problems(audit);
}

// A key written twice reads as its last value to the audit and as its
// first to other readers: "conservation": false, then the true one,
// passed.
TEST_F(FolderAuditTest, ASummaryThatRepeatsAKeyFails) {
  const std::string text = ReadFile(Path("summary.json"));
  ASSERT_EQ(text.front(), '{');
  WriteFile(Path("summary.json"), "{\"conservation\": false," + text.substr(1));
  EXPECT_TRUE(HasProblem(Audit(), {"summary.json repeats the key /conservation"}))
      << Problems(Audit());
}

// stopped_early is the runner's, but it follows the arbiter's refusal of
// a posted task, which the log holds: it must be there exactly when the
// refusal is, plan the scenario's tasks and quote the refusal. (Deleted, a
// run that stopped early passed as complete; invented, a complete one
// passed as cut short.)
TEST_F(FolderAuditTest, AnEarlyStopMustMatchTheRefusalInTheLog) {
  json summary = json::parse(ReadFile(Path("summary.json")));
  summary["stopped_early"] = {{"reason", "invented"}, {"tasks_planned", 1}};
  WriteFile(Path("summary.json"), summary.dump(2) + "\n");
  EXPECT_TRUE(HasProblem(Audit(), {"stopped_early says the run ended before its last task, but "
                                   "events.jsonl holds no refused post of a task"}));

  ScratchDir stopped;
  WriteRunFolder(stopped.path(), /*refused_post=*/true);
  auto audit = AuditRunFolder(stopped.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok()) << Problems(*audit);
  summary = json::parse(ReadFile(stopped.path() + "/summary.json"));
  json edited = summary;
  edited.erase("stopped_early");
  WriteFile(stopped.path() + "/summary.json", edited.dump(2) + "\n");
  audit = AuditRunFolder(stopped.path());
  EXPECT_TRUE(HasProblem(*audit, {"no stopped_early, but events.jsonl holds the arbiter's "
                                  "refusal of a posted task (cannot escrow the reward)"}))
      << Problems(*audit);
  edited = summary;
  edited["stopped_early"]["tasks_planned"] = 3;
  edited["stopped_early"]["reason"] = "the run was cut short";
  WriteFile(stopped.path() + "/summary.json", edited.dump(2) + "\n");
  audit = AuditRunFolder(stopped.path());
  EXPECT_TRUE(HasProblem(*audit, {"stopped_early/tasks_planned is not the scenario's tasks (1)"}))
      << Problems(*audit);
  EXPECT_TRUE(HasProblem(*audit, {"stopped_early/reason does not quote the arbiter's refusal"}))
      << Problems(*audit);
}

// check's warnings that follow from the scenario alone (here: exact mode
// with a verifier on another thread count) must stay in summary.json: one
// deleted would leave the result without the caveat it was run under.
TEST_F(FolderAuditTest, AWarningTheScenarioGivesCannotBeDeleted) {
  ScratchDir run;
  json scenario = AuditScenario();
  scenario["participants"][0]["profile"] = {{"threads", 1}};
  scenario["participants"][1]["profile"] = {{"threads", 2}};
  WriteRunFolder(run.path(), /*refused_post=*/false, scenario);
  auto audit = AuditRunFolder(run.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok()) << Problems(*audit);
  json summary = json::parse(ReadFile(run.path() + "/summary.json"));
  ASSERT_EQ(summary["warnings"].size(), 1u);
  summary["warnings"] = json::array();
  WriteFile(run.path() + "/summary.json", summary.dump(2) + "\n");
  audit = AuditRunFolder(run.path());
  EXPECT_TRUE(HasProblem(*audit, {"summary.json: warnings lacks \"/protocol/mode: exact mode",
                                  "which the scenario and the log give"}))
      << Problems(*audit);
}

// A warning nothing gives is found too: a result qualified by a caveat
// that never applied reads as something it is not.
// A hand-set δ below the honest error of the run's own tasks (a sweep's
// repetition, whose seeds check did not measure) is warned about, and the
// manifest keeps the lines: the audit asks for them, and for no others.
TEST_F(FolderAuditTest, TheOwnTasksWarningsOfAHandSetDeltaAreTheManifests) {
  const std::string line =
      "/protocol/delta: l2 0.001 is below the honest error of interval 2 (steps 20 to 30)";
  const json own = {{"own_tasks", {{"measured", json::object()}, {"uncovered", {line}}}},
                    {"measured_step_seconds", 0.001}};
  ScratchDir warned;
  WriteRunFolder(warned.path(), false, AuditScenario(), own, {line});
  auto audit = AuditRunFolder(warned.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok()) << Problems(*audit);
  ScratchDir dropped;
  WriteRunFolder(dropped.path(), false, AuditScenario(), own);
  audit = AuditRunFolder(dropped.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(HasProblem(*audit, {"summary.json: warnings lacks \"/protocol/delta: l2 0.001"}))
      << Problems(*audit);
  // The intervals check's budget left unmeasured, likewise.
  const std::string unmeasured =
      "/protocol/delta: the honest error of interval 1 (steps 10 to 20) of the task's 2 was not "
      "measured against delta, only of interval 0 (steps 0 to 10)";
  const json left = {
      {"own_tasks", {{"measured", json::object()}, {"unmeasured", {unmeasured}}}},
      {"measured_step_seconds", 0.001}};
  ScratchDir said;
  WriteRunFolder(said.path(), false, AuditScenario(), left, {unmeasured});
  audit = AuditRunFolder(said.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok()) << Problems(*audit);
  ScratchDir unsaid;
  WriteRunFolder(unsaid.path(), false, AuditScenario(), left);
  audit = AuditRunFolder(unsaid.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(HasProblem(*audit, {"summary.json: warnings lacks \"/protocol/delta: the honest"}))
      << Problems(*audit);
}

TEST_F(FolderAuditTest, AWarningNothingGivesIsFound) {
  ScratchDir run;
  const json scenario = AuditScenario();
  WriteRunFolder(run.path(), /*refused_post=*/false, scenario,
                 {{"measured_step_seconds", 0.001}});
  auto audit = AuditRunFolder(run.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok()) << Problems(*audit);
  json summary = json::parse(ReadFile(run.path() + "/summary.json"));
  summary["warnings"] = json::array({"the arbiter was bribed"});
  WriteFile(run.path() + "/summary.json", summary.dump(2) + "\n");
  audit = AuditRunFolder(run.path());
  EXPECT_TRUE(HasProblem(*audit, {"summary.json: warnings has \"the arbiter was bribed\"",
                                  "which neither the scenario, the manifest nor the log gives"}))
      << Problems(*audit);
  // Shaped like a clock warning, it is still found: the manifest's step
  // time gives no such warning.
  summary["warnings"] = json::array({"/timeout_s: training takes about 1 h"});
  WriteFile(run.path() + "/summary.json", summary.dump(2) + "\n");
  audit = AuditRunFolder(run.path());
  EXPECT_TRUE(HasProblem(*audit, {"warnings has \"/timeout_s: training takes about 1 h\""}))
      << Problems(*audit);
}

// The clock warnings are judged on one step timed on the machine that ran:
// recomputed from the step time the manifest records, they cannot be
// deleted either.
TEST_F(FolderAuditTest, AClockWarningIsRecomputedFromTheRecordedStepTime) {
  ScratchDir run;
  json scenario = AuditScenario();
  scenario["timeout_s"] = 30;
  auto sc = ParseScenario(scenario.dump(), "audit-test.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  JobFacts facts;
  facts.graph = {{"game_nodes", 5}};
  facts.step_seconds = 2.0;  // 20 steps and 2 intervals re-executed: 80 s of a 30 s timeout
  const std::vector<std::string> clocks = ClockWarnings(*sc, facts);
  ASSERT_FALSE(clocks.empty());
  WriteRunFolder(run.path(), /*refused_post=*/false, scenario,
                 {{"measured_step_seconds", 2.0}, {"graph", facts.graph}}, clocks);
  auto audit = AuditRunFolder(run.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok()) << Problems(*audit);
  json summary = json::parse(ReadFile(run.path() + "/summary.json"));
  json kept = json::array();
  for (const auto& w : summary["warnings"]) {
    if (w.get<std::string>().rfind("/timeout_s", 0) != 0) kept.push_back(w);
  }
  ASSERT_LT(kept.size(), summary["warnings"].size());
  summary["warnings"] = kept;
  WriteFile(run.path() + "/summary.json", summary.dump(2) + "\n");
  audit = AuditRunFolder(run.path());
  EXPECT_TRUE(HasProblem(*audit, {"summary.json: warnings lacks \"/timeout_s:"}))
      << Problems(*audit);
}

// A calibration's caveats come from the record the manifest keeps: a floor
// that sets δ by itself cannot be deleted from the summary.
TEST_F(FolderAuditTest, ACalibrationWarningIsRecomputedFromTheManifestsRecord) {
  ScratchDir run;
  const json scenario = AuditScenario();
  const json record = {{"floor", 1.0},
                       {"honest", {{"l2", {{"max", 5e-5}, {"delta", 1.0}}}}}};
  const std::vector<std::string> given = CalibrationWarnings(record);
  ASSERT_EQ(given.size(), 1u);
  WriteRunFolder(run.path(), /*refused_post=*/false, scenario,
                 {{"measured_step_seconds", 0.001}, {"calibration", record}}, given);
  // The calibration's own files, as a calibration of no samples writes them.
  json files = record;
  files.update({{"delta_by_steps", json::object()}, {"node_tolerances", json::object()},
                {"samples", json::array()}, {"node_samples", json::array()}});
  WriteFile(run.path() + "/calibration.json", files.dump());
  WriteFile(run.path() + "/calibration.csv",
            "seed,profile,threads,dtype,interval,from,to,steps,metric,distance,delta\n");
  WriteFile(run.path() + "/calibration_nodes.csv",
            "seed,profile,threads,step,node,kind,deviation,tolerance\n");
  auto audit = AuditRunFolder(run.path());
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok()) << Problems(*audit);
  json summary = json::parse(ReadFile(run.path() + "/summary.json"));
  summary["warnings"] = json::array();
  WriteFile(run.path() + "/summary.json", summary.dump(2) + "\n");
  audit = AuditRunFolder(run.path());
  EXPECT_TRUE(HasProblem(*audit, {"warnings lacks \"the calibrated delta for l2 is "
                                  "protocol.calibration.floor (1)"}))
      << Problems(*audit);
}

// A file nested far deeper than any veritrain writes is a finding, not a
// stack overflow in the recursive walks over the parsed document.
TEST_F(FolderAuditTest, JsonNestedTooDeepIsAProblemNotACrash) {
  const std::string deep = "{\"a\":" + std::string(30000, '[') + std::string(30000, ']') + "}";
  WriteFile(Path("manifest.json"), deep);
  WriteFile(Path("summary.json"), deep);
  const FolderAudit audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"manifest.json: JSON nested deeper than 128 levels"}))
      << Problems(audit);
  EXPECT_TRUE(HasProblem(audit, {"summary.json: JSON nested deeper than 128 levels"}))
      << Problems(audit);
}

TEST_F(FolderAuditTest, DerivedFilesMustMatch) {
  WriteFile(Path("balances.csv"), ReadFile(Path("balances.csv")) + "9,x,y,z,w,1,0,0,0\n");
  std::filesystem::remove(Path("metrics.csv"));
  const FolderAudit audit = Audit();
  EXPECT_TRUE(HasProblem(audit, {"balances.csv line 6"})) << Problems(audit);
  EXPECT_TRUE(HasProblem(audit, {"metrics.csv", "does not exist"})) << Problems(audit);
}

TEST(FolderAuditPathTest, AFolderWithoutAnEventLogIsNotARunFolder) {
  ScratchDir dir;
  auto audit = AuditRunFolder(dir.path());
  ASSERT_FALSE(audit.ok());
  EXPECT_EQ(audit.status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(Contains(audit.status().message(), "not a run folder"));
}

}  // namespace
}  // namespace veritrain
