#include "core/crypto/merkle.h"

#include <string>

namespace veritrain {

Digest MerkleLeafHash(std::string_view data) {
  Sha256 h;
  h.UpdateU8(0x00).Update(data);
  return h.Finish();
}

Digest MerkleNodeHash(const Digest& left, const Digest& right) {
  Sha256 h;
  h.UpdateU8(0x01).Update(left).Update(right);
  return h.Finish();
}

MerkleTree::MerkleTree(std::vector<Digest> leaf_hashes) {
  if (leaf_hashes.empty()) {
    root_ = Sha256Of("", 0);
    return;
  }
  levels_.push_back(std::move(leaf_hashes));
  while (levels_.back().size() > 1) {
    const auto& below = levels_.back();
    std::vector<Digest> above;
    above.reserve((below.size() + 1) / 2);
    for (size_t i = 0; i + 1 < below.size(); i += 2) {
      above.push_back(MerkleNodeHash(below[i], below[i + 1]));
    }
    if (below.size() % 2 == 1) above.push_back(below.back());  // promoted
    levels_.push_back(std::move(above));
  }
  root_ = levels_.back()[0];
}

InclusionProof MerkleTree::Prove(size_t index) const {
  InclusionProof p;
  p.index = index;
  p.tree_size = size();
  size_t i = index;
  for (size_t l = 0; l + 1 < levels_.size(); ++l) {
    const auto& level = levels_[l];
    size_t sibling = i ^ 1;
    if (sibling < level.size()) p.path.push_back(level[sibling]);
    i /= 2;
  }
  return p;
}

Digest MerkleRoot(const std::vector<Digest>& leaf_hashes) {
  return MerkleTree(leaf_hashes).root();
}

Status VerifyInclusion(const Digest& leaf_hash, const InclusionProof& proof,
                       const Digest& root) {
  if (proof.index >= proof.tree_size) {
    return Status::Corruption("inclusion proof: index " +
                              std::to_string(proof.index) +
                              " is outside a tree of " +
                              std::to_string(proof.tree_size) + " leaves");
  }
  size_t fn = proof.index;
  size_t sn = proof.tree_size - 1;
  Digest r = leaf_hash;
  for (const Digest& p : proof.path) {
    if (sn == 0) {
      return Status::Corruption("inclusion proof: path is longer than the tree");
    }
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return Status::Corruption("inclusion proof: path is shorter than the tree");
  }
  if (r != root) {
    return Status::Corruption("inclusion proof: computed root " + r.Hex() +
                              " does not match committed root " + root.Hex());
  }
  return Status::Ok();
}

}  // namespace veritrain
