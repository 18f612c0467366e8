// `veritrain audit` and `veritrain report` on the folder of a real run (the
// synthetic task, roles as processes): a clean folder passes; a field
// edited to another type is named, never a crash; an edited
// payment, a re-chained forgery (the reward redirected, every hash
// recomputed, summary and CSVs rebuilt to match) and a truncated log each
// fail with exit status 1 naming what differs, and the report of an edited
// folder never says "ledger conserved: yes".
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/forge.h"
#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using test_support::CommandResult;
using testing_util::Contains;
using testing_util::ReadFile;
using testing_util::WriteFile;

class AuditTest : public ::testing::Test {
 protected:
  // One real run for the whole suite; each test edits its own copy.
  static void SetUpTestSuite() {
    root_ = new std::string(test_support::MakeTestDir("vt_audit_"));
    const std::string run = *root_ + "/run";
    CommandResult r = Veritrain(
        {"run", std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/synthetic.json", "--out", run});
    ok_ = r.exit_code == 0;
    if (!ok_) std::cerr << "the run failed:\n" << r.out << r.err;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*root_, ec);
    delete root_;
  }
  void SetUp() override {
    ASSERT_TRUE(ok_) << "the synthetic run failed";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = *root_ + "/" + info->name();
    fs::copy(*root_ + "/run", dir_, fs::copy_options::recursive);
  }
  static CommandResult Veritrain(const std::vector<std::string>& args) {
    const std::string tmp = test_support::MakeTestDir("vt_audit_cmd_");
    CommandResult r =
        test_support::WaitVeritrain(test_support::SpawnVeritrain(args, tmp), tmp);
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return r;
  }
  CommandResult Audit(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"audit", dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    return Veritrain(args);
  }

  static std::string* root_;
  static bool ok_;
  std::string dir_;
};

std::string* AuditTest::root_ = nullptr;
bool AuditTest::ok_ = false;

// The report of `dir`: its exit, and whether report.html claims conservation.
struct Report {
  CommandResult result;
  std::string html;
};

Report ReportOf(const std::string& dir, const std::function<CommandResult(
                                            const std::vector<std::string>&)>& veritrain) {
  Report r;
  r.result = veritrain({"report", dir});
  r.html = ReadFile(dir + "/report.html");
  return r;
}

TEST_F(AuditTest, AFolderAsTheRunLeftItPasses) {
  CommandResult r = Audit();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "audit: passed")) << r.out;
  EXPECT_TRUE(Contains(r.out, "heads signed by the arbiter's key, the last after its shutdown"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "summary.json: rebuilt from events.jsonl")) << r.out;
  // What it does not vouch for is said, not left to be assumed.
  EXPECT_TRUE(Contains(r.out, "logs/ are the roles' own, unsigned, and not checked")) << r.out;
  // With the arbiter's key as the manifest lists it, pinned.
  const json manifest = json::parse(ReadFile(dir_ + "/manifest.json"));
  r = Audit({"--arbiter-key", manifest["public_keys"]["arbiter"].get<std::string>()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Report report = ReportOf(dir_, Veritrain);
  EXPECT_EQ(report.result.exit_code, 0) << report.result.out << report.result.err;
  EXPECT_TRUE(Contains(report.html, "yes (audited)"));
}

// A run with a crash and restart: the folder passes as the run left it,
// and summary.json's "crashes" edited to say what the scenario never asked
// for (no restart, another point, an invented crash) fails naming it.
TEST_F(AuditTest, ACrashEntryTheScenarioDoesNotGiveFails) {
  const std::string run = dir_ + "-crash";
  CommandResult r = Veritrain({"run",
                               std::string(VERITRAIN_SOURCE_DIR) +
                                   "/scenarios/crash/challenger-dispute-restart.json",
                               "--out", run});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Veritrain({"audit", run});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json summary = json::parse(ReadFile(run + "/summary.json"));
  ASSERT_EQ(summary.at("crashes").size(), 1u);
  const json extra = {{"participant", "solver-1"}, {"at", "training"}, {"after", 2},
                      {"restarted", true}, {"run_seconds", 1.0}};
  const std::vector<std::pair<std::string, json>> edits = {
      {"/crashes/0/restarted", false},
      {"/crashes/0/after", 99},
      {"/crashes/0/at", "verification"},
      {"/crashes/1", extra},
  };
  for (const auto& [path, value] : edits) {
    SCOPED_TRACE(path);
    const std::string copy = run + "-edited";
    fs::remove_all(copy);
    fs::copy(run, copy, fs::copy_options::recursive);
    json edited = summary;
    edited[json::json_pointer(path)] = value;
    WriteFile(copy + "/summary.json", edited.dump(2));
    CommandResult a = Veritrain({"audit", copy});
    EXPECT_EQ(a.exit_code, 1) << a.out << a.err;
    EXPECT_TRUE(Contains(a.out, "summary.json: crashes/")) << a.out;
  }
}

// An entry of ledger.jsonl that parses to the event log's entry but is
// not written as the arbiter writes it: a repeated key (this parser keeps
// the last value, another reader the first), an added field, spaces, a
// byte order mark. Each passed the audit.
TEST_F(AuditTest, ALedgerEntryInAnotherFormFails) {
  const std::string ledger = ReadFile(dir_ + "/ledger.jsonl");
  const size_t second = ledger.find('\n') + 1;
  ASSERT_EQ(ledger.compare(second, 10, "{\"amount\":"), 0) << ledger;
  for (const auto& [label, edited] : std::vector<std::pair<std::string, std::string>>{
           {"repeated key", ledger.substr(0, second) + "{\"amount\":999999," +
                                ledger.substr(second + 1)},
           {"added field", ledger.substr(0, second) + "{\"note\":\"forged\"," +
                               ledger.substr(second + 1)},
           {"spaces", ledger.substr(0, second) + "{ " + ledger.substr(second + 1)},
           {"byte order mark", "\xEF\xBB\xBF" + ledger}}) {
    WriteFile(dir_ + "/ledger.jsonl", edited);
    CommandResult r = Audit();
    EXPECT_EQ(r.exit_code, 1) << label << "\n" << r.out << r.err;
    EXPECT_TRUE(Contains(r.out, "as the arbiter writes it")) << label << "\n" << r.out;
  }
  WriteFile(dir_ + "/ledger.jsonl", ledger);
  EXPECT_EQ(Audit().exit_code, 0);
}

TEST_F(AuditTest, AnEditedPaymentFails) {
  // The reward paid to the solver, made larger in ledger.jsonl.
  std::string ledger = ReadFile(dir_ + "/ledger.jsonl");
  const size_t line = ledger.find("\"reason\":\"pay reward\"");
  ASSERT_NE(line, std::string::npos) << ledger;
  const size_t amount = ledger.rfind("{\"amount\":", line);
  const size_t comma = ledger.find(',', amount);
  ledger.replace(amount, comma - amount, "{\"amount\":999");
  WriteFile(dir_ + "/ledger.jsonl", ledger);
  CommandResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "FAIL  ledger.jsonl line")) << r.out;
  EXPECT_TRUE(Contains(r.out, "audit: FAILED")) << r.out;
  Report report = ReportOf(dir_, Veritrain);
  EXPECT_EQ(report.result.exit_code, 1) << report.result.out << report.result.err;
  EXPECT_TRUE(Contains(report.result.err, "fails its audit")) << report.result.err;
  EXPECT_FALSE(Contains(report.html, "yes (audited)"));
  EXPECT_TRUE(Contains(report.html, "not confirmed"));
}

