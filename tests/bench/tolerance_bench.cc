// The tolerance check's own work at the large job's state size, against the
// state hash of the same state in the same iterations (the exact check's
// own work): what a verifier adds to re-execution in each mode.
//
// The state is laid out as Adam's is: a third parameters ("param/"), two
// thirds optimizer moments ("opt/"). The committed end differs from the
// computed one by a small perturbation in every element, so no comparison
// can stop early. Counters: compare_s (CheckDistances and
// OptimizerStateL2, as core/pol/check_interval.cc calls them), hash_s
// (StateHash on two threads), compare_over_hash.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "core/pol/tolerance.h"
#include "core/state/state_hash.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

constexpr int kTensorsPerPart = 8;

// `s` renamed into `prefix`, every float moved by nudge times its own
// magnitude. SyntheticState's filler bytes include NaN and infinity bit
// patterns, and floats near the largest that `nudge` would carry to
// infinity: those become 0, so that the comparison measured is the usual
// one of finite states, not the slower path for non-finite values.
State Variant(const State& s, const std::string& prefix, float nudge) {
  State out = s;
  for (TensorData& t : out) {
    t.name = prefix + t.name.substr(t.name.find('/') + 1);
    std::string bytes(t.bytes.view());
    for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
      float f;
      std::memcpy(&f, bytes.data() + i, 4);
      f = std::isfinite(f) && std::fabs(f) < 1e30f ? f + f * nudge : 0.0f;
      std::memcpy(bytes.data() + i, &f, 4);
    }
    t.bytes = Bytes::FromString(std::move(bytes));
  }
  return out;
}

// A state of `total` bytes: params a third, optimizer moments the rest,
// every float finite.
State AdamLike(int64_t total, float nudge) {
  State params = Variant(SyntheticState(total / 3, kTensorsPerPart), "param/", nudge);
  State moments = Variant(SyntheticState(total - total / 3, kTensorsPerPart), "opt/", nudge);
  for (TensorData& t : moments) params.push_back(std::move(t));
  return params;
}

void BM_ToleranceCompare(benchmark::State& st) {
  const int64_t total = st.range(0);
  const State start = AdamLike(total, 0);
  const State computed = AdamLike(total, 1e-3f);
  const State committed = AdamLike(total, 1.1e-3f);
  VerificationPolicy policy;
  policy.metrics = {"l2", "cosine"};
  policy.delta = {{"l2", 1.0}, {"cosine", 1.0}};
  double compare_s = 0, hash_s = 0;
  for (auto _ : st) {
    auto t0 = std::chrono::steady_clock::now();
    auto d = CheckDistances(policy, computed, committed, start, 10, true);
    if (!Check(st, d.status())) return;
    if (d->non_finite != 0 || !d->non_finite_mismatch.empty()) {
      st.SkipWithError("the compared states hold non-finite values: this would time the "
                       "slower path for them, not the usual comparison");
      return;
    }
    benchmark::DoNotOptimize(OptimizerStateL2(computed, committed));
    auto t1 = std::chrono::steady_clock::now();
    auto h = StateHash(computed, 2);
    if (!Check(st, h.status())) return;
    benchmark::DoNotOptimize(*h);
    auto t2 = std::chrono::steady_clock::now();
    compare_s += std::chrono::duration<double>(t1 - t0).count();
    hash_s += std::chrono::duration<double>(t2 - t1).count();
  }
  const double n = static_cast<double>(st.iterations());
  st.counters["compare_s"] = compare_s / n;
  st.counters["hash_s"] = hash_s / n;
  st.counters["compare_over_hash"] = compare_s / hash_s;
  st.SetBytesProcessed(st.iterations() * StateBytes(computed));
}
BENCHMARK(BM_ToleranceCompare)
    ->ArgNames({"bytes"})
    ->Arg(int64_t{1} << 20)
    ->Arg(int64_t{120} << 20)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace veritrain::bench
