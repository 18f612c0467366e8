// End-to-end tests of the research workflow: `veritrain check` listing every
// error, the same seed giving the same results in process and in-process
// mode, a sweep and its shards merging to the same sweep.csv, and reports.
#include <fcntl.h>
#include <signal.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto/sha256.h"
#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using test_support::CommandResult;
using test_support::RunVeritrain;
std::string ReadFile(const std::string& path) { return test_support::ReadWholeFile(path); }

// summary.json without its timing fields: every object named "timings",
// and the network counters (they count messages, whose number depends on
// timing).
std::string SummaryWithoutTimings(const std::string& path) {
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
  return j.dump(2);
}

// A CSV file without its timing columns (names ending in "_s"). The files
// checked here quote no field that holds a comma, except JSON values.
std::string CsvWithoutTimings(const std::string& path) {
  std::istringstream in(ReadFile(path));
  std::string line, out;
  std::vector<bool> keep;
  auto split = [](const std::string& l) {
    std::vector<std::string> fields;
    std::string f;
    bool quoted = false;
    for (char c : l) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) {
        fields.push_back(f);
        f.clear();
      } else {
        f += c;
      }
    }
    fields.push_back(f);
    return fields;
  };
  bool header = true;
  while (std::getline(in, line)) {
    auto fields = split(line);
    if (header) {
      for (const auto& f : fields) keep.push_back(f.size() < 2 || f.substr(f.size() - 2) != "_s");
      header = false;
    }
    EXPECT_EQ(fields.size(), keep.size()) << line;
    for (size_t i = 0; i < fields.size() && i < keep.size(); ++i) {
      if (keep[i]) out += fields[i] + ",";
    }
    out += "\n";
  }
  return out;
}