TEST_F(AuditTest, AReChainedForgeryFails) {
  // A forger's script: the reward goes to the verifier, the settled
  // balances say so, every hash of both chains and the heads' recorded
  // hashes are recomputed, summary.json, metrics.csv and balances.csv
  // rebuilt from the forged log.
  testing_util::Forge(dir_, [](std::vector<Event>* events) {
    Event* pay = testing_util::FindTransfer(events, "pay reward");
    ASSERT_NE(pay, nullptr);
    const int64_t reward = pay->data["amount"].get<int64_t>();
    pay->data["to"] = "verifier-1";
    for (Event& e : *events) {
      if (e.type != "task_settled") continue;
      e.data["balances"]["solver-1"] = e.data["balances"]["solver-1"].get<int64_t>() - reward;
      e.data["balances"]["verifier-1"] =
          e.data["balances"].value("verifier-1", int64_t{0}) + reward;
    }
  });
  const json summary = json::parse(ReadFile(dir_ + "/summary.json"));
  ASSERT_EQ(summary["balances"]["solver-1"], 0) << "the forgery took";
  CommandResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "over these heads")) << r.out;
  EXPECT_TRUE(Contains(r.out, "the log was rewritten after it was signed, or another key signed it"))
      << r.out;
  EXPECT_FALSE(Contains(r.out, "FAIL  summary.json")) << r.out;  // the forger rebuilt it
  Report report = ReportOf(dir_, Veritrain);
  EXPECT_EQ(report.result.exit_code, 1);
  EXPECT_FALSE(Contains(report.html, "yes (audited)"));
}

