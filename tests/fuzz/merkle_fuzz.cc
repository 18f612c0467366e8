// libFuzzer target: the Merkle inclusion-proof checker
// (core/crypto/merkle.h). Any proof must verify or be refused, never crash;
// and for a tree built from the input, every honest proof verifies while
// the same proof at another index, or for another leaf, is refused.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/crypto/merkle.h"
#include "core/crypto/sha256.h"

namespace vt = veritrain;

namespace {

uint64_t TakeU64(const uint8_t*& data, size_t& size) {
  uint64_t v = 0;
  const size_t n = size < 8 ? size : 8;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(data[i]) << (8 * i);
  data += n;
  size -= n;
  return v;
}

vt::Digest TakeDigest(const uint8_t*& data, size_t& size) {
  vt::Digest d;
  const size_t n = size < 32 ? size : 32;
  std::memcpy(d.bytes.data(), data, n);
  data += n;
  size -= n;
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* const all = data;
  const size_t all_size = size;
  // 1. An arbitrary proof against an arbitrary root.
  vt::InclusionProof p;
  p.index = TakeU64(data, size);
  p.tree_size = TakeU64(data, size);
  const vt::Digest leaf = TakeDigest(data, size);
  const vt::Digest root = TakeDigest(data, size);
  while (size > 0 && p.path.size() < 70)
    p.path.push_back(TakeDigest(data, size));
  (void)vt::VerifyInclusion(leaf, p, root);

  // 2. Honest proofs over a tree of 1..64 leaves cut from the input.
  const size_t leaves = all_size == 0 ? 1 : 1 + all[0] % 64;
  std::vector<vt::Digest> hashes;
  for (size_t i = 0; i < leaves; ++i) {
    const size_t at = all_size == 0 ? 0 : (i * 7) % all_size;
    const size_t len = all_size - at < 5 ? all_size - at : 5;
    std::string leaf_data(reinterpret_cast<const char*>(all + at), len);
    leaf_data += std::to_string(i);  // distinct leaves
    hashes.push_back(vt::MerkleLeafHash(leaf_data));
  }
  vt::MerkleTree tree(hashes);
  if (tree.root() != vt::MerkleRoot(hashes)) std::abort();
  for (size_t i = 0; i < leaves; ++i) {
    vt::InclusionProof honest = tree.Prove(i);
    if (!vt::VerifyInclusion(hashes[i], honest, tree.root()).ok()) std::abort();
    const size_t other = (i + 1) % leaves;
    if (other != i &&
        vt::VerifyInclusion(hashes[other], honest, tree.root()).ok())
      std::abort();
    vt::InclusionProof moved = honest;
    moved.index = other;
    if (other != i && vt::VerifyInclusion(hashes[i], moved, tree.root()).ok())
      std::abort();
  }
  return 0;
}
