// Message encode (sign) and decode (all checks and the signature), for a
// small message and for checkpoint replies carrying a state's tensors.
#include <benchmark/benchmark.h>

#include "core/crypto/identity.h"
#include "core/wire/message.h"
#include "core/wire/messages/all.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

Message CheckpointMessage(int64_t bytes) {
  CheckpointReply reply;
  reply.index = 3;
  reply.proof.index = 3;
  reply.proof.tree_size = 7;
  reply.proof.path = {Sha256Of("a"), Sha256Of("b"), Sha256Of("c")};
  reply.meta = {{"task", "task-0001"}, {"index", 3}, {"step", 150}};
  if (bytes > 0) reply.tensors = SyntheticState(bytes, 8);
  Message m = Pack(reply, "task-0001");
  m.from = "solver-1";
  m.seq = 1;
  return m;
}

void WireSizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"bytes"});
  for (int64_t bytes : {int64_t{0}, int64_t{1} << 20, int64_t{8} << 20})
    b->Arg(bytes);
}

void BM_MessageEncode(benchmark::State& state) {
  const Identity id = Identity::Generate();
  const Message m = CheckpointMessage(state.range(0));
  for (auto _ : state) {
    std::vector<Bytes> frames = EncodeMessage(m, id);
    benchmark::DoNotOptimize(frames.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MessageEncode)->Apply(WireSizes)->Unit(benchmark::kMicrosecond);

void BM_MessageDecode(benchmark::State& state) {
  const Identity id = Identity::Generate();
  KeyDirectory keys;
  keys.Add("solver-1", id.public_key());
  const std::set<std::string, std::less<>> types = {CheckpointReply::kType};
  const std::vector<Bytes> frames =
      EncodeMessage(CheckpointMessage(state.range(0)), id);
  for (auto _ : state) {
    auto m = DecodeMessage(frames, keys, types);
    if (!Check(state, m.status())) return;
    benchmark::DoNotOptimize(m->seq);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MessageDecode)->Apply(WireSizes)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace veritrain::bench
