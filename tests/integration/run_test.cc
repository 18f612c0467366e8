// End-to-end tests of `veritrain run`: real processes, real training, real
// ZeroMQ over ipc, checked from the results folder; and the failure paths:
// an invalid scenario, a role that exits or is killed, a global timeout —
// each reported clearly with no process left behind.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/protocol/event_log.h"
#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;

using test_support::CommandResult;
using test_support::RunVeritrain;
std::string ReadFile(const std::string& path) { return test_support::ReadWholeFile(path); }

// Processes whose command line mentions `marker` (a test's unique dir).
std::vector<std::string> ProcessesMentioning(const std::string& marker) {
  std::vector<std::string> found;
  DIR* d = opendir("/proc");
  if (d == nullptr) return found;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (std::to_string(getpid()) == e->d_name) continue;
    std::string cmd = ReadFile(std::string("/proc/") + e->d_name + "/cmdline");
    for (char& c : cmd) {
      if (c == '\0') c = ' ';
    }
    // A zombie has an empty cmdline and is not running.
    if (cmd.find(marker) != std::string::npos) found.push_back(std::string(e->d_name) + ": " + cmd);
  }
  closedir(d);
  return found;
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = fs::temp_directory_path().string() + "/vt-it-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back(0);
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override {
    EXPECT_TRUE(ProcessesMentioning(dir_).empty())
        << "left behind: " << ::testing::PrintToString(ProcessesMentioning(dir_));
    fs::remove_all(dir_);
  }
  std::string Scenario(const std::string& name) {
    return std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/" + name + ".json";
  }
  // A copy of a shipped scenario with `patch` merged in (RFC 7386).
  std::string Patched(const std::string& name, const nlohmann::json& patch) {
    auto j = nlohmann::json::parse(ReadFile(Scenario(name)));
    j.merge_patch(patch);
    std::string path = dir_ + "/" + name + "-patched.json";
    std::ofstream(path) << j.dump(2);
    return path;
  }
  // A bin dir with the real roles, except `role`, replaced by a script.
  std::string FakeBinDir(const std::string& role, const std::string& script) {
    std::string bin = dir_ + "/bin";
    fs::create_directories(bin);
    for (const char* exe : {"veritrain-arbiter", "veritrain-solver", "veritrain-verifier"}) {
      std::string path = bin + "/" + exe;
      if (std::string(exe) == "veritrain-" + role) {
        std::ofstream(path) << "#!/bin/bash\n" << script << "\n";
        fs::permissions(path, fs::perms::owner_all);
      } else {
        fs::create_symlink(std::string(VERITRAIN_BIN_DIR) + "/" + exe, path);
      }
    }
    return bin;
  }
  std::string dir_;
};

TEST_F(RunTest, ARunIntoAReusedFolderSummarisesOnlyItself) {
  const std::string out = dir_ + "/results";
  for (int run = 0; run < 2; ++run) {
    CommandResult r = RunVeritrain({"run", Scenario("synthetic"), "--out", out, "--in-process"}, dir_);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    // A report left by a role of an earlier run must not be counted again.
    if (run == 0) {
      fs::create_directories(out + "/reports");
      std::ofstream(out + "/reports/ghost.json")
          << R"({"name": "ghost", "rejected_messages": {"bad_signature": 3}})";
    }
  }
  auto summary = nlohmann::json::parse(ReadFile(out + "/summary.json"));
  EXPECT_FALSE(summary.at("rejected_messages_by_role").contains("ghost"));
  EXPECT_EQ(summary.at("tasks").size(), 1u);
  EXPECT_EQ(summary.at("supply"), 2000);  // one genesis, not two
  EXPECT_EQ(summary.at("ledger_audit").at("ok"), true);
}