size_t Lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The file's text, "" while it does not exist.
std::string ReadFileIfAny(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class WorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = fs::temp_directory_path().string() + "/vt-wf-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back(0);
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A short synthetic scenario, with `patch` merged in (RFC 7386).
  std::string Write(const std::string& name, const json& patch) {
    json j = json::parse(ReadFile(std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/synthetic.json"));
    j.merge_patch({{"job", {{"steps", 40}}},
                   {"protocol", {{"checkpoint_interval", 10}, {"random_samples", 1}}},
                   {"expect", json::array()}});
    if (patch.is_object()) j.merge_patch(patch);
    const std::string path = dir_ + "/" + name + ".json";
    std::ofstream(path) << j.dump(2);
    return path;
  }
  // A short torchscript scenario reading files beside it (chain.pt, 16
  // features to 4 classes, and data.csv: 64 rows), with `patch` merged in.
  std::string WriteWithFiles(const std::string& name, const json& patch) {
    fs::copy_file(std::string(VERITRAIN_SOURCE_DIR) + "/tests/unit/train/data/chain.pt",
                  dir_ + "/chain.pt", fs::copy_options::overwrite_existing);
    std::ofstream(dir_ + "/data.csv") << CsvRows(64);
    json j = {{"job",
               {{"name", "torchscript"},
                {"params",
                 {{"model", "chain.pt"}, {"dataset", {{"format", "csv"}, {"train", "data.csv"}}}}}}}};
    if (patch.is_object()) j.merge_patch(patch);
    return Write(name, j);
  }
  // `n` rows of 16 features and a label in 0..3.
  static std::string CsvRows(int n) {
    std::string rows;
    for (int i = 0; i < n; ++i) {
      for (int f = 0; f < 16; ++f) rows += std::to_string(((i * 7 + f * 3) % 11) / 10.0) + ",";
      rows += std::to_string(i % 4) + "\n";
    }
    return rows;
  }
  std::string dir_;
};

TEST_F(WorkflowTest, CheckListsEveryErrorWithItsPathAndExitsTwo) {
  const std::string file =
      std::string(VERITRAIN_SOURCE_DIR) + "/tests/unit/scenario/data/three_errors.json";
  CommandResult r = RunVeritrain({"check", file}, dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Lines(r.err), 3u) << r.err;
  for (const char* path : {": /colour: ", ": /job/steps: ", ": /participants/1/role: "}) {
    EXPECT_NE(r.err.find(file + path), std::string::npos) << path << "\n" << r.err;
  }
}

// A plug-in whose loading ends the process with exit(0) must not make a
// command exit 0 as if it had run (a scenario used as a CI test would pass
// having done nothing): it exits 70 and says why, naming the plug-in.
TEST_F(WorkflowTest, APluginThatExitsWhileLoadingIsNotASuccess) {
  const std::string file = Write("plain", {});
  for (const char* command : {"check", "run"}) {
    CommandResult r =
        RunVeritrain({command, file, "--plugin", VERITRAIN_EXITING_PLUGIN}, dir_);
    EXPECT_EQ(r.exit_code, 70) << command << "\n" << r.err;
    EXPECT_NE(r.err.find("the process was ended by a call to exit() before the command "
                         "finished while loading plug-in "),
              std::string::npos)
        << command << "\n" << r.err;
    EXPECT_NE(r.err.find("exiting_plugin"), std::string::npos) << r.err;
  }
  // A command that finishes keeps its own exit status.
  CommandResult bad = RunVeritrain({"check", dir_ + "/missing.json"}, dir_);
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_EQ(bad.err.find("ended by a call to exit()"), std::string::npos) << bad.err;
}

// A plug-in job whose step depends on the process computing it (a value
// drawn when its library loads) passes the in-process check, and an honest
// solver would lose its stake to a verifier's process: check refuses it,
// having stepped the job in another process.
TEST_F(WorkflowTest, APluginJobThatDependsOnItsProcessIsRefused) {
  const std::string file = Write("process-dependent", {{"job", {{"name", "process-dependent"}}}});
  CommandResult r =
      RunVeritrain({"check", file, "--plugin", VERITRAIN_PROCESS_DEPENDENT_PLUGIN}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(file + ": /job: node 'fc.forward' gave another value of 'act/fc' in "
                              "another process"),
            std::string::npos)
      << r.err;
}

// A plug-in job whose op throws on its 200th call: check's few steps pass
// it, and the solver's training fails on a step. That is the job's bug, not
// a solver that timed out: the run fails naming the error (it exited 0, the
// task settled as solver_timeout and the honest solver slashed).
TEST_F(WorkflowTest, AJobThatFailsInTrainingFailsTheRun) {
  const std::string file =
      Write("fails", {{"job", {{"name", "fails-in-training"}, {"steps", 400}}},
                      {"protocol", {{"checkpoint_interval", 100}}}});
  CommandResult checked = RunVeritrain({"check", file, "--plugin", VERITRAIN_FAILING_PLUGIN}, dir_);
  ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  const std::string out = dir_ + "/fails";
  CommandResult r =
      RunVeritrain({"run", file, "--out", out, "--plugin", VERITRAIN_FAILING_PLUGIN}, dir_);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("veritrain-solver (solver-1) exited with status 1: Internal: training "
                       "task-0001: node 'fc.forward': the fc op failed at its 200th call"),
            std::string::npos)
      << r.err;
}

// A run interrupted while its roles work ends with 130 and says it was
// interrupted, not that it failed ("run failed: Unavailable: interrupted").
TEST_F(WorkflowTest, AnInterruptedRunSaysSoRatherThanThatItFailed) {
  const std::string file = Write("interrupted", {{"job", {{"steps", 100000}}},
                                                 {"protocol", {{"checkpoint_interval", 50000}}},
                                                 {"timeout_s", 600}});
  const std::string out = dir_ + "/interrupted";
  const pid_t run = test_support::SpawnVeritrain({"run", file, "--out", out}, dir_);
  // The roles work once the solver has joined.
  const std::string log = out + "/logs/solver-1.log";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (ReadFileIfAny(log).find("joined") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline && waitpid(run, nullptr, WNOHANG) == 0) {
    // Nothing to wait on for a file another process writes.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(ReadFileIfAny(log).find("joined"), std::string::npos);
  kill(run, SIGINT);
  CommandResult r = test_support::WaitVeritrain(run, dir_);
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_NE(r.err.find("run interrupted"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("run failed"), std::string::npos) << r.err;
}

// A script's background job starts with SIGINT ignored; a harness may
// start it with signals blocked. An interrupt sent at once, before the
// runner's own handlers exist, must still end the command with 130, not
// be lost while the whole run goes on to exit 0.
TEST_F(WorkflowTest, AnInterruptBeforeTheRunStartsEndsItEvenIfInheritedIgnored) {
  const std::string file = Write("early-interrupt", {});
  sigset_t interrupts, before;
  sigemptyset(&interrupts);
  sigaddset(&interrupts, SIGINT);
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGINT, &ignore, &previous), 0);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &interrupts, &before), 0);
  // Blocked, the signal stays pending in the child until it unblocks it.
  const pid_t pid = test_support::SpawnVeritrain({"run", file, "--out", dir_ + "/early"}, dir_);
  ASSERT_EQ(sigprocmask(SIG_SETMASK, &before, nullptr), 0);
  ASSERT_EQ(sigaction(SIGINT, &previous, nullptr), 0);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGINT), 0);
  CommandResult r = test_support::WaitVeritrain(pid, dir_);
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_NE(r.err.find("veritrain: interrupted"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/early/summary.json"));
}

// `veritrain calibrate` says the caveats a run with its thresholds would
// give, in the same words (it printed the predicted rate, unwarned).
TEST_F(WorkflowTest, CalibrateSaysTheCaveatsARunWould) {
  const std::string file =
      std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/pol/calibration-too-tight-warns.json";
  CommandResult r = RunVeritrain({"calibrate", file, "--out", dir_ + "/cal"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find(file + ": warning: the calibration predicts that "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("honest interval checks outside delta"), std::string::npos) << r.err;
  // The task's own seeds, which the calibration does not train, checked
  // under the calibrated δ as a run checks them.
  EXPECT_NE(r.err.find(file + ": warning: /protocol/calibration: the calibrated delta l2 "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("verifier-1 would challenge an honest solver there"), std::string::npos)
      << r.err;
}

// `calibrate --out` replaces its own three files and nothing else: a folder
// with a file of the user's (or a run's results) is refused before any
// work, and left as it was. It replaced the user's calibration.csv there.
TEST_F(WorkflowTest, CalibrateRefusesAFolderOfOtherFiles) {
  const std::string file =
      std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/pol/calibration-too-tight-warns.json";
  const std::string out = dir_ + "/mine";
  fs::create_directories(out);
  std::ofstream(out + "/notes.txt") << "the user's";
  std::ofstream(out + "/calibration.csv") << "the user's too";
  CommandResult r = RunVeritrain({"calibrate", file, "--out", out}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--out " + out + " holds files that are not a calibration's (notes.txt)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(ReadFile(out + "/calibration.csv"), "the user's too");
  EXPECT_FALSE(fs::exists(out + "/calibration.json"));
}

// A sweep says its runs' warnings, once per text with how many runs gave
// it: a run alone prints them, and a sweep printed none (a calibrated δ
// below the honest error of most of its runs went unsaid).
TEST_F(WorkflowTest, ASweepSaysItsRunsWarnings) {
  json j = json::parse(ReadFile(std::string(VERITRAIN_SOURCE_DIR) +
                                "/scenarios/pol/calibration-too-tight-warns.json"));
  j["sweep"] = {{"parameters", json::array()}, {"repetitions", 2}};
  j["expect"] = json::array();
  const std::string file = dir_ + "/tight-sweep.json";
  std::ofstream(file) << j.dump(2);
  CommandResult r = RunVeritrain({"sweep", file, "--out", dir_ + "/tight-sweep"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find(" of 2 runs warn: /protocol/calibration: the calibrated delta"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sweep: 2 of 2 runs warn: the calibration predicts that "),
            std::string::npos)
      << r.err;
}

// A plug-in that crashes while it loads: the process dies of the signal,
// having named the plug-in.
TEST_F(WorkflowTest, APluginThatCrashesWhileLoadingIsNamed) {
  CommandResult r =
      RunVeritrain({"check", Write("plain", {}), "--plugin", VERITRAIN_CRASHING_PLUGIN}, dir_);
  EXPECT_EQ(r.exit_code, 128 + SIGSEGV) << r.err;
  EXPECT_NE(r.err.find("veritrain: crashed (signal 11) while loading plug-in "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("crashing_plugin"), std::string::npos) << r.err;
}

// Exact mode with a verifier on another thread count is valid (a preset
// shows its false positive on purpose) but warned about: exit 0, the
// warning on stderr naming the file, the field and both participants.
TEST_F(WorkflowTest, CheckWarnsAboutExactModeAcrossThreadCounts) {
  json participants = json::parse(ReadFile(std::string(VERITRAIN_SOURCE_DIR) +
                                           "/scenarios/synthetic.json"))["participants"];
  for (auto& p : participants) {
    if (p["role"] == "verifier") p["profile"] = {{"threads", 2}};
  }
  const std::string file =
      Write("threads-exact", {{"protocol", {{"mode", "exact"}}}, {"participants", participants}});
  CommandResult r = RunVeritrain({"check", file}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(file + ": warning: /protocol/mode: exact mode compares checkpoints bit "
                              "for bit"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(threads 2 against 1)"), std::string::npos) << r.err;
  CommandResult plain = RunVeritrain({"check", Write("plain", {})}, dir_);
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.err.find("warning:"), std::string::npos) << plain.err;
}

TEST_F(WorkflowTest, CheckValidatesEveryPointOfASweep) {
  const std::string file = Write(
      "bad-sweep", {{"sweep",
                     {{"parameters",
                       {{{"path", "protocol.checkpoint_interval"}, {"values", {10, 7, 20, 3}}}}}}}});
  CommandResult r = RunVeritrain({"check", file}, dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Lines(r.err), 2u) << r.err;
  EXPECT_NE(r.err.find("point 1 (protocol.checkpoint_interval=7): /protocol/checkpoint_interval"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("point 3 (protocol.checkpoint_interval=3)"), std::string::npos) << r.err;
}

// A hand-set δ that the first interval's honest error stays within but a
// later one's does not (a float64 verifier of a float32 solver, SGD at
// learning rate 20) is refused by check and run, naming the interval:
// run on, the verifier would challenge the honest solver there and lose
// its stake.
TEST_F(WorkflowTest, CheckRefusesADeltaALaterIntervalsHonestErrorExceeds) {
  const std::string file = Write(
      "later-interval",
      {{"job",
        {{"steps", 40},
         {"params", {{"optimizer", {{"name", "sgd"}, {"lr", 20}, {"momentum", nullptr}}}}}}},
       {"protocol",
        {{"checkpoint_interval", 5},
         {"mode", "tolerance"},
         {"metrics", {"l2"}},
         {"delta", {{"l2", 2e-4}}}}},
       {"participants",
        {{{"name", "solver-1"}, {"role", "solver"}, {"profile", {{"threads", 1}}}},
         {{"name", "verifier-1"},
          {"role", "verifier"},
          {"profile", {{"threads", 1}, {"dtype", "float64"}}}}}}});
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"check", file},
        std::vector<std::string>{"run", file, "--out", dir_ + "/later"}}) {
    const std::string& command = args[0];
    CommandResult r = RunVeritrain(args, dir_);
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(file + ": /protocol/delta: l2 0.0002 is below the honest error of "
                                "interval 1 (steps 5 to 10)"),
              std::string::npos)
        << command << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(dir_ + "/later")) << "the run started";
}

TEST_F(WorkflowTest, SameSeedGivesIdenticalResultsInBothModes) {
  const std::string file = Write("repro", {});
  std::vector<std::string> summaries, metrics;
  for (const std::string mode : {"process", "process", "in-process", "in-process"}) {
    const std::string out = dir_ + "/run-" + std::to_string(summaries.size());
    CommandResult r = RunVeritrain({"run", file, "--mode", mode, "--out", out}, dir_);
    ASSERT_EQ(r.exit_code, 0) << mode << "\n" << r.out << r.err;
    auto manifest = json::parse(ReadFile(out + "/manifest.json"));
    EXPECT_EQ(manifest["execution"]["mode"], mode);
    summaries.push_back(SummaryWithoutTimings(out + "/summary.json"));
    metrics.push_back(CsvWithoutTimings(out + "/metrics.csv"));
  }
  EXPECT_NE(summaries[0].find("\"trace_root\""), std::string::npos);
  for (size_t i = 1; i < summaries.size(); ++i) {
    EXPECT_EQ(summaries[i], summaries[0]) << "run " << i;
    EXPECT_EQ(metrics[i], metrics[0]) << "run " << i;
  }
  // The timing fields do differ, so they were what the comparison removed.
  EXPECT_NE(ReadFile(dir_ + "/run-0/summary.json"), ReadFile(dir_ + "/run-1/summary.json"));
}

// --in-process and --mode process contradict each other: the run took
// one of them silently.
TEST_F(WorkflowTest, ContradictoryModeFlagsAreRefused) {
  const std::string file = Write("modes", json::object());
  CommandResult r = RunVeritrain(
      {"run", file, "--in-process", "--mode", "process", "--out", dir_ + "/modes"}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/modes"));
}

// --out "" (a shell variable left unset) was taken for --out left out,
// and the results went to ./results/ of wherever the command ran; cache
// clear --cache-dir "" emptied the default cache.
TEST_F(WorkflowTest, AnEmptyOutFolderIsRefusedNotTakenForTheDefault) {
  const std::string file = Write("empty-out", json::object());
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"run", file, "--out", ""},
                                             {"report", dir_, "--out", ""},
                                             {"cache", "clear", "--cache-dir", ""}}) {
    CommandResult r = RunVeritrain(command, dir_);
    EXPECT_EQ(r.exit_code, 2) << command[0] << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(command[command.size() - 2] +
                         ": is empty: give a path, or leave the option out"),
              std::string::npos)
        << command[0] << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir_ + "/results"));
}

// A gnuplot named on the command line that cannot run gave a report with
// no plots, and exit status 0.
TEST_F(WorkflowTest, AReportWithAGnuplotThatCannotRunIsRefused) {
  CommandResult r = RunVeritrain({"report", dir_, "--gnuplot", "/bin/false"}, dir_);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("report: --gnuplot /bin/false: "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/report.html"));
}

TEST_F(WorkflowTest, InProcessTimeoutStopsEveryRoleThread) {
  // Training 4000 steps takes far longer than the 0.5 s allowed.
  const std::string file = Write("slow", {{"job", {{"steps", 4000}}}, {"timeout_s", 0.5}});
  const auto start = std::chrono::steady_clock::now();
  CommandResult r = RunVeritrain({"run", file, "--in-process", "--out", dir_ + "/slow"}, dir_);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("timeout_s = 0.5 s"), std::string::npos) << r.err;
  // The roles ended on the arbiter's shutdown event, well within the 5 s
  // grace (plus the command's start-up).
  EXPECT_LT(seconds, 30.0);
  for (const auto& e : fs::directory_iterator(dir_ + "/slow/logs")) {
    EXPECT_LT(fs::file_size(e.path()), 100000u) << e.path();
  }
}

TEST_F(WorkflowTest, ShardsMergeIntoTheSweepCsvOfTheWholeSweep) {
  const std::string file = Write(
      "sweep", {{"sweep",
                 {{"parameters",
                   {{{"path", "protocol.random_samples"}, {"values", {1, 2}}},
                    {{"path", "protocol.top_q"}, {"values", {0, 1}}}}},
                  {"repetitions", 2}}}});
  CommandResult whole = RunVeritrain({"sweep", file, "--out", dir_ + "/whole", "--jobs", "2"}, dir_);
  ASSERT_EQ(whole.exit_code, 0) << whole.out << whole.err;
  std::vector<std::string> shards;
  for (int i = 0; i < 3; ++i) {
    shards.push_back(dir_ + "/shard" + std::to_string(i));
    CommandResult r = RunVeritrain({"sweep", file, "--shard", std::to_string(i) + "/3", "--out",
                                    shards.back(), "--jobs", "2"},
                                   dir_);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::vector<std::string> merge_args = {"merge"};
  merge_args.insert(merge_args.end(), shards.begin(), shards.end());
  merge_args.insert(merge_args.end(), {"--out", dir_ + "/merged", "--report"});
  CommandResult merged = RunVeritrain(merge_args, dir_);
  ASSERT_EQ(merged.exit_code, 0) << merged.out << merged.err;

  const std::string csv = ReadFile(dir_ + "/whole/sweep.csv");
  EXPECT_EQ(Lines(csv), 1u + 8u) << csv;
  EXPECT_EQ(CsvWithoutTimings(dir_ + "/merged/sweep.csv"), CsvWithoutTimings(dir_ + "/whole/sweep.csv"));
  EXPECT_EQ(ReadFile(dir_ + "/merged/aggregates.csv"), ReadFile(dir_ + "/whole/aggregates.csv"));
  EXPECT_TRUE(fs::exists(dir_ + "/merged/runs/run-000007/summary.json"));
  EXPECT_TRUE(fs::exists(dir_ + "/merged/report.html"));

  // A missing shard is refused; merged with --allow-missing, the folder
  // audits as incomplete.
  CommandResult partial = RunVeritrain({"merge", shards[0], shards[1], "--out", dir_ + "/m2"}, dir_);
  EXPECT_EQ(partial.exit_code, 2);
  EXPECT_NE(partial.err.find("in no shard"), std::string::npos) << partial.err;
  ASSERT_EQ(RunVeritrain({"merge", shards[0], shards[1], "--out", dir_ + "/m2", "--allow-missing"},
                         dir_)
                .exit_code,
            0);
  // Its report says so: its tables and plots are over the runs it has
  // (the page said only "runs in this folder 4").
  CommandResult reported = RunVeritrain({"report", dir_ + "/m2"}, dir_);
  EXPECT_EQ(reported.exit_code, 0) << reported.out << reported.err;
  EXPECT_NE(ReadFile(dir_ + "/m2/report.html").find("of the 8 runs are missing (runs "),
            std::string::npos);
  EXPECT_EQ(ReadFile(dir_ + "/merged/report.html").find("INCOMPLETE"), std::string::npos);
  CommandResult holes = RunVeritrain({"audit", dir_ + "/m2"}, dir_);
  EXPECT_EQ(holes.exit_code, 0) << holes.out;
  EXPECT_NE(holes.out.find("of the 8 runs it plans are here"), std::string::npos) << holes.out;
  EXPECT_NE(holes.out.find("audit: passed, incomplete"), std::string::npos) << holes.out;
  // It says how to fill the merge (sweep --resume does not add to one, and
  // says so, not that the scenario changed).
  EXPECT_NE(holes.out.find("merging again with the shards that hold the missing runs adds them"),
            std::string::npos)
      << holes.out;
  CommandResult resume_merge =
      RunVeritrain({"sweep", file, "--out", dir_ + "/m2", "--resume"}, dir_);
  EXPECT_EQ(resume_merge.exit_code, 2) << resume_merge.err;
  EXPECT_NE(resume_merge.err.find("is a merge of shards (sweep.json's merged_from), which "
                                  "--resume does not add to"),
            std::string::npos)
      << resume_merge.err;

  // Shards run in different execution modes are refused: one table would
  // mix timings of threads and processes under one label.
  {
    const std::string recorded = ReadFile(shards[2] + "/sweep.json");
    json m = json::parse(recorded);
    ASSERT_EQ(m["execution"], "in-process");
    m["execution"] = "process";
    std::ofstream(shards[2] + "/sweep.json") << m.dump(2);
    CommandResult mixed =
        RunVeritrain({"merge", shards[0], shards[1], shards[2], "--out", dir_ + "/mixed"}, dir_);
    EXPECT_EQ(mixed.exit_code, 2) << mixed.err;
    EXPECT_NE(mixed.err.find("was swept in execution mode \"process\" but"), std::string::npos) << mixed.err;
    std::ofstream(shards[2] + "/sweep.json") << recorded;
  }

  // The output may not be one of the shards (it would be overwritten in
  // place), nor a folder of other files (left as it is).
  std::vector<std::string> into_shard = {"merge", shards[0], shards[1], shards[2], "--out",
                                         shards[0]};
  CommandResult onto = RunVeritrain(into_shard, dir_);
  EXPECT_EQ(onto.exit_code, 2);
  EXPECT_NE(onto.err.find("is one of the shards it merges"), std::string::npos) << onto.err;
  EXPECT_TRUE(fs::exists(shards[0] + "/sweep.json"));
  fs::create_directories(dir_ + "/mine");
  std::ofstream(dir_ + "/mine/notes.md") << "mine";
  std::vector<std::string> into_mine = {"merge", shards[0], shards[1], shards[2], "--out",
                                        dir_ + "/mine"};
  CommandResult foreign = RunVeritrain(into_mine, dir_);
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_NE(foreign.err.find("not a veritrain run's (notes.md)"), std::string::npos)
      << foreign.err;
  EXPECT_FALSE(fs::exists(dir_ + "/mine/sweep.json"));
  // Nor a folder inside a shard (emptying it would delete that shard's
  // run), nor one around a shard: refused before anything is removed.
  {
    const fs::path inside = fs::directory_iterator(shards[0] + "/runs")->path();
    std::vector<std::string> into_run = {"merge", shards[0], shards[1], shards[2], "--out",
                                         inside.string()};
    CommandResult in = RunVeritrain(into_run, dir_);
    EXPECT_EQ(in.exit_code, 2);
    EXPECT_NE(in.err.find("is inside the shard " + shards[0]), std::string::npos) << in.err;
    EXPECT_TRUE(fs::exists(inside / "summary.json"));
    std::vector<std::string> around = {"merge", shards[0], shards[1], shards[2], "--out", dir_};
    CommandResult out = RunVeritrain(around, dir_);
    EXPECT_EQ(out.exit_code, 2);
    EXPECT_NE(out.err.find("is around the shard"), std::string::npos) << out.err;
    EXPECT_TRUE(fs::exists(inside / "summary.json"));
  }
  // A row edited in a shard's rows.jsonl is not merged as a result, and a
  // row missing beside its run's folder is named as such.
  {
    const std::string recorded = ReadFile(shards[0] + "/rows.jsonl");
    std::istringstream lines(recorded);
    std::string first, rest, line;
    std::getline(lines, first);
    while (std::getline(lines, line)) rest += line + "\n";
    json row = json::parse(first);
    ASSERT_TRUE(row["metrics"].contains("balance.solver-1")) << first;
    row["metrics"]["balance.solver-1"] = row["metrics"]["balance.solver-1"].get<int64_t>() + 1;
    std::ofstream(shards[0] + "/rows.jsonl") << row.dump() << "\n" << rest;
    std::vector<std::string> args = {"merge", shards[0], shards[1], shards[2], "--out",
                                     dir_ + "/edited"};
    CommandResult edited = RunVeritrain(args, dir_);
    EXPECT_EQ(edited.exit_code, 2);
    EXPECT_NE(edited.err.find("is not the one"), std::string::npos) << edited.err;
    EXPECT_NE(edited.err.find("balance.solver-1"), std::string::npos) << edited.err;
    std::ofstream(shards[0] + "/rows.jsonl") << rest;
    CommandResult short_rows = RunVeritrain(args, dir_);
    EXPECT_EQ(short_rows.exit_code, 2);
    EXPECT_NE(short_rows.err.find("holds the folder of run " + row["run"].dump() +
                                  " but its rows.jsonl has no row for it"),
              std::string::npos)
        << short_rows.err;
    std::ofstream(shards[0] + "/rows.jsonl") << recorded;
  }
  // A shard whose run folder is gone is incomplete, not merged without it.
  ASSERT_FALSE(fs::is_empty(shards[1] + "/runs"));
  const fs::path gone = fs::directory_iterator(shards[1] + "/runs")->path();
  ASSERT_GT(fs::remove_all(gone), 0u) << gone;
  std::vector<std::string> incomplete = {"merge", shards[0], shards[1], shards[2], "--out",
                                         dir_ + "/m3"};
  CommandResult lacking = RunVeritrain(incomplete, dir_);
  EXPECT_EQ(lacking.exit_code, 2);
  EXPECT_NE(lacking.err.find("its shard is incomplete"), std::string::npos) << lacking.err;
}

// The merged folder stands for the sweep one machine would have run, and
// fails as it would: shards whose runs missed their expectations do not
// merge into a success.
TEST_F(WorkflowTest, AMergeOfRunsThatFailedFailsAsTheWholeSweepWould) {
  const std::string file = Write(
      "unmet", {{"expect", {{{"path", "/tasks/0/outcome"}, {"equals", "challenge_upheld"}}}},
                {"sweep", {{"parameters", {{{"path", "protocol.top_q"}, {"values", {0, 1}}}}}}}});
  std::vector<std::string> shards;
  for (int i = 0; i < 2; ++i) {
    shards.push_back(dir_ + "/unmet" + std::to_string(i));
    CommandResult r = RunVeritrain(
        {"sweep", file, "--shard", std::to_string(i) + "/2", "--out", shards.back(), "--jobs", "1"},
        dir_);
    ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  }
  CommandResult merged =
      RunVeritrain({"merge", shards[0], shards[1], "--out", dir_ + "/unmet-merged"}, dir_);
  EXPECT_EQ(merged.exit_code, 1) << merged.out << merged.err;
  EXPECT_NE(merged.err.find("merge: 2 runs did not meet their expectations"), std::string::npos)
      << merged.err;
  EXPECT_TRUE(fs::exists(dir_ + "/unmet-merged/sweep.csv"));
}

TEST_F(WorkflowTest, DeltaBehaviourSweepHasARowPerRunAndRatePlots) {
  const std::string preset =
      std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/sweeps/delta-behaviour.json";
  CommandResult r = RunVeritrain(
      {"sweep", preset, "--repetitions", "2", "--jobs", "2", "--out", dir_ + "/db", "--report"},
      dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // 4 values of delta × 3 solvers × 2 repetitions, plus the header.
  EXPECT_EQ(Lines(ReadFile(dir_ + "/db/sweep.csv")), 1u + 24u);
  EXPECT_EQ(Lines(ReadFile(dir_ + "/db/aggregates.csv")), 1u + 12u);
  const std::string html = ReadFile(dir_ + "/db/report.html");
  EXPECT_NE(html.find("Detection and false-positive rates against delta"), std::string::npos);
  EXPECT_NE(html.find("false-positive rate"), std::string::npos);
  EXPECT_NE(html.find("detection rate"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // pandas reads sweep.csv as is, where it is installed (it is not a
  // dependency of the project).
  if (std::system("/usr/bin/python3 -c 'import pandas' 2>/dev/null") == 0) {
    const std::string script =
        "import pandas as pd, sys\n"
        "d = pd.read_csv(sys.argv[1])\n"
        "assert d.shape[0] == 24, d.shape\n"
        "assert d['flagged'].dtype == bool, d['flagged'].dtype\n"
        "assert d['seed'].dtype == 'int64', d['seed'].dtype\n"
        "assert set(d['solver']) == {'honest', 'lazy 10%', 'bfloat16'}, set(d['solver'])\n"
        "assert not d.groupby('solver').flagged.mean().isna().any()\n";
    std::ofstream(dir_ + "/check.py") << script;
    EXPECT_EQ(std::system(("/usr/bin/python3 " + dir_ + "/check.py " + dir_ + "/db/sweep.csv").c_str()),
              0);
  }
  // The run report of one run of the sweep.
  CommandResult run_report = RunVeritrain({"report", dir_ + "/db/runs/run-000003"}, dir_);
  EXPECT_EQ(run_report.exit_code, 0) << run_report.err;
  EXPECT_TRUE(fs::exists(dir_ + "/db/runs/run-000003/report.html"));
}

TEST_F(WorkflowTest, ASweepOverAMisspelledNodeExitsTwoInsteadOfReportingMisses) {
  const std::string file = Write(
      "typo", {{"participants",
                {{{"name", "solver-1"}, {"role", "solver"}, {"behaviour", "corrupt-node"},
                  {"params", {{"step", 13}, {"node", "fc2.backward"}, {"magnitude", 0.5}}}},
                 {{"name", "verifier-1"}, {"role", "verifier"}}}},
               {"sweep",
                {{"parameters",
                  {{{"path", "/participants/0/params/node"},
                    {"name", "node"},
                    {"values", {"fc2.backward", "fc2.bakward"}}}}},
                 {"repetitions", 5}}}});
  for (const std::string command : {"check", "sweep"}) {
    std::vector<std::string> args = {command, file};
    if (command == "sweep") args.insert(args.end(), {"--out", dir_ + "/typo"});
    CommandResult r = RunVeritrain(args, dir_);
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find("point 1 (node=fc2.bakward): /participants/0/params/node: no node "
                         "\"fc2.bakward\""),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("did you mean \"fc2.backward\"?"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir_ + "/typo")) << "the sweep started";
}

TEST_F(WorkflowTest, ASweepIntoAUsedFolderKeepsNothingOfTheOldOne) {
  auto sweep = [&](const std::string& name, const json& values) {
    return Write(name, {{"sweep", {{"parameters", {{{"path", "protocol.top_q"}, {"values", values}}}}}}});
  };
  const std::string out = dir_ + "/sweep";
  ASSERT_EQ(RunVeritrain({"sweep", sweep("four", {0, 1, 2, 3}), "--out", out}, dir_).exit_code, 0);
  ASSERT_TRUE(fs::exists(out + "/runs/run-000003"));
  CommandResult again = RunVeritrain({"sweep", sweep("two", {0, 1}), "--out", out}, dir_);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_FALSE(fs::exists(out + "/runs/run-000002"));
  EXPECT_FALSE(fs::exists(out + "/runs/run-000003"));
  EXPECT_EQ(Lines(ReadFile(out + "/sweep.csv")), 1u + 2u);
  // --resume holds a folder to the sweep it was started with.
  CommandResult other = RunVeritrain({"sweep", sweep("four", {0, 1, 2, 3}), "--out", out, "--resume"}, dir_);
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("holds another sweep"), std::string::npos) << other.err;
  // No counts line, which would read as a sweep that ran and settled nothing.
  EXPECT_EQ((other.out + other.err).find("settled"), std::string::npos) << other.out << other.err;
  EXPECT_NE(other.err.find("sweep: not run"), std::string::npos) << other.err;
}

TEST_F(WorkflowTest, AnInterruptedSweepResumesKeepingTheRunsItFinished) {
  const std::string file =
      Write("long", {{"sweep", {{"parameters", {{{"path", "protocol.top_q"}, {"values", {0, 1}}}}},
                                {"repetitions", 15}}}});
  const std::string out = dir_ + "/long";
  const pid_t sweep = test_support::SpawnVeritrain({"sweep", file, "--out", out, "--jobs", "1"}, dir_);
  // Interrupt it once a few runs have finished (each writes its row.json as
  // it ends); the one running then is interrupted.
  const std::string third = out + "/runs/run-000002/row.json";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (!fs::exists(third) && std::chrono::steady_clock::now() < deadline &&
         waitpid(sweep, nullptr, WNOHANG) == 0) {
    // Nothing to wait on for a file another process writes.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(third));
  kill(sweep, SIGINT);
  CommandResult first = test_support::WaitVeritrain(sweep, dir_);
  ASSERT_EQ(first.exit_code, 130) << first.out << first.err;
  EXPECT_NE(first.err.find("--resume"), std::string::npos) << first.err;
  EXPECT_EQ(first.err.find("failed"), std::string::npos) << first.err;
  // The runs that finished are rows; the one interrupted is not, and not a failure.
  const std::string rows = ReadFile(out + "/rows.jsonl");
  const size_t done = Lines(rows);
  EXPECT_GE(done, 3u);
  EXPECT_LT(done, 30u);
  EXPECT_EQ(rows.find("interrupted"), std::string::npos) << rows;
  EXPECT_EQ(rows.find("\"failed\""), std::string::npos) << rows;
  const auto kept_time = fs::last_write_time(out + "/runs/run-000000/summary.json");
  // What is there audits clean, and the audit says the sweep is not whole.
  CommandResult partial = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(partial.exit_code, 0) << partial.out << partial.err;
  EXPECT_NE(partial.out.find("  note  the sweep is incomplete: " + std::to_string(done) +
                             " of the 30 runs it plans are here"),
            std::string::npos)
      << partial.out;
  EXPECT_NE(partial.out.find("audit: passed, incomplete"), std::string::npos) << partial.out;

  CommandResult resumed = RunVeritrain({"sweep", file, "--out", out, "--resume", "--jobs", "2"}, dir_);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  // A log line: on stderr.
  EXPECT_NE(resumed.err.find(std::to_string(done) + " runs kept from the interrupted sweep"),
            std::string::npos)
      << resumed.err;
  EXPECT_EQ(Lines(ReadFile(out + "/sweep.csv")), 1u + 30u);
  EXPECT_EQ(fs::last_write_time(out + "/runs/run-000000/summary.json"), kept_time)
      << "a finished run was run again";
  CommandResult whole = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(whole.exit_code, 0) << whole.out;
  EXPECT_EQ(whole.out.find("incomplete"), std::string::npos) << whole.out;
  const std::string all = ReadFile(out + "/rows.jsonl");
  EXPECT_EQ(all.find("interrupted"), std::string::npos);
}

// A run that does not settle keeps its row (status "timeout"), and
// sweep.json's "completed" counts the settled ones: the audit compared it
// with every row, so every sweep with a failed run failed its own audit,
// and `report` on it exited 1.
TEST_F(WorkflowTest, ASweepWithARunThatDidNotSettlePassesItsAudit) {
  const std::string file =
      Write("unsettled", {{"job", {{"steps", 4000}}},
                          {"protocol", {{"checkpoint_interval", 1000}}},
                          {"timeout_s", 0.5},
                          {"sweep", {{"parameters", {{{"path", "economics.reward"}, {"values", {1000}}}}}}}});
  const std::string out = dir_ + "/unsettled";
  CommandResult swept = RunVeritrain({"sweep", file, "--out", out}, dir_);
  ASSERT_EQ(swept.exit_code, 1) << swept.out << swept.err;
  ASSERT_NE(ReadFile(out + "/rows.jsonl").find("\"timeout\""), std::string::npos)
      << ReadFile(out + "/rows.jsonl");
  EXPECT_EQ(json::parse(ReadFile(out + "/sweep.json")).at("completed"), 0);
  CommandResult audited = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(audited.out.find("completed is"), std::string::npos) << audited.out;
  EXPECT_NE(audited.out.find("ok    sweep.json: its parameters, counts and runs"),
            std::string::npos)
      << audited.out;
  CommandResult reported = RunVeritrain({"report", out}, dir_);
  EXPECT_EQ(reported.err.find("fails its audit"), std::string::npos) << reported.err;
}

// A sweep's tables are derived from its runs: audit (and report) check the
// tables against the rows, each row against its run's summary.json, and
// each run folder; --resume keeps a run only with the summary its row came
// from.
TEST_F(WorkflowTest, ASweepFolderIsAuditedDownToItsRuns) {
  const std::string file = Write(
      "audited", {{"sweep", {{"parameters", {{{"path", "protocol.top_q"}, {"values", {0, 1}}}}},
                              {"repetitions", 2}}}});
  const std::string out = dir_ + "/audited";
  CommandResult swept = RunVeritrain({"sweep", file, "--out", out, "--jobs", "2"}, dir_);
  ASSERT_EQ(swept.exit_code, 0) << swept.out << swept.err;
  CommandResult clean = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("4 of 4 runs with a summary audited"), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("sweep.csv: identical"), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("ok    sweep.json: its parameters, counts and runs"),
            std::string::npos)
      << clean.out;
  const std::string csv = ReadFile(out + "/sweep.csv");

  // sweep.json edited: the order of a parameter's values, a count, the base
  // scenario. Each is found against the runs' own manifests and the rows.
  const std::string manifest = ReadFile(out + "/sweep.json");
  for (const auto& [edit, finding] :
       std::vector<std::pair<std::function<void(json&)>, std::string>>{
           {[](json& m) { m["parameters"][0]["values"] = {1, 0}; },
            "sweep.json: parameters is not what its scenario_resolved gives"},
           {[](json& m) {
              m["parameters"][0]["values"] = {1, 0};
              m["scenario_resolved"]["sweep"]["parameters"][0]["values"] = {1, 0};
            },
            "its manifest.json's scenario is not the one sweep.json gives its point"},
           {[](json& m) { m["completed"] = 99; }, "sweep.json: completed is 99, rows.jsonl holds 4"},
           {[](json& m) { m["scenario_resolved"]["economics"]["reward"] = 7; },
            "sweep.json: scenario_sha256 is not what its scenario_resolved gives"}}) {
    json m = json::parse(manifest);
    edit(m);
    std::ofstream(out + "/sweep.json") << m.dump(2);
    CommandResult r = RunVeritrain({"audit", out}, dir_);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find(finding), std::string::npos) << finding << "\n" << r.out;
  }
  std::ofstream(out + "/sweep.json") << manifest;
  const std::string rows = ReadFile(out + "/rows.jsonl");
  const std::string summary1 = ReadFile(out + "/runs/run-000001/summary.json");

  // A key repeated in a row of rows.jsonl: read as its last value here and
  // as its first by another reader. It passed the audit.
  {
    ASSERT_EQ(rows.compare(0, 11, "{\"metrics\":"), 0) << rows;
    std::ofstream(out + "/rows.jsonl") << "{\"metrics\":{}," << rows.substr(1);
    CommandResult r = RunVeritrain({"audit", out}, dir_);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("rows.jsonl: line 1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("/metrics"), std::string::npos) << r.out;
    std::ofstream(out + "/rows.jsonl") << rows;
  }

  // An edited table.
  std::string edited = csv;
  const size_t at = edited.find("accepted");
  ASSERT_NE(at, std::string::npos) << csv;
  edited.replace(at, 8, "rejected");
  std::ofstream(out + "/sweep.csv") << edited;
  CommandResult table = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(table.exit_code, 1) << table.out;
  EXPECT_NE(table.out.find("FAIL  sweep.csv: not the table rows.jsonl gives"), std::string::npos)
      << table.out;
  CommandResult reported = RunVeritrain({"report", out}, dir_);
  EXPECT_EQ(reported.exit_code, 1) << reported.out << reported.err;
  EXPECT_NE(reported.err.find("sweep.csv: not the table"), std::string::npos) << reported.err;
  std::ofstream(out + "/sweep.csv") << csv;

  // A run folder no row is for (another run written into runs/, one past
  // the sweep) read as the sweep's by anyone going through the folders.
  fs::copy(out + "/runs/run-000001", out + "/runs/run-000042", fs::copy_options::recursive);
  CommandResult stray = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(stray.exit_code, 1) << stray.out;
  EXPECT_NE(stray.out.find("runs/run-000042: not the folder of any run sweep.json lists"),
            std::string::npos)
      << stray.out;
  fs::remove_all(out + "/runs/run-000042");

  // A summary edited to read otherwise: its own audit fails, and so does
  // its row.
  json s = json::parse(summary1);
  s["tasks"][0]["outcome"] = "challenge_upheld";
  std::ofstream(out + "/runs/run-000001/summary.json") << s.dump(2);
  CommandResult forged = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(forged.exit_code, 1) << forged.out;
  EXPECT_NE(forged.out.find("runs/run-000001: rows.jsonl's row is not the one its summary.json "
                            "gives: "),
            std::string::npos)
      << forged.out;
  EXPECT_NE(forged.out.find("runs/run-000001: summary.json"), std::string::npos) << forged.out;

  // --resume does the run again rather than keep a row its summary no
  // longer gives, or one whose summary is gone.
  fs::remove(out + "/runs/run-000002/summary.json");
  CommandResult resumed = RunVeritrain({"sweep", file, "--out", out, "--resume"}, dir_);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.err.find("2 runs kept from the interrupted sweep, 2 run now"),
            std::string::npos)
      << resumed.err;
  EXPECT_NE(json::parse(ReadFile(out + "/runs/run-000001/summary.json"))["tasks"][0]["outcome"],
            "challenge_upheld");
  EXPECT_TRUE(fs::exists(out + "/runs/run-000002/summary.json"));
  CommandResult after = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(after.exit_code, 0) << after.out;

  // Nor does it keep a run whose folder was damaged since (its event log
  // cut short): that run is done again, and the folder audits clean.
  {
    const std::string log = out + "/runs/run-000003/events.jsonl";
    const std::string events = ReadFile(log);
    std::ofstream(log) << events.substr(0, events.size() / 2);
  }
  CommandResult repaired = RunVeritrain({"sweep", file, "--out", out, "--resume"}, dir_);
  EXPECT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
  EXPECT_NE(repaired.err.find("run 3: its folder no longer audits clean"), std::string::npos)
      << repaired.err;
  EXPECT_NE(repaired.err.find("3 runs kept from the interrupted sweep, 1 run now"),
            std::string::npos)
      << repaired.err;
  EXPECT_EQ(RunVeritrain({"audit", out}, dir_).exit_code, 0);
  // A run whose manifest was cut short: the sweep clears its own run
  // folder and does it again, rather than fail on a folder it cannot read.
  {
    const std::string m = out + "/runs/run-000001/manifest.json";
    const std::string text = ReadFile(m);
    std::ofstream(m) << text.substr(0, 100);
  }
  CommandResult remade = RunVeritrain({"sweep", file, "--out", out, "--resume"}, dir_);
  EXPECT_EQ(remade.exit_code, 0) << remade.out << remade.err;
  EXPECT_NE(remade.err.find("3 runs kept from the interrupted sweep, 1 run now"),
            std::string::npos)
      << remade.err;
  EXPECT_EQ(RunVeritrain({"audit", out}, dir_).exit_code, 0);

  // A folder nothing was swept into: --resume starts the sweep (a harness
  // passes it on its first start as on every later one); a folder of
  // something else is still refused.
  CommandResult fresh = RunVeritrain({"sweep", file, "--out", dir_ + "/fresh", "--resume"}, dir_);
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_NE(fresh.err.find("nothing to resume in " + dir_ + "/fresh"), std::string::npos)
      << fresh.err;
  EXPECT_EQ(Lines(ReadFile(dir_ + "/fresh/sweep.csv")), 1u + 4u);
  fs::create_directories(dir_ + "/other");
  std::ofstream(dir_ + "/other/notes.md") << "mine";
  CommandResult other = RunVeritrain({"sweep", file, "--out", dir_ + "/other", "--resume"}, dir_);
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_TRUE(fs::exists(dir_ + "/other/notes.md"));

  // Runs of the other execution mode would share its table: refused.
  CommandResult other_mode =
      RunVeritrain({"sweep", file, "--out", out, "--resume", "--mode", "process"}, dir_);
  EXPECT_EQ(other_mode.exit_code, 2) << other_mode.err;
  EXPECT_NE(other_mode.err.find("was begun in execution mode \"in-process\", not \"process\""),
            std::string::npos)
      << other_mode.err;
}

// A run names the code and data it trained on by content, not only by
// path: the manifest (bound by the arbiter's genesis event) records every
// file the job read with its SHA-256, so a model or dataset replaced after
// the run is told apart from the one it used.
TEST_F(WorkflowTest, TheManifestRecordsTheHashOfEveryFileTheJobRead) {
  const std::string file = WriteWithFiles("inputs", {});
  const std::string out = dir_ + "/inputs-run";
  CommandResult r = RunVeritrain({"run", file, "--out", out}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json inputs = json::parse(ReadFile(out + "/manifest.json")).at("inputs");
  ASSERT_EQ(inputs.size(), 2u) << inputs.dump(2);
  const std::string dir = fs::path(dir_).lexically_normal().string();
  const json want = json::array(
      {{{"what", "model file"},
        {"field", "job.model"},
        {"path", dir + "/chain.pt"},
        {"sha256", Sha256Of(ReadFile(dir_ + "/chain.pt")).Hex()}},
       {{"what", "dataset file"},
        {"field", "job.dataset.train"},
        {"path", dir + "/data.csv"},
        {"sha256", Sha256Of(ReadFile(dir_ + "/data.csv")).Hex()}}});
  EXPECT_EQ(inputs, want) << inputs.dump(2);
  // The record is part of what the audit verifies: an edit breaks the
  // manifest's binding.
  json manifest = json::parse(ReadFile(out + "/manifest.json"));
  manifest["inputs"][1]["sha256"] = std::string(64, '0');
  std::ofstream(out + "/manifest.json") << manifest.dump(2);
  CommandResult audit = RunVeritrain({"audit", out}, dir_);
  EXPECT_EQ(audit.exit_code, 1) << audit.out << audit.err;
}

TEST_F(WorkflowTest, ResumeIsRefusedWhenTheBuildOrAFileTheJobReadsChanged) {
  const std::string file = WriteWithFiles(
      "files", {{"sweep", {{"parameters", {{{"path", "protocol.top_q"}, {"values", {0, 1}}}}}}}});
  const std::string out = dir_ + "/files";
  CommandResult first = RunVeritrain({"sweep", file, "--out", out}, dir_);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  // A dataset that changed between the sweep's start and a run: each run
  // records the hashes of what it read, and the audit holds them to the
  // sweep's (here sweep.json is made to record another hash).
  {
    const std::string began = ReadFile(out + "/sweep.json");
    json m = json::parse(began);
    for (json& f : m["inputs"]["files"]) {
      if (f["field"] == "job.dataset.train") f["sha256"] = std::string(64, 'a');
    }
    std::ofstream(out + "/sweep.json") << m.dump(2);
    CommandResult changed = RunVeritrain({"audit", out}, dir_);
    EXPECT_EQ(changed.exit_code, 1) << changed.out;
    EXPECT_NE(changed.out.find("runs/run-000000: it read the dataset file " + dir_ +
                               "/data.csv (job.dataset.train) as sha256 "),
              std::string::npos)
        << changed.out;
    EXPECT_NE(changed.out.find("not the sha256 aaaaaaaaaaaa… sweep.json records: the file "
                               "changed during the sweep"),
              std::string::npos)
        << changed.out;
    std::ofstream(out + "/sweep.json") << began;
  }
  // Kept runs that read other contents than the sweep reads now (the file
  // changed while the sweep ran, its record then put right): --resume does
  // them again rather than keep them beside the others.
  {
    const std::string began = ReadFile(out + "/sweep.json");
    const std::string data = ReadFile(dir_ + "/data.csv");
    std::ofstream(dir_ + "/data.csv") << CsvRows(63);
    json m = json::parse(began);
    for (json& f : m["inputs"]["files"]) {
      if (f["field"] == "job.dataset.train") {
        f["sha256"] = Sha256Of(ReadFile(dir_ + "/data.csv")).Hex();
      }
    }
    std::ofstream(out + "/sweep.json") << m.dump(2);
    CommandResult redone = RunVeritrain({"sweep", file, "--out", out, "--resume"}, dir_);
    EXPECT_EQ(redone.exit_code, 0) << redone.out << redone.err;
    EXPECT_NE(redone.err.find("run 0: it read the dataset file"), std::string::npos) << redone.err;
    EXPECT_NE(redone.err.find("run 1: it read the dataset file"), std::string::npos) << redone.err;
    EXPECT_EQ(redone.err.find("kept from the interrupted sweep"), std::string::npos) << redone.err;
    EXPECT_EQ(RunVeritrain({"audit", out}, dir_).exit_code, 0);
    // Back as it was, for what follows: the first contents, the sweep anew.
    std::ofstream(dir_ + "/data.csv") << data;
    ASSERT_EQ(RunVeritrain({"sweep", file, "--out", out}, dir_).exit_code, 0);
  }
  // Nothing changed: the runs are kept.
  CommandResult same = RunVeritrain({"sweep", file, "--out", out, "--resume"}, dir_);
  ASSERT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_NE(same.err.find("2 runs kept from the interrupted sweep"), std::string::npos)
      << same.err;
  const std::string manifest = ReadFile(out + "/sweep.json");
  const std::string rows = ReadFile(out + "/rows.jsonl");
  const auto kept_time = fs::last_write_time(out + "/runs/run-000001/summary.json");
  // Each refusal runs nothing and deletes nothing.
  auto refused = [&](const std::string& what, const std::vector<std::string>& said) {
    CommandResult r = RunVeritrain({"sweep", file, "--out", out, "--resume"}, dir_);
    EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.out << r.err;
    for (const std::string& s : said) EXPECT_NE(r.err.find(s), std::string::npos) << what << ": " << r.err;
    EXPECT_NE(r.err.find("sweep into a new folder"), std::string::npos) << r.err;
    EXPECT_EQ(ReadFile(out + "/rows.jsonl"), rows) << what;
    EXPECT_EQ(fs::last_write_time(out + "/runs/run-000001/summary.json"), kept_time) << what;
  };

  std::ofstream(dir_ + "/data.csv", std::ios::app) << CsvRows(65).substr(CsvRows(64).size());
  refused("the dataset", {"--resume: the dataset file " + dir_ + "/data.csv (job.dataset.train) "
                          "changed since the sweep in " + out + " began (sha256 "});
  EXPECT_EQ(ReadFile(out + "/sweep.json"), manifest);
  std::ofstream(dir_ + "/data.csv") << CsvRows(64);

  fs::copy_file(std::string(VERITRAIN_SOURCE_DIR) + "/tests/unit/train/data/traced_sequential.pt",
                dir_ + "/chain.pt", fs::copy_options::overwrite_existing);
  refused("the model", {"--resume: the model file " + dir_ + "/chain.pt (job.model) changed"});
  WriteWithFiles("files", {{"sweep", {{"parameters", {{{"path", "protocol.top_q"}, {"values", {0, 1}}}}}}}});

  // Another build: its version and commit as sweep.json records them.
  json j = json::parse(manifest);
  const std::string commit = j["inputs"]["build"]["commit"].get<std::string>();
  j["inputs"]["build"]["commit"] = "0123456789ab";
  std::ofstream(out + "/sweep.json") << j.dump(2);
  // (A dirty build also names its executable's hash after the commit.)
  refused("the build", {"--resume: the veritrain build changed", "(commit 0123456789ab",
                        ") → " + j["inputs"]["build"]["veritrain"].get<std::string>() +
                            " (commit " + commit});

  // A sweep.json from before inputs were recorded cannot be vouched for.
  j.erase("inputs");
  std::ofstream(out + "/sweep.json") << j.dump(2);
  refused("no inputs", {"sweep.json records no inputs"});

  std::ofstream(out + "/sweep.json") << manifest;
  CommandResult restored = RunVeritrain({"sweep", file, "--out", out, "--resume"}, dir_);
  EXPECT_EQ(restored.exit_code, 0) << restored.out << restored.err;
}

TEST_F(WorkflowTest, ShardsSweptWithDifferentFilesAreNotMerged) {
  const std::string file = WriteWithFiles(
      "files", {{"sweep", {{"parameters", {{{"path", "protocol.top_q"}, {"values", {0, 1}}}}}}}});
  const std::string a = dir_ + "/shard0", b = dir_ + "/shard1";
  auto shard = [&](const std::string& index, const std::string& dir) {
    CommandResult r = RunVeritrain({"sweep", file, "--shard", index + "/2", "--out", dir}, dir_);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  };
  shard("0", a);
  std::ofstream(dir_ + "/data.csv") << CsvRows(65);
  shard("1", b);
  CommandResult mixed = RunVeritrain({"merge", a, b, "--out", dir_ + "/merged"}, dir_);
  EXPECT_EQ(mixed.exit_code, 2) << mixed.out << mixed.err;
  EXPECT_NE(mixed.err.find(b + " and " + a + " ran with different inputs: the dataset file " +
                           dir_ + "/data.csv (job.dataset.train) is sha256 "),
            std::string::npos)
      << mixed.err;
  EXPECT_FALSE(fs::exists(dir_ + "/merged/sweep.json"));

  // The same files again: the shards merge.
  std::ofstream(dir_ + "/data.csv") << CsvRows(64);
  shard("1", b);
  CommandResult merged = RunVeritrain({"merge", a, b, "--out", dir_ + "/merged"}, dir_);
  ASSERT_EQ(merged.exit_code, 0) << merged.out << merged.err;
  EXPECT_EQ(Lines(ReadFile(dir_ + "/merged/sweep.csv")), 1u + 2u);
  EXPECT_EQ(json::parse(ReadFile(dir_ + "/merged/sweep.json"))["inputs"],
            json::parse(ReadFile(a + "/sweep.json"))["inputs"]);

  // A shard from before inputs were recorded is not merged.
  json j = json::parse(ReadFile(b + "/sweep.json"));
  j.erase("inputs");
  std::ofstream(b + "/sweep.json") << j.dump(2);
  CommandResult old = RunVeritrain({"merge", a, b, "--out", dir_ + "/m2"}, dir_);
  EXPECT_EQ(old.exit_code, 2) << old.out << old.err;
  EXPECT_NE(old.err.find(b + "/sweep.json records no inputs"), std::string::npos) << old.err;
}

}  // namespace
}  // namespace veritrain
