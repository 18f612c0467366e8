// A challenge game's walk over a long interval of a small model: the
// states Trajectory keeps within its budget (thousands of a few KB), each
// step kept and touched in its least-recently-used order.
//
//  - BM_TrajectoryWalk/steps:N: Trajectory::State(N) from the start, with a
//    step that costs next to nothing (a 5 KB state, about the synthetic
//    job's), so that what is measured is the trajectory's own keeping.
//    Counters: ns_per_step. Kept positions were once found by walking the
//    list (40,000 steps took 30 s of a dispute's clock); the time per step
//    must not grow with N.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>

#include "core/train/trajectory.h"

// A namespace of its own: the benchmark files build as one unit.
namespace veritrain::bench::trajectory {
namespace {

void BM_TrajectoryWalk(benchmark::State& st) {
  const int64_t steps = st.range(0);
  TensorMap start;
  start["param/w"] = torch::zeros({1350}, torch::kFloat32);  // 5.4 KB
  start["meta/step"] = torch::tensor(int64_t{0});
  auto step = [](TensorMap s) -> Result<TensorMap> {
    s["meta/step"] = s.at("meta/step") + 1;
    return s;
  };
  double seconds = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    Trajectory t(start, steps, step);
    auto end = t.State(static_cast<size_t>(steps));
    if (!end.ok()) return st.SkipWithError(end.status().ToString().c_str());
    benchmark::DoNotOptimize(end->size());
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  st.counters["ns_per_step"] =
      seconds * 1e9 / (static_cast<double>(steps) * static_cast<double>(st.iterations()));
}
BENCHMARK(BM_TrajectoryWalk)->ArgName("steps")->Arg(5000)->Arg(40000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace veritrain::bench::trajectory
