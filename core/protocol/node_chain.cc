#include "core/protocol/node_chain.h"

namespace veritrain {
namespace {
constexpr char kTag[] = "vt-node-chain-v1";
}

Digest ChainStart(const Digest& state_hash) {
  Sha256 h;
  h.Update(kTag, sizeof(kTag) - 1).UpdateU8(0x00).Update(state_hash);
  return h.Finish();
}

Digest ChainNext(const Digest& prev, const Digest& output_hash) {
  Sha256 h;
  h.Update(kTag, sizeof(kTag) - 1).UpdateU8(0x01).Update(prev).Update(output_hash);
  return h.Finish();
}

std::vector<Digest> Chain(const Digest& state_hash, const std::vector<Digest>& output_hashes) {
  std::vector<Digest> out;
  out.reserve(output_hashes.size() + 1);
  out.push_back(ChainStart(state_hash));
  for (const auto& o : output_hashes) out.push_back(ChainNext(out.back(), o));
  return out;
}

Status VerifyChainSegment(const Digest& base, const std::vector<Digest>& outputs,
                          const Digest& expected) {
  Digest h = base;
  for (const auto& o : outputs) h = ChainNext(h, o);
  if (h != expected) {
    return Status::Corruption("node-output chain segment reaches " + h.Hex() +
                              ", not the committed " + expected.Hex());
  }
  return Status::Ok();
}

}  // namespace veritrain
