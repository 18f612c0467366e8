// The large job's run as a whole: `veritrain run
// scenarios/large/transformer-100mb.json` as the command runs it (roles as
// processes, found beside this binary): training, commitment, verification
// of both intervals, and a dispute played down to a node ruling.
//
//  - BM_LargeRun: one run. Counters: run_s (wall), state_bytes (one
//    checkpoint: weights and Adam's moments), and each role's peak resident
//    memory (summary.json timings.peak_rss_bytes, the VmHWM each role
//    process reports as it leaves) in MB and over the state size:
//    <role>_peak_mb and <role>_peak_over_state for arbiter, solver and
//    verifier. The per-phase costs at this size are the train_bench.cc
//    benchmarks named .../transformer-100mb.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "scenarios/runner/run.h"
#include "scenarios/spec/scenario.h"
#include "tests/bench/bench_util.h"

// A namespace of its own: the benchmark files build as one unit.
namespace veritrain::bench::large {
namespace {

using Clock = std::chrono::steady_clock;

std::string PresetPath() {
  // VERITRAIN_SCHEMA_PATH is <source>/scenarios/schema/scenario.schema.json.
  return (std::filesystem::path(VERITRAIN_SCHEMA_PATH).parent_path().parent_path() / "large" /
          "transformer-100mb.json")
      .string();
}

void BM_LargeRun(benchmark::State& st) {
  auto sc = LoadScenario(PresetPath(), {});
  if (!Check(st, sc.status())) return;
  double run_s = 0;
  std::map<std::string, double> peak;
  double state_bytes = 0;
  for (auto _ : st) {
    ScratchDir out;
    RunOptions options;
    options.out_dir = out.path() + "/run";
    options.quiet = true;
    options.mode = ExecutionMode::kProcess;
    const auto t0 = Clock::now();
    RunOutcome r = RunScenario(*sc, options);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (r.exit_code != kRunOk) {
      st.SkipWithError(("the large run failed: " + r.error).c_str());
      return;
    }
    st.SetIterationTime(seconds);
    run_s += seconds;
    const nlohmann::json& task = r.summary.at("tasks").at(0);
    state_bytes = task.at("checkpoint_bytes").get<double>() /
                  task.at("num_checkpoints").get<double>();
    const nlohmann::json peaks =
        r.summary.at("timings").value("peak_rss_bytes", nlohmann::json::object());
    for (const auto& [role, name] : std::map<std::string, std::string>{
             {"arbiter", "arbiter"}, {"solver", "solver-1"}, {"verifier", "verifier-1"}}) {
      if (!peaks.contains(name)) {
        st.SkipWithError(("no peak memory for " + name).c_str());
        return;
      }
      peak[role] = std::max(peak[role], peaks.at(name).get<double>());
    }
  }
  st.counters["run_s"] = run_s / static_cast<double>(st.iterations());
  st.counters["state_bytes"] = state_bytes;
  for (const auto& [role, bytes] : peak) {
    st.counters[role + "_peak_mb"] = bytes / (1 << 20);
    st.counters[role + "_peak_over_state"] = bytes / state_bytes;
  }
}
BENCHMARK(BM_LargeRun)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace veritrain::bench::large