TEST_F(RunTest, SyntheticTaskIsAcceptedAndResultsAreWritten) {
  const std::string out = dir_ + "/results";
  CommandResult r = RunVeritrain({"run", Scenario("synthetic"), "--out", out}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("task-0001: accepted"), std::string::npos) << r.out;

  auto summary = nlohmann::json::parse(ReadFile(out + "/summary.json"));
  const auto& task = summary.at("tasks").at(0);
  EXPECT_EQ(task.at("outcome"), "accepted");
  EXPECT_EQ(task.at("steps"), 200);
  EXPECT_EQ(task.at("intervals_verified"), 3);
  EXPECT_EQ(task.at("verifier_steps_reexecuted"), 3 * 20);
  EXPECT_EQ(task.at("balances").at("solver-1"), 500);
  EXPECT_EQ(summary.at("conservation"), true);
  for (const auto& interval : task.at("verifiers").at(0).at("intervals")) {
    EXPECT_EQ(interval.at("match"), true);
    EXPECT_EQ(interval.at("computed_end_hash"), interval.at("expected_end_hash"));
  }

  // The event log is a valid hash chain and tells the task's story in order.
  auto events = ReadEventLog(out + "/events.jsonl");
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  std::vector<std::string> story;
  for (const auto& e : *events) {
    if (e.type == "task_posted" || e.type == "task_assigned" || e.type == "trace_committed" ||
        e.type == "randomness_revealed" || e.type == "verdict" || e.type == "task_settled") {
      story.push_back(e.type);
    }
  }
  std::vector<std::string> want = {"task_posted", "task_assigned", "trace_committed",
                                   "randomness_revealed", "verdict", "task_settled"};
  EXPECT_EQ(story, want);

  std::string csv = ReadFile(out + "/metrics.csv");
  EXPECT_EQ(csv.rfind("task,outcome,", 0), 0u) << csv;
  EXPECT_NE(csv.find("\ntask-0001,accepted,false,synthetic,200,20,10,exact,3,3,60,"),
            std::string::npos)
      << csv;

  auto manifest = nlohmann::json::parse(ReadFile(out + "/manifest.json"));
  EXPECT_EQ(manifest.at("seed"), 7);
  EXPECT_EQ(manifest.at("scenario").at("name"), "synthetic");
  EXPECT_TRUE(manifest.at("build").contains("commit"));
  EXPECT_EQ(manifest.at("hardware_profiles").at("solver-1").at("threads"), 1);
  // The roles were forked from the role launcher, not executed
  // (scenarios/runner/role_launcher.h): a launcher that failed to start
  // would cost every run its roles' start-up again, silently.
  EXPECT_EQ(manifest.at("execution").at("role_start").at("method"), "launcher")
      << manifest.at("execution").dump();
  for (const char* log : {"arbiter", "solver-1", "verifier-1"}) {
    EXPECT_TRUE(fs::exists(out + "/logs/" + log + ".log")) << log;
  }
  // Each role process's peak memory (a LibTorch process holds tens of MiB
  // at least), and the runner's.
  const auto& timings = summary.at("timings");
  ASSERT_TRUE(timings.contains("peak_rss_bytes")) << timings.dump();
  EXPECT_EQ(timings.at("peak_rss_bytes").size(), 3u) << timings.dump();
  for (const char* role : {"arbiter", "solver-1", "verifier-1"}) {
    const int64_t rss = timings.at("peak_rss_bytes").value(role, int64_t{0});
    EXPECT_GT(rss, int64_t{20} << 20) << role;
    EXPECT_LT(rss, int64_t{16} << 30) << role;
  }
  EXPECT_GT(timings.at("runner_peak_rss_bytes").get<int64_t>(), int64_t{20} << 20);
  // The private temp dir (keys, sockets, checkpoints) is gone.
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind("veritrain-", 0), std::string::npos)
        << e.path();
  }
}

