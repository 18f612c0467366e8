// Memory and time per task over a long run (issue 17: both must stay flat).
//
//  - BM_ManyTasks/tasks:N: the synthetic scenario (200 steps, k = 20, one
//    honest solver and one honest verifier, exact mode) with N tasks in a
//    row, run as `veritrain run` runs it: the roles as processes
//    (veritrain-arbiter, -solver, -verifier, found beside this binary),
//    this process as the runner and submitter. After each task settles the
//    resident memory (VmRSS) of each role process and of this process is
//    sampled, and the time since the previous task settled (the first
//    task, which also waits for the roles to start, is not timed).
//    Counters, over the first and the last W = min(50, N / 4) tasks: <role>_rss_first_mb
//    and <role>_rss_last_mb (means), <role>_rss_growth (last / first),
//    <role>_peak_mb (VmHWM, the process's peak, at the last task);
//    ms_per_task_first, ms_per_task_last and time_growth (last / first).
//    <role> is arbiter, solver, verifier, or runner (this process, which
//    also holds what earlier benchmarks allocated: its growth is what
//    counts). One iteration and one repetition: every figure is a ratio
//    within one run, on the same machine at the same time.
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/runner/run.h"
#include "scenarios/spec/scenario.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

using Clock = std::chrono::steady_clock;

// "VmRSS" or "VmHWM" of /proc/<pid>/status, in MiB; -1 when unreadable.
double StatusMiB(const std::string& pid, const std::string& field) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream v(line.substr(field.size() + 1));
      double kb = 0;
      v >> kb;
      return kb / 1024.0;
    }
  }
  return -1;
}

// The role processes this process started, by role: the children of each
// of its threads (/proc/self/task/<tid>/children), named by their
// executable.
std::map<std::string, std::string> RolePids() {
  std::map<std::string, std::string> out;
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return out;
  while (dirent* t = ::readdir(tasks)) {
    if (t->d_name[0] == '.') continue;
    std::ifstream children(std::string("/proc/self/task/") + t->d_name + "/children");
    std::string pid;
    while (children >> pid) {
      std::ifstream comm("/proc/" + pid + "/comm");
      std::string name;
      std::getline(comm, name);
      for (const char* role : {"arbiter", "solver", "verifier"}) {
        // comm is cut at 15 characters: "veritrain-arbit".
        const std::string exe = std::string("veritrain-") + role;
        if (!name.empty() && exe.rfind(name, 0) == 0) out[role] = pid;
      }
    }
  }
  ::closedir(tasks);
  return out;
}

std::string ScenarioText(int64_t tasks) {
  nlohmann::json s = {
      {"format", "veritrain-scenario/1"},
      {"name", "bench-many-tasks"},
      {"seed", 7},
      {"job",
       {{"name", "synthetic"},
        {"steps", 200},
        {"batch_size", 32},
        {"params", {{"optimizer", {{"name", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}}}}}}},
      {"protocol",
       {{"checkpoint_interval", 20},
        {"mode", "exact"},
        {"top_q", 1},
        {"random_samples", 2},
        {"deadlines", {{"training_s", 120}, {"verification_s", 120}}}}},
      {"economics", {{"reward", 1}, {"submitter_funds", tasks}}},
      {"tasks", tasks},
      {"participants",
       {{{"name", "solver-1"}, {"role", "solver"}, {"profile", {{"threads", 1}}}},
        {{"name", "verifier-1"}, {"role", "verifier"}, {"profile", {{"threads", 1}}}}}},
      {"network", {{"transport", "ipc"}}},
      {"timeout_s", 30 + 3 * tasks},
      {"expect", {{{"path", "/conservation"}, {"equals", true}}}}};
  return s.dump();
}

double Mean(const std::vector<double>& v, size_t from, size_t count) {
  return std::accumulate(v.begin() + from, v.begin() + from + count, 0.0) /
         static_cast<double>(count);
}

void BM_ManyTasks(benchmark::State& state) {
  const int64_t tasks = state.range(0);
  const size_t window = static_cast<size_t>(std::min<int64_t>(50, tasks / 4));
  auto scenario = ParseScenario(ScenarioText(tasks), "bench-many-tasks");
  if (!Check(state, scenario.status())) return;
  const std::vector<std::string> roles = {"arbiter", "solver", "verifier", "runner"};
  for (auto _ : state) {
    ScratchDir dir;
    // The time of task i is from the settlement of task i - 1 to its own:
    // the first task, which also waits for the roles to start, has none.
    std::vector<double> seconds;
    std::map<std::string, std::vector<double>> rss;
    std::map<std::string, double> peak;
    std::optional<Clock::time_point> last;
    RunOptions options;
    options.out_dir = dir.path() + "/run";
    options.quiet = true;
    options.mode = ExecutionMode::kProcess;
    options.on_task_settled = [&](int64_t) {
      const auto now = Clock::now();
      if (last) seconds.push_back(std::chrono::duration<double>(now - *last).count());
      last = now;
      std::map<std::string, std::string> pids = RolePids();
      pids["runner"] = std::to_string(::getpid());
      for (const auto& role : roles) {
        const auto pid = pids.find(role);
        rss[role].push_back(pid == pids.end() ? -1 : StatusMiB(pid->second, "VmRSS"));
        if (pid != pids.end()) peak[role] = StatusMiB(pid->second, "VmHWM");
      }
    };
    const auto t0 = Clock::now();
    RunOutcome out = RunScenario(*scenario, options);
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - t0).count());
    if (out.exit_code != kRunOk) {
      state.SkipWithError(("the run failed: " + out.error).c_str());
      return;
    }
    if (seconds.size() + 1 != static_cast<size_t>(tasks) || window == 0) {
      state.SkipWithError("not every task was sampled");
      return;
    }
    const double first_ms = 1e3 * Mean(seconds, 0, window);
    const double last_ms = 1e3 * Mean(seconds, seconds.size() - window, window);
    const size_t tail = static_cast<size_t>(tasks) - window;
    state.counters["tasks"] = static_cast<double>(tasks);
    state.counters["window"] = static_cast<double>(window);
    state.counters["ms_per_task_first"] = first_ms;
    state.counters["ms_per_task_last"] = last_ms;
    state.counters["time_growth"] = last_ms / first_ms;
    for (const auto& role : roles) {
      const std::vector<double>& r = rss[role];
      if (std::find(r.begin(), r.end(), -1.0) != r.end()) {
        state.SkipWithError(("no memory figure for the " + role).c_str());
        return;
      }
      const double first = Mean(r, 0, window), end = Mean(r, tail, window);
      state.counters[role + "_rss_first_mb"] = first;
      state.counters[role + "_rss_last_mb"] = end;
      state.counters[role + "_rss_growth"] = end / first;
      state.counters[role + "_peak_mb"] = peak[role];
    }
  }
}
// 1,000 tasks (issue 17's figure); the smoke run in ctest uses 20.
BENCHMARK(BM_ManyTasks)
    ->ArgName("tasks")
    ->Arg(20)
    ->Arg(1000)
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace veritrain::bench
