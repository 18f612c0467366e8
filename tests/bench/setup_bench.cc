// Job set-up with and without the decoded-dataset cache
// (core/train/dataset_cache.h), each pair measured in the same iteration,
// in alternating order:
//
//  - BM_JobSetup/mlp: building the quickstart's job (MakeJob: Fashion-MNIST
//    train and test sets, the model) as each role does at start, with the
//    cache off (the sets decoded from the gzipped IDX files: what every
//    role did before the cache) against a warm cache (the entries mapped
//    and verified). The process's own memory of loaded sets is cleared
//    before each build. Counters: cold_s and warm_s per build,
//    warm_over_cold, and store_s, the first build into an empty cache
//    (decode, then write the entries), measured once.
//  - BM_QuickstartRun: `veritrain run scenarios/quickstart.json` as the
//    command runs it (roles as processes, found beside this binary), with
//    the cache off in every process against a warm cache. Counters: off_s
//    and warm_s (whole run, wall), warm_over_off, and each role's peak
//    resident memory as summary.json records it (timings.peak_rss_bytes:
//    the VmHWM each role process reports as it leaves; the runner's is
//    this benchmark process's, which also holds what earlier benchmarks
//    allocated): <role>_peak_mb_off and <role>_peak_mb_warm, the largest
//    over the iterations, for arbiter, solver, verifier and runner.
// Both builds of a pair give the same dataset root, checked every
// iteration.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "core/train/dataset.h"
#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "scenarios/runner/run.h"
#include "scenarios/spec/scenario.h"
#include "tests/bench/bench_util.h"

// A namespace of its own: the benchmark files build as one unit.
namespace veritrain::bench::setup {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Sets VERITRAIN_CACHE_DIR for the benchmark and puts the old value back.
class CacheDirFor {
 public:
  CacheDirFor() {
    const char* v = ::getenv("VERITRAIN_CACHE_DIR");
    had_ = v != nullptr;
    if (had_) old_ = v;
  }
  ~CacheDirFor() {
    if (had_) {
      ::setenv("VERITRAIN_CACHE_DIR", old_.c_str(), 1);
    } else {
      ::unsetenv("VERITRAIN_CACHE_DIR");
    }
  }
  void Use(const std::string& dir) { ::setenv("VERITRAIN_CACHE_DIR", dir.c_str(), 1); }

