// The large job's run as a whole: `veritrain run
// scenarios/large/transformer-100mb.json`, the command a user runs (found
// beside this binary; its roles forked as processes from its role
// launcher, as by default): training, commitment, verification of both
// intervals, and a dispute played down to a node ruling. The run must meet
// the preset's expectations.
//
//  - BM_LargeRun: one run. Counters: run_s (wall, the command's start to
//    exit), state_bytes (one checkpoint: weights and Adam's moments), and
//    each role's peak resident memory (summary.json timings.peak_rss_bytes,
//    the VmHWM each role process reports as it leaves) in MiB and over the
//    state size: <role>_peak_mb and <role>_peak_over_state for arbiter,
//    solver and verifier. The per-phase costs at this size are the
//    train_bench.cc benchmarks named .../transformer-100mb.
//
// Role executables (`run --bin-dir`) are not what is measured: each loads
// LibTorch afresh, which costs a role about 70 MiB more resident memory
// than one forked from the launcher, where it is shared.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/bench/bench_util.h"

// A namespace of its own: the benchmark files build as one unit.
namespace veritrain::bench::large {
namespace {

std::string PresetPath() {
  // VERITRAIN_SCHEMA_PATH is <source>/scenarios/schema/scenario.schema.json.
  return (std::filesystem::path(VERITRAIN_SCHEMA_PATH).parent_path().parent_path() / "large" /
          "transformer-100mb.json")
      .string();
}

void BM_LargeRun(benchmark::State& st) {
  double run_s = 0;
  std::map<std::string, double> peak;
  double state_bytes = 0;
  for (auto _ : st) {
    ScratchDir out;
    if (!out.ok()) return st.SkipWithError("no scratch directory");
    const std::string dir = out.path() + "/run";
    Result<Finished> run = RunProcess(
        {(BinDir() / "veritrain").string(), "run", PresetPath(), "--out", dir}, out.path());
    if (!Check(st, run.status())) return;
    st.SetIterationTime(run->seconds);
    run_s += run->seconds;
    std::ifstream in(dir + "/summary.json");
    const nlohmann::json summary = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (summary.is_discarded() || !summary.value("expectations_met", false)) {
      return st.SkipWithError("the large run did not meet its expectations");
    }
    const nlohmann::json& task = summary.at("tasks").at(0);
    state_bytes = task.at("checkpoint_bytes").get<double>() /
                  task.at("num_checkpoints").get<double>();
    const nlohmann::json peaks =
        summary.at("timings").value("peak_rss_bytes", nlohmann::json::object());
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
