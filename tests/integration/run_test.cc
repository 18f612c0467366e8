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
std::string ReadFile(const std::string& path) { return test_support::ReadWholeFile(path); }

// Runs the veritrain command with TMPDIR set to `tmpdir`, waiting for it.
CommandResult RunVeritrain(const std::vector<std::string>& args, const std::string& tmpdir) {
  return test_support::WaitVeritrain(test_support::SpawnVeritrain(args, tmpdir), tmpdir);
}

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
  EXPECT_NE(csv.find("\ntask-0001,accepted,false,synthetic,200,20,10,exact,3,60,"),
            std::string::npos)
      << csv;

  auto manifest = nlohmann::json::parse(ReadFile(out + "/manifest.json"));
  EXPECT_EQ(manifest.at("seed"), 7);
  EXPECT_EQ(manifest.at("scenario").at("name"), "synthetic");
  EXPECT_TRUE(manifest.at("build").contains("commit"));
  EXPECT_EQ(manifest.at("hardware_profiles").at("solver-1").at("threads"), 1);
  for (const char* log : {"arbiter", "solver-1", "verifier-1"}) {
    EXPECT_TRUE(fs::exists(out + "/logs/" + log + ".log")) << log;
  }
  // The private temp dir (keys, sockets, checkpoints) is gone.
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind("veritrain-", 0), std::string::npos)
        << e.path();
  }
}

TEST_F(RunTest, SameSeedGivesIdenticalSummaryApartFromTimings) {
  auto run = [&](const std::string& name) {
    CommandResult r = RunVeritrain({"run", Scenario("synthetic"), "--out", dir_ + "/" + name}, dir_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto s = nlohmann::json::parse(ReadFile(dir_ + "/" + name + "/summary.json"));
    s.erase("timings");
    s.erase("network");
    for (auto& t : s["tasks"]) t.erase("timings");
    return s;
  };
  auto a = run("a"), b = run("b");
  EXPECT_EQ(a.dump(2), b.dump(2));
  EXPECT_FALSE(a["tasks"][0]["trace_root"].get<std::string>().empty());
}

TEST_F(RunTest, InvalidScenarioExitsTwoAndStartsNothing) {
  const std::string bad = Patched("synthetic", {{"job", {{"name", "resnet-9000"}}}});
  const std::string out = dir_ + "/results";
  CommandResult r = RunVeritrain({"run", bad, "--out", out}, dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/job/name"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
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

}  // namespace
}  // namespace veritrain
