// State hashing against raw OpenSSL SHA-256 over the same bytes, by state
// size and thread count; Merkle tree build, proof and proof check.
//
// A synthetic state has 8 float32 tensors of equal size, so that two
// threads have tensors to share. The raw reference hashes each tensor's
// bytes with one EVP_Digest call on one thread: the best a state hash can
// do on one core. BM_HashRatios measures all three in the same iterations
// for the targets' ratios.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <chrono>
#include <vector>

#include "core/crypto/merkle.h"
#include "core/state/state_hash.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

constexpr int kTensors = 8;

void BytesArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"bytes"});
  for (int64_t mib : {1, 8, 64}) b->Arg(mib << 20);
}

void BytesThreadsArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"bytes", "threads"});
  for (int64_t mib : {1, 8, 64}) {
    for (int64_t threads : {1, 2}) b->Args({mib << 20, threads});
  }
}

void BM_Sha256Raw(benchmark::State& state) {
  const State s = SyntheticState(state.range(0), kTensors);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  for (auto _ : state) {
    for (const TensorData& t : s) {
      EVP_Digest(t.bytes.data(), t.bytes.size(), md, &len, EVP_sha256(),
                 nullptr);
      benchmark::DoNotOptimize(md);
    }
  }
  state.SetBytesProcessed(state.iterations() * StateBytes(s));
}
BENCHMARK(BM_Sha256Raw)
    ->Apply(BytesArgs)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_StateHash(benchmark::State& state) {
  const State s = SyntheticState(state.range(0), kTensors);
  const int threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    auto h = StateHash(s, threads);
    if (!Check(state, h.status())) return;
    benchmark::DoNotOptimize(*h);
  }
  state.SetBytesProcessed(state.iterations() * StateBytes(s));
}
BENCHMARK(BM_StateHash)
    ->Apply(BytesThreadsArgs)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The targets' ratios: raw SHA-256, the state hash on one thread and on
// two threads over the same state in every iteration, in rotating order,
// so that all three see the same machine. Counters: raw_s, hash1_s,
// hash2_s, hash1_over_raw and hash2_over_hash1 (throughput ratios).
void BM_HashRatios(benchmark::State& state) {
  const State s = SyntheticState(state.range(0), kTensors);
  double secs[3] = {0, 0, 0};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  int64_t round = 0;
  for (auto _ : state) {
    for (int part = 0; part < 3; ++part) {
      const int which = static_cast<int>((part + round) % 3);
      auto t0 = std::chrono::steady_clock::now();
      if (which == 0) {
        for (const TensorData& t : s) {
          EVP_Digest(t.bytes.data(), t.bytes.size(), md, &len, EVP_sha256(),
                     nullptr);
          benchmark::DoNotOptimize(md);
        }
      } else {
        auto h = StateHash(s, which);
        if (!Check(state, h.status())) return;
        benchmark::DoNotOptimize(*h);
      }
      secs[which] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
    }
    ++round;
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["raw_s"] = secs[0] / n;
  state.counters["hash1_s"] = secs[1] / n;
  state.counters["hash2_s"] = secs[2] / n;
  state.counters["hash1_over_raw"] = secs[0] / secs[1];
  state.counters["hash2_over_hash1"] = secs[1] / secs[2];
  state.SetBytesProcessed(state.iterations() * 3 * StateBytes(s));
}
BENCHMARK(BM_HashRatios)
    ->Apply(BytesArgs)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

std::vector<Digest> Leaves(int64_t n) {
  std::vector<Digest> leaves;
  leaves.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    leaves.push_back(MerkleLeafHash(std::to_string(i)));
  }
  return leaves;
}

void LeafArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"leaves"});
  for (int64_t n : {16, 1024, 65536}) b->Arg(n);
}

void BM_MerkleBuild(benchmark::State& state) {
  const std::vector<Digest> leaves = Leaves(state.range(0));
  for (auto _ : state) {
    MerkleTree tree(leaves);
    benchmark::DoNotOptimize(tree.root());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MerkleBuild)->Apply(LeafArgs);

void BM_MerkleProve(benchmark::State& state) {
  const MerkleTree tree(Leaves(state.range(0)));
  size_t i = 0;
  for (auto _ : state) {
    InclusionProof p = tree.Prove(i);
    benchmark::DoNotOptimize(p.path.data());
    i = (i + 7919) % tree.size();
  }
}
BENCHMARK(BM_MerkleProve)->Apply(LeafArgs);

void BM_MerkleVerify(benchmark::State& state) {
  const std::vector<Digest> leaves = Leaves(state.range(0));
  const MerkleTree tree(leaves);
  std::vector<InclusionProof> proofs;
  for (size_t i = 0; i < leaves.size(); i += leaves.size() / 16) {
    proofs.push_back(tree.Prove(i));
  }
  size_t k = 0;
  for (auto _ : state) {
    const InclusionProof& p = proofs[k];
    Status s = VerifyInclusion(leaves[p.index], p, tree.root());
    if (!Check(state, s)) return;
    k = (k + 1) % proofs.size();
  }
}
BENCHMARK(BM_MerkleVerify)->Apply(LeafArgs);

}  // namespace
}  // namespace veritrain::bench