TEST_F(AuditTest, ATruncatedLogFails) {
  // Cut at a line boundary: every line left is a valid chain, but the
  // arbiter's last signed head is gone, and its shutdown is unsigned.
  std::string events = ReadFile(dir_ + "/events.jsonl");
  events.erase(events.rfind('\n', events.size() - 2) + 1);
  WriteFile(dir_ + "/events.jsonl", events);
  CommandResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "come after the arbiter's last signed head")) << r.out;
  // Cut inside a line.
  WriteFile(dir_ + "/events.jsonl", events.substr(0, events.size() - 30));
  r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "truncated last line")) << r.out;
}

// A summary or manifest edited into another shape (a field of the wrong
// type) is a problem of the folder, named where it is: audit exits 1 and
// report refuses or says so, neither aborts.
TEST_F(AuditTest, FieldsOfTheWrongTypeAreProblemsNotCrashes) {
  const json summary = json::parse(ReadFile(dir_ + "/summary.json"));
  const json manifest = json::parse(ReadFile(dir_ + "/manifest.json"));
  struct Edit {
    std::string pointer;
    json value;
    std::string expected;  // in audit's output
  };
  const std::vector<Edit> edits = {
      {"/tasks/0", 5, "/tasks/0: an integer, where summary.json has an object"},
      {"/seed", "x", "/seed: a string, where summary.json has an integer"},
      {"/tasks/0/timings", 3, "/tasks/0/timings"},
      {"/tasks/0/balances", 1, "/tasks/0/balances: an integer, where summary.json has an object"},
      {"/tasks/0/max_distance", json::array({1}),
       "/tasks/0/max_distance: a list, where summary.json has an object"},
      {"/tasks/0/dispute", json::array(), "/tasks/0/dispute"},
      {"/expectations", 7, "/expectations: an integer, where summary.json has a list"}};
  for (const auto& [pointer, value, expected] : edits) {
    json edited = summary;
    edited[json::json_pointer(pointer)] = value;
    WriteFile(dir_ + "/summary.json", edited.dump(2));
    CommandResult r = Audit();
    EXPECT_EQ(r.exit_code, 1) << pointer << "\n" << r.out << r.err;
    EXPECT_TRUE(Contains(r.out, expected)) << pointer << "\n" << r.out;
    CommandResult report = Veritrain({"report", dir_});
    EXPECT_TRUE(report.exit_code == 1 || report.exit_code == 2)
        << pointer << " report exit " << report.exit_code << "\n" << report.out << report.err;
  }
  WriteFile(dir_ + "/summary.json", summary.dump(2));
  json bad_manifest = manifest;
  bad_manifest["scenario"] = json::array();
  WriteFile(dir_ + "/manifest.json", bad_manifest.dump(2));
  CommandResult r = Audit();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "manifest.json: \"scenario\" is not an object")) << r.out;
}

// A folder whose event log is gone cannot be audited: its summary could
// say anything. The report says so on the console and fails, as the sweep
// audit fails such a run.
TEST_F(AuditTest, AReportOfAFolderWithoutItsEventLogFails) {
  fs::remove(dir_ + "/events.jsonl");
  Report report = ReportOf(dir_, Veritrain);
  EXPECT_EQ(report.result.exit_code, 1) << report.result.out << report.result.err;
  EXPECT_TRUE(Contains(report.result.err, "report: the folder could not be audited"))
      << report.result.err;
  EXPECT_TRUE(Contains(report.result.err, "events.jsonl")) << report.result.err;
  EXPECT_TRUE(Contains(report.html, "not audited")) << report.html;
}

TEST_F(AuditTest, ABadFolderOrKeyIsBadInput) {
  CommandResult r = Veritrain({"audit", dir_ + "/logs"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "not a run folder")) << r.err;
  for (const char* bad : {"abc", ""}) {  // "": `--arbiter-key "$KEY"` with KEY unset
    r = Audit({"--arbiter-key", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, "64 hex")) << r.err;
  }
  // Someone else's key: every head fails.
  r = Audit({"--arbiter-key", std::string(64, 'a')});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "genesis event names arbiter key")) << r.out;
  // The heads checked against that key say it may be the key, not the log
  // (they said only that the log was rewritten).
  EXPECT_TRUE(Contains(r.out, "the signature is not key aaaaaaaaaaaaaaaa…'s")) << r.out;
  EXPECT_TRUE(Contains(r.out, "or another key signed it")) << r.out;
}

}  // namespace
}  // namespace veritrain