// Memory at a size the presets do not use: a transformer whose state with
// Adam is 42 MB (16 tokens a row, width 384).
//  - The runner's checks step the job (and a calibration re-executes it);
//    the memory those steps freed is given back before the roles start,
//    not held idle through the run (with a 114 MB state it was 330 MiB).
//    The checks' steps hold three such states at once.
//  - The solver's test-set evaluation after training goes in chunks of
//    about a training batch: 1024 rows at a time made 100 MB activations
//    and the solver peaked at 488 MB. Now it stays within a LibTorch
//    process (about 100 MiB) and five states.
TEST_F(RunTest, AJobOf42MBKeepsTheRunnerAndTheSolverSmall) {
  const std::string scenario = Patched(
      "transformer", {{"job", {{"steps", 4},
                               {"params", {{"d_model", 384}, {"heads", 4}, {"mlp_hidden", 1536}}}}},
                      {"protocol", {{"checkpoint_interval", 2}, {"top_q", 0}, {"random_samples", 1}}},
                      {"expect", nullptr}});
  const std::string out = dir_ + "/results";
  CommandResult r = RunVeritrain({"run", scenario, "--out", out}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto timings = nlohmann::json::parse(ReadFile(out + "/summary.json")).at("timings");
  const int64_t peak = timings.at("runner_peak_rss_bytes").get<int64_t>();
  const int64_t held = timings.at("runner_rss_after_setup_bytes").get<int64_t>();
  EXPECT_GT(held, int64_t{20} << 20);
  EXPECT_LT(held, peak - 2 * int64_t{42'000'000}) << timings.dump();
  const int64_t solver = timings.at("peak_rss_bytes").at("solver-1").get<int64_t>();
  EXPECT_LT(solver, (int64_t{100} << 20) + 5 * int64_t{42'000'000}) << timings.dump();
}

// The same seed gives the same run whether the roles are forked from the
// role launcher (the default) or executed (--bin-dir names the executables).
TEST_F(RunTest, SameSeedGivesIdenticalSummaryApartFromTimings) {
  auto run = [&](const std::string& name, std::vector<std::string> extra,
                 const std::string& method) {
    std::vector<std::string> args = {"run", Scenario("synthetic"), "--out", dir_ + "/" + name};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = RunVeritrain(args, dir_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto manifest = nlohmann::json::parse(ReadFile(dir_ + "/" + name + "/manifest.json"));
    EXPECT_EQ(manifest.at("execution").at("role_start").at("method"), method) << name;
    auto s = nlohmann::json::parse(ReadFile(dir_ + "/" + name + "/summary.json"));
    s.erase("timings");
    s.erase("network");
    for (auto& t : s["tasks"]) t.erase("timings");
    return s;
  };
  auto a = run("a", {}, "launcher");
  auto b = run("b", {"--bin-dir", VERITRAIN_BIN_DIR}, "exec");
  EXPECT_EQ(a.dump(2), b.dump(2));
  EXPECT_FALSE(a["tasks"][0]["trace_root"].get<std::string>().empty());
  // --bin-dir runs the executables it names even when asked to run
  // in-process (whose roles would be this build's threads), and says so.
  auto c = run("c", {"--bin-dir", VERITRAIN_BIN_DIR, "--in-process"}, "exec");
  EXPECT_EQ(a.dump(2), c.dump(2));
  auto manifest = nlohmann::json::parse(ReadFile(dir_ + "/c/manifest.json"));
  EXPECT_EQ(manifest.at("execution").at("mode"), "process");
  EXPECT_EQ(manifest.at("execution").at("requested"), "in-process");
  EXPECT_NE(manifest.at("execution").at("note").get<std::string>().find("--bin-dir"),
            std::string::npos);
}

TEST_F(RunTest, InvalidScenarioExitsTwoAndStartsNothing) {
  const std::string bad = Patched("synthetic", {{"job", {{"name", "resnet-9000"}}}});
  const std::string out = dir_ + "/results";
  CommandResult r = RunVeritrain({"run", bad, "--out", out}, dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/job/name"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

// --bin-dir names the role executables: a directory that does not hold
// them, or an empty path (not the same as no flag), is a usage error found
// before the results folder is created, for run and sweep alike.
TEST_F(RunTest, ABadBinDirExitsTwoBeforeAnythingIsWritten) {
  const std::string out = dir_ + "/results";
  CommandResult r =
      RunVeritrain({"run", Scenario("synthetic"), "--out", out, "--bin-dir", dir_ + "/nope"}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--bin-dir " + dir_ + "/nope: no such directory"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
  r = RunVeritrain({"run", Scenario("synthetic"), "--out", out, "--bin-dir", ""}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--bin-dir is empty"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  // A directory without the solver.
  const std::string bin = FakeBinDir("arbiter", "exit 0");
  fs::remove(bin + "/veritrain-solver");
  r = RunVeritrain({"run", Scenario("synthetic"), "--out", out, "--bin-dir", bin}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(bin + "/veritrain-solver is missing or not executable"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));

  const std::string sweep = Patched(
      "synthetic",
      {{"sweep", {{"parameters", {{{"path", "protocol.game.clock_s"}, {"values", {30, 60}}}}}}},
       {"expect", nlohmann::json::array()}});
  r = RunVeritrain({"check", sweep}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;  // refused for --bin-dir alone
  for (const std::string& flag : {dir_ + "/nope", std::string()}) {
    r = RunVeritrain({"sweep", sweep, "--out", out, "--bin-dir", flag}, dir_);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--bin-dir"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out)) << flag;
  }
}

TEST_F(RunTest, UnparsableScenarioExitsTwo) {
  const std::string bad = dir_ + "/broken.json";
  std::ofstream(bad) << "{\"format\": \"veritrain-scenario/1\", \"name\": ";
  CommandResult r = RunVeritrain({"run", bad}, dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("broken.json"), std::string::npos) << r.err;
}

TEST_F(RunTest, RoleThatExitsIsNamedAndTheOthersAreCleanedUp) {
  const std::string bin = FakeBinDir("solver", "exit 3");
  CommandResult r = RunVeritrain(
      {"run", Scenario("synthetic"), "--out", dir_ + "/results", "--bin-dir", bin}, dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("veritrain-solver (solver-1) exited with status 3"), std::string::npos)
      << r.err;
}

TEST_F(RunTest, RoleKilledBySignalIsNamed) {
  const std::string bin = FakeBinDir("verifier", "kill -9 $$");
  CommandResult r = RunVeritrain(
      {"run", Scenario("synthetic"), "--out", dir_ + "/results", "--bin-dir", bin}, dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("veritrain-verifier (verifier-1) was killed by signal 9"),
            std::string::npos)
      << r.err;
}

// A SIGKILL from outside the run (an operator, the OOM killer) is not the
// scenario's crash, even for a participant the scenario crashes: only a
// role that wrote its crash marker at its crash point is restarted. (Before,
// any SIGKILL of such a participant was recorded as the crash.)
TEST_F(RunTest, AnOutsideKillIsNotTheScenariosCrash) {
  const std::string bin = FakeBinDir("verifier", "kill -9 $$");
  const std::string scenario = Patched(
      "synthetic",
      {{"crashes",
        {{{"participant", "verifier-1"}, {"at", "verification"}, {"after", 1}, {"restart", true}}}}});
  CommandResult r = RunVeritrain(
      {"run", scenario, "--out", dir_ + "/results", "--bin-dir", bin}, dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("veritrain-verifier (verifier-1) was killed by signal 9"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("from outside the run, before the scenario's crash point (verification 1)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("crashed at verification as the scenario says"), std::string::npos);
}

// A post the arbiter refuses ends the run at once with the refusal, not at
// timeout_s. `check` cannot foresee this one: a lazy solver may see its
// rewards returned, so funds for 2 of 5 tasks might have been enough.
TEST_F(RunTest, ARefusedPostEndsTheRunWithTheRefusal) {
  const std::string scenario = Patched(
      "synthetic", {{"tasks", 5},
                    {"timeout_s", 600},
                    {"economics", {{"reward", 500}, {"submitter_funds", 1000}}},
                    {"participants",
                     {{{"name", "solver-1"}, {"role", "solver"}, {"behaviour", "lazy"},
                       {"params", {{"fraction", 0.5}}}},
                      {{"name", "verifier-1"}, {"role", "verifier"},
                       {"behaviour", "lazy-approve"}}}},
                    {"expect", nlohmann::json::array()}});
  CommandResult r = RunVeritrain({"run", scenario, "--out", dir_ + "/results"}, dir_);
  EXPECT_EQ(r.exit_code, 1) << r.err;  // not 3, the timeout
  EXPECT_NE(r.err.find("the arbiter refused task 3 of 5: cannot escrow the reward"),
            std::string::npos)
      << r.err;
  // The two tasks that ran are in the results.
  auto summary = nlohmann::json::parse(ReadFile(dir_ + "/results/summary.json"));
  EXPECT_EQ(summary.at("tasks").size(), 2u) << summary.dump();
}

TEST_F(RunTest, GlobalTimeoutKillsEveryRole) {
  // A solver that never answers: the run must stop at timeout_s.
  const std::string bin = FakeBinDir("solver", "while true; do sleep 1; done");
  const std::string scenario = Patched("synthetic", {{"timeout_s", 3}});
  CommandResult r = RunVeritrain(
      {"run", scenario, "--out", dir_ + "/results", "--bin-dir", bin}, dir_);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("timeout_s"), std::string::npos) << r.err;
}

TEST_F(RunTest, ARoleThatFailsToStartHasItsErrorPrinted) {
  // The real solver, started with a config it cannot read: its error is in
  // its log, and `run` must say it too.
  const std::string bin = FakeBinDir(
      "solver", "exec " + std::string(VERITRAIN_BIN_DIR) + "/veritrain-solver --config " + dir_ +
                    "/no-such-config.json");
  CommandResult r = RunVeritrain(
      {"run", Scenario("synthetic"), "--out", dir_ + "/results", "--bin-dir", bin}, dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("veritrain-solver (solver-1) exited with status 2: "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("no-such-config.json"), std::string::npos) << r.err;
}

TEST_F(RunTest, AnOutThatCannotBeWrittenExitsTwoBeforeAnythingStarts) {
  std::ofstream(dir_ + "/a-file") << "x";
  CommandResult r =
      RunVeritrain({"run", Scenario("synthetic"), "--out", dir_ + "/a-file/results"}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(dir_ + "/a-file/results"), std::string::npos) << r.err;
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_NE(e.path().filename().string().rfind("veritrain-", 0), 0u)
        << "a private temp dir was made: " << e.path();
  }
}

// A run that stays up until it is stopped: its solver never answers.
pid_t StartStuckRun(const std::string& dir, const std::string& out, const std::string& bin) {
  return test_support::SpawnVeritrain(
      {"run", std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/synthetic.json", "--out", out,
       "--bin-dir", bin},
      dir);
}

// A socket's path longer than a Unix socket's room (a long TMPDIR) is
// named with what to change, not left to ZeroMQ's "File name too long".
TEST_F(RunTest, ASocketPathTooLongNamesTMPDIR) {
  std::string deep = dir_;
  while (deep.size() < 110) deep += "/" + std::string(20, 'd');
  std::filesystem::create_directories(deep);
  const std::string out = dir_ + "/out";
  CommandResult r = RunVeritrain({"run", Scenario("synthetic"), "--out", out}, deep);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("a Unix socket's path can be: the run's work directory is made in TMPDIR"),
            std::string::npos)
      << r.out << r.err;
}

TEST_F(RunTest, ASecondRunIntoTheSameFolderIsRefused) {
  const std::string bin = FakeBinDir("solver", "while true; do sleep 1; done");
  const std::string out = dir_ + "/results";
  const pid_t first = StartStuckRun(dir_, out, bin);
  // Once its private dir has its role configs, the first run holds the
  // folder (it is locked before anything is made).
  const std::string work =
      test_support::WaitForWorkDir(dir_, first, {"arbiter.json"}, std::chrono::seconds(120));
  ASSERT_FALSE(work.empty()) << "the first run did not start";
  const std::string second_dir = dir_ + "/second";
  fs::create_directories(second_dir);
  CommandResult second =
      RunVeritrain({"run", Scenario("synthetic"), "--out", out, "--in-process"}, second_dir);
  test_support::StopVeritrain(first);
  EXPECT_EQ(second.exit_code, 2) << second.out << second.err;
  EXPECT_NE(second.err.find("is in use by another veritrain run (pid " + std::to_string(first)),
            std::string::npos)
      << second.err;
  EXPECT_FALSE(fs::exists(out + "/summary.json"));
}

TEST_F(RunTest, APrivateDirLeftByAKilledRunIsRemovedByTheNext) {
  const std::string bin = FakeBinDir("solver", "while true; do sleep 1; done");
  const pid_t killed = StartStuckRun(dir_, dir_ + "/killed", bin);
  const std::string work = test_support::WaitForWorkDir(dir_, killed, {"owner.lock", "keys"},
                                                        std::chrono::seconds(120));
  ASSERT_FALSE(work.empty()) << "the run did not start";
  kill(killed, SIGKILL);
  waitpid(killed, nullptr, 0);
  ASSERT_TRUE(fs::exists(work + "/keys")) << "SIGKILL leaves the dir: nothing could remove it";
  CommandResult next =
      RunVeritrain({"run", Scenario("synthetic"), "--out", dir_ + "/next", "--in-process"}, dir_);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_FALSE(fs::exists(work)) << "the killed run's keys are still in " << work;
}

TEST_F(RunTest, ProgressSaysWhichTaskAndTheFinalStateOnce) {
  // stderr is a file here: progress comes as log lines.
  const std::string scenario = Patched("synthetic", {{"tasks", 2}, {"expect", nlohmann::json::array()}});
  CommandResult r = RunVeritrain({"run", scenario, "--out", dir_ + "/two", "--in-process"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("task 1/2 · posting the task"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("task 2/2 · posting the task"), std::string::npos) << r.err;
  size_t finals = 0;
  for (size_t at = r.err.find("finished"); at != std::string::npos;
       at = r.err.find("finished", at + 1)) {
    ++finals;
  }
  EXPECT_EQ(finals, 1u) << r.err;
  // No line twice in a row.
  std::istringstream lines(r.err);
  std::string line, last;
  while (std::getline(lines, line)) {
    EXPECT_NE(line, last) << r.err;
    last = line;
  }
}

TEST_F(RunTest, PrintsItsVersion) {
  CommandResult r = RunVeritrain({"--version"}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("veritrain ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("(commit "), std::string::npos) << r.out;
}

TEST_F(RunTest, ACorruptNodeTargetThatIsNotInTheGraphIsRefused) {
  for (const auto& [params, expected] :
       std::vector<std::pair<nlohmann::json, std::string>>{
           {{{"node", "bogus.forward"}}, "no node \"bogus.forward\" in the step graph of job synthetic"},
           {{{"node", "fc2.bakward"}}, "did you mean \"fc2.backward\"?"},
           {{{"step", 300}}, "step 300 is past the last step of the task"},
           {{{"node", "loss.forward"}}, "corrupting \"loss.forward\" cannot change the trained "
                                        "state"}}) {
    auto j = nlohmann::json::parse(ReadFile(Scenario("dispute/corrupt-node-n2")));
    for (auto& p : j["participants"]) {
      if (p.value("behaviour", std::string()) == "corrupt-node") p["params"].merge_patch(params);
    }
    const std::string path = dir_ + "/corrupt.json";
    std::ofstream(path) << j.dump(2);
    CommandResult check = RunVeritrain({"check", path}, dir_);
    EXPECT_EQ(check.exit_code, 2) << params.dump() << "\n" << check.out << check.err;
    EXPECT_NE(check.err.find(expected), std::string::npos) << check.err;
    CommandResult run = RunVeritrain({"run", path, "--out", dir_ + "/corrupt"}, dir_);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_FALSE(fs::exists(dir_ + "/corrupt")) << "the run started";
  }
}

TEST_F(RunTest, NodesListsTheGraphOfAScenarioOrATorchScriptFile) {
  CommandResult r = RunVeritrain({"nodes", Scenario("quickstart")}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"fc1.forward", "loss.forward", "fc2.backward", "state.assemble"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("game nodes"), std::string::npos) << r.out;
  // --json prints the graph alone on stdout (the dataset cache's log lines
  // go to stderr), so it can be piped into a JSON reader.
  CommandResult json_out = RunVeritrain({"nodes", Scenario("quickstart"), "--json"}, dir_);
  ASSERT_EQ(json_out.exit_code, 0) << json_out.err;
  EXPECT_NE(json_out.err.find("dataset cache"), std::string::npos) << json_out.err;
  ASSERT_TRUE(nlohmann::json::accept(json_out.out)) << json_out.out;
  EXPECT_EQ(nlohmann::json::parse(json_out.out)["game_nodes"], 13);

  const std::string model = std::string(VERITRAIN_SOURCE_DIR) + "/examples/torchscript/fashion_cnn.pt";
  CommandResult ts =
      RunVeritrain({"nodes", "--torchscript", model, "--input-shape", "784", "--json"}, dir_);
  ASSERT_EQ(ts.exit_code, 0) << ts.err;
  auto graph = nlohmann::json::parse(ts.out);
  EXPECT_EQ(graph["nodes"].back()["name"], "state.assemble");
  EXPECT_EQ(graph["coarse"], false);

  const std::string residual =
      std::string(VERITRAIN_SOURCE_DIR) + "/tests/unit/train/data/residual.pt";
  CommandResult coarse =
      RunVeritrain({"nodes", "--torchscript", residual, "--input-shape", "16"}, dir_);
  ASSERT_EQ(coarse.exit_code, 0) << coarse.err;
  EXPECT_NE(coarse.out.find("coarse"), std::string::npos) << coarse.out;
  EXPECT_NE(coarse.out.find("note: the model is trained as one coarse node"), std::string::npos)
      << coarse.out;

  CommandResult no_shape = RunVeritrain({"nodes", "--torchscript", residual}, dir_);
  EXPECT_EQ(no_shape.exit_code, 2);
  EXPECT_NE(no_shape.err.find("--input-shape"), std::string::npos) << no_shape.err;
  // The model's options beside a scenario, which sets them itself: refused
  // (they were ignored, exit 0).
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--input-shape", "1,28,28"}, {"--batch-size", "7"},
        {"--dtype", "float64"}}) {
    std::vector<std::string> args = {"nodes", Scenario("quickstart")};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = RunVeritrain(args, dir_);
    EXPECT_EQ(r.exit_code, 2) << extra[0] << r.out << r.err;
    EXPECT_NE(r.err.find("--torchscript"), std::string::npos) << extra[0] << r.err;
  }

  // A batch too large to trace is bad input, said in one line: no crash.
  CommandResult huge = RunVeritrain({"nodes", "--torchscript", model, "--input-shape",
                                     "1,2800,2800", "--batch-size", "1048576"},
                                    dir_);
  EXPECT_EQ(huge.exit_code, 2) << huge.err;
  EXPECT_NE(huge.err.find("cannot trace the model on a batch of 1048576 samples"),
            std::string::npos)
      << huge.err;
  EXPECT_EQ(huge.err.find("frame #"), std::string::npos) << huge.err;
}

// Every field of a real summary.json is one the shape that `check` holds
// expectations against knows: a scenario expecting each of them checks.
TEST_F(RunTest, EveryFieldOfARealSummaryCanBeExpected) {
  for (const char* name : {"synthetic", "econ/forced-errors-expose-lazy"}) {
    const std::string out = dir_ + "/" + std::string(name).substr(0, 4);
    CommandResult r = RunVeritrain({"run", Scenario(name), "--out", out, "--in-process"}, dir_);
    ASSERT_EQ(r.exit_code, 0) << name << "\n" << r.err;
    const auto summary = nlohmann::json::parse(ReadFile(out + "/summary.json"));
    // In-process: one memory figure, the process's, which holds every role.
    EXPECT_GT(summary["timings"].value("runner_peak_rss_bytes", int64_t{0}), 0) << name;
    EXPECT_FALSE(summary["timings"].contains("peak_rss_bytes")) << name;
    auto j = nlohmann::json::parse(ReadFile(Scenario(name)));
    j["expect"] = nlohmann::json::array();
    const auto flat = summary.flatten();
    // Each with the value it has: its path and its type (an outcome, a
    // mode, a number written "nan") must pass the check.
    for (const auto& [path, value] : flat.items()) {
      // The expectations are written after they are evaluated.
      if (path.rfind("/expectations", 0) == 0) continue;
      // The value itself: flatten() writes an empty list or object as
      // null, which such a field never is.
      j["expect"].push_back(
          {{"path", path}, {"equals", summary.at(nlohmann::json::json_pointer(path))}});
    }
    ASSERT_GT(j["expect"].size(), 50u);
    const std::string path = dir_ + "/every-field.json";
    std::ofstream(path) << j.dump(2);
    CommandResult check = RunVeritrain({"check", path}, dir_);
    EXPECT_EQ(check.exit_code, 0) << name << "\n" << check.err;
  }
}

}  // namespace
}  // namespace veritrain
