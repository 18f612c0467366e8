// The quickstart as a user runs it against the same work done by a plain
// LibTorch program, both as processes in the same iterations:
//
//  - BM_QuickstartVsPlain: `veritrain run scenarios/quickstart.json` (the
//    command, roles as processes, the decoded-dataset cache warm as a user
//    has it after the first run) against veritrain_plain_quickstart
//    (tests/bench/plain_quickstart.cc: the same data files, model,
//    optimizer, 300 steps, checkpoints every 50 written to files, two
//    intervals re-executed and checked, test accuracy). Both are found
//    beside this binary; the two alternate which goes first. Counters:
//    quickstart_s and plain_s (wall per process, start to exit),
//    quickstart_over_plain (the target: ≤ 1.5), and the plain program's
//    own phases (plain_load_s, plain_train_s, plain_reexecute_s).
//
// Not in the smoke run (a few seconds a process); ctest runs the plain
// program once (bench.plain_quickstart) so that it cannot rot.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/bench/bench_util.h"

namespace veritrain::bench::quickstart_vs_plain {

using Clock = std::chrono::steady_clock;

std::string QuickstartPath() {
  // VERITRAIN_SCHEMA_PATH is <source>/scenarios/schema/scenario.schema.json.
  return std::filesystem::path(VERITRAIN_SCHEMA_PATH).parent_path().parent_path() /
         "quickstart.json";
}

Result<Finished> Quickstart(const std::string& scratch) {
  return RunProcess({(BinDir() / "veritrain").string(), "run", QuickstartPath(), "--out",
                     scratch + "/run-" + std::to_string(Clock::now().time_since_epoch().count())},
                    scratch);
}

Result<Finished> Plain(const std::string& scratch) {
  return RunProcess({(BinDir() / "veritrain_plain_quickstart").string()}, scratch);
}

void BM_QuickstartVsPlain(benchmark::State& st) {
  ScratchDir scratch;
  if (!scratch.ok()) return st.SkipWithError("no scratch directory");
  // The first run fills the dataset cache, as a user's first run does.
  if (!Check(st, Quickstart(scratch.path()).status())) return;
  double quick_total = 0, plain_total = 0;
  double load = 0, train = 0, reexec = 0;
  int64_t n = 0;
  for (auto _ : st) {
    Result<Finished> quick = Status::Internal("not run"), plain = quick;
    if (n % 2 == 0) {
      quick = Quickstart(scratch.path());
      plain = Plain(scratch.path());
    } else {
      plain = Plain(scratch.path());
      quick = Quickstart(scratch.path());
    }
    if (!Check(st, quick.status()) || !Check(st, plain.status())) return;
    const auto phases = nlohmann::json::parse(plain->out, nullptr, /*allow_exceptions=*/false);
    if (phases.is_discarded() || !phases.value("reexecuted_bit_equal", false)) {
      return st.SkipWithError(("the plain program's report: " + plain->out).c_str());
    }
    load += phases.value("load_s", 0.0);
    train += phases.value("train_s", 0.0);
    reexec += phases.value("reexecute_s", 0.0);
    st.SetIterationTime(quick->seconds + plain->seconds);
    quick_total += quick->seconds;
    plain_total += plain->seconds;
    ++n;
  }
  const double runs = static_cast<double>(n);
  st.counters["quickstart_s"] = quick_total / runs;
  st.counters["plain_s"] = plain_total / runs;
  st.counters["quickstart_over_plain"] = quick_total / plain_total;
  st.counters["plain_load_s"] = load / runs;
  st.counters["plain_train_s"] = train / runs;
  st.counters["plain_reexecute_s"] = reexec / runs;
}
BENCHMARK(BM_QuickstartVsPlain)->UseManualTime()->Iterations(4)->Unit(benchmark::kSecond);

}  // namespace veritrain::bench::quickstart_vs_plain
