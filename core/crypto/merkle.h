// Merkle trees with RFC 6962 (Certificate Transparency) domain separation.
//
//   leaf hash = SHA-256(0x00 || data)
//   node hash = SHA-256(0x01 || left || right)
//   MTH(D[n]) splits at the largest power of two k < n; an odd node is
//   never duplicated (equivalently: bottom-up pairing that promotes a lone
//   last node unchanged).
//   The empty tree's root is SHA-256("").
//
// Used for the trace root (leaves: checkpoint state hashes), state hashes
// (leaves: tensor hashes), the dataset root (leaves: samples) and node-output
// commitments.
//
// Thread-safety: MerkleTree is immutable after construction; const methods
// may be called concurrently.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

Digest MerkleLeafHash(std::string_view data);
inline Digest MerkleLeafHash(const Digest& d) { return MerkleLeafHash(d.view()); }
Digest MerkleNodeHash(const Digest& left, const Digest& right);

// An inclusion proof (RFC 6962 audit path), sibling hashes bottom-up.
struct InclusionProof {
  size_t index = 0;
  size_t tree_size = 0;
  std::vector<Digest> path;
};

class MerkleTree {
 public:
  // `leaf_hashes` are already leaf hashes (MerkleLeafHash of the data).
  explicit MerkleTree(std::vector<Digest> leaf_hashes);

  size_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const Digest& root() const { return root_; }
  const Digest& leaf(size_t index) const { return levels_[0][index]; }
  // REQUIRES: index < size().
  InclusionProof Prove(size_t index) const;

 private:
  std::vector<std::vector<Digest>> levels_;  // levels_[0] = leaves
  Digest root_;
};

// Root over leaf hashes without keeping the tree.
Digest MerkleRoot(const std::vector<Digest>& leaf_hashes);

// Checks that `leaf_hash` sits at proof.index in a tree of proof.tree_size
// leaves with root `root` (RFC 9162 section 2.1.3.2). Returns Corruption
// naming what failed (index out of range, wrong path length, root mismatch).
Status VerifyInclusion(const Digest& leaf_hash, const InclusionProof& proof,
                       const Digest& root);

}  // namespace veritrain