 private:
  std::string old_;
  bool had_ = false;
};

// Builds the job with the cache in `dir` ("off": none); its dataset root.
Result<std::string> Build(CacheDirFor& env, const std::string& dir, const JobConfig& config,
                          double* seconds) {
  env.Use(dir);
  ForgetLoadedDatasets();
  const auto t0 = Clock::now();
  auto job = MakeJob(config);
  *seconds = Since(t0);
  if (!job.ok()) return job.status();
  return (*job)->DatasetRoot().Hex();
}

void BM_JobSetup(benchmark::State& st) {
  if (!Check(st, ApplyHardwareProfile(HardwareProfile{}))) return;
  auto config = JobConfig::FromJson({{"name", "mlp"},
                                     {"batch_size", 64},
                                     {"init_seed", 1},
                                     {"hidden", {128}},
                                     {"optimizer", {{"name", "adam"}, {"lr", 0.001}}}});
  if (!Check(st, config.status())) return;
  ScratchDir dir;
  CacheDirFor env;
  double store_s = 0;
  if (!Check(st, Build(env, dir.path(), *config, &store_s).status())) return;
  double cold_total = 0, warm_total = 0;
  int64_t n = 0;
  for (auto _ : st) {
    double cold_s = 0, warm_s = 0;
    Result<std::string> cold = Status::Internal("not built"), warm = cold;
    if (n % 2 == 0) {
      cold = Build(env, "off", *config, &cold_s);
      warm = Build(env, dir.path(), *config, &warm_s);
    } else {
      warm = Build(env, dir.path(), *config, &warm_s);
      cold = Build(env, "off", *config, &cold_s);
    }
    if (!Check(st, cold.status()) || !Check(st, warm.status())) return;
    if (*cold != *warm) {
      st.SkipWithError("the cached dataset's root differs from the decoded one's");
      return;
    }
    st.SetIterationTime(cold_s + warm_s);
    cold_total += cold_s;
    warm_total += warm_s;
    ++n;
  }
  ForgetLoadedDatasets();
  st.counters["cold_s"] = cold_total / static_cast<double>(n);
  st.counters["warm_s"] = warm_total / static_cast<double>(n);
  st.counters["warm_over_cold"] = warm_total / cold_total;
  st.counters["store_s"] = store_s;
}
BENCHMARK(BM_JobSetup)->Name("BM_JobSetup/mlp")->UseManualTime()->Unit(benchmark::kMillisecond);

std::string QuickstartPath() {
  // VERITRAIN_SCHEMA_PATH is <source>/scenarios/schema/scenario.schema.json.
  return std::filesystem::path(VERITRAIN_SCHEMA_PATH).parent_path().parent_path() /
         "quickstart.json";
}

// One quickstart run: its wall time and its summary's peak memory by role.
struct QuickstartRun {
  double seconds = 0;
  std::map<std::string, double> peak_mb;  // arbiter, solver, verifier, runner
};

Result<QuickstartRun> RunOnce(CacheDirFor& env, const std::string& cache, const Scenario& sc) {
  env.Use(cache);
  ForgetLoadedDatasets();
  ScratchDir out;
  RunOptions options;
  options.out_dir = out.path() + "/run";
  options.quiet = true;
  options.mode = ExecutionMode::kProcess;
  const auto t0 = Clock::now();
  RunOutcome r = RunScenario(sc, options);
  QuickstartRun run;
  run.seconds = Since(t0);
  if (r.exit_code != kRunOk) return Status::Internal("the quickstart failed: " + r.error);
  const nlohmann::json& timings = r.summary.at("timings");
  const nlohmann::json peaks = timings.value("peak_rss_bytes", nlohmann::json::object());
  for (const auto& [role, name] : std::map<std::string, std::string>{
           {"arbiter", "arbiter"}, {"solver", "solver-1"}, {"verifier", "verifier-1"}}) {
    if (!peaks.contains(name)) return Status::Internal("no peak memory for " + name);
    run.peak_mb[role] = peaks.at(name).get<double>() / (1 << 20);
  }
  run.peak_mb["runner"] = timings.value("runner_peak_rss_bytes", 0.0) / (1 << 20);
  return run;
}

void BM_QuickstartRun(benchmark::State& st) {
  auto sc = LoadScenario(QuickstartPath(), {});
  if (!Check(st, sc.status())) return;
  ScratchDir cache;
  CacheDirFor env;
  if (!Check(st, RunOnce(env, cache.path(), *sc).status())) return;  // fills the cache
  double off_total = 0, warm_total = 0;
  std::map<std::string, double> off_peak, warm_peak;
  int64_t n = 0;
  for (auto _ : st) {
    Result<QuickstartRun> off = Status::Internal("not run"), warm = off;
    if (n % 2 == 0) {
      off = RunOnce(env, "off", *sc);
      warm = RunOnce(env, cache.path(), *sc);
    } else {
      warm = RunOnce(env, cache.path(), *sc);
      off = RunOnce(env, "off", *sc);
    }
    if (!Check(st, off.status()) || !Check(st, warm.status())) return;
    st.SetIterationTime(off->seconds + warm->seconds);
    off_total += off->seconds;
    warm_total += warm->seconds;
    for (const auto& [role, mb] : off->peak_mb) off_peak[role] = std::max(off_peak[role], mb);
    for (const auto& [role, mb] : warm->peak_mb) warm_peak[role] = std::max(warm_peak[role], mb);
    ++n;
  }
  st.counters["off_s"] = off_total / static_cast<double>(n);
  st.counters["warm_s"] = warm_total / static_cast<double>(n);
  st.counters["warm_over_off"] = warm_total / off_total;
  for (const auto& [role, mb] : off_peak) st.counters[role + "_peak_mb_off"] = mb;
  for (const auto& [role, mb] : warm_peak) st.counters[role + "_peak_mb_warm"] = mb;
}
BENCHMARK(BM_QuickstartRun)->UseManualTime()->Iterations(2)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace veritrain::bench::setup
