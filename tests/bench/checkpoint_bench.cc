// Checkpoint files: writing (hashing, layout, write and the two fsyncs of a
// crash-safe replace) and reading (mmap and full verification), by size.
#include <benchmark/benchmark.h>

#include "core/state/checkpoint_file.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

void CheckpointSizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"bytes"});
  for (int64_t mib : {1, 8, 64}) b->Arg(mib << 20);
}

void BM_CheckpointWrite(benchmark::State& state) {
  ScratchDir dir;
  const State s = SyntheticState(state.range(0), 8);
  const std::string path = dir.path() + "/c.vtc";
  const nlohmann::json meta = {{"index", 1}, {"step", 50}};
  for (auto _ : state) {
    if (!Check(state, WriteCheckpoint(path, s, meta))) return;
  }
  state.SetBytesProcessed(state.iterations() * StateBytes(s));
}
BENCHMARK(BM_CheckpointWrite)
    ->Apply(CheckpointSizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_CheckpointRead(benchmark::State& state) {
  ScratchDir dir;
  const State s = SyntheticState(state.range(0), 8);
  const std::string path = dir.path() + "/c.vtc";
  if (!Check(state, WriteCheckpoint(path, s, nlohmann::json::object()))) return;
  for (auto _ : state) {
    auto c = ReadCheckpoint(path);
    if (!Check(state, c.status())) return;
    benchmark::DoNotOptimize(c->state_hash);
  }
  state.SetBytesProcessed(state.iterations() * StateBytes(s));
}
BENCHMARK(BM_CheckpointRead)
    ->Apply(CheckpointSizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace veritrain::bench
