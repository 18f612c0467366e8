#include "core/train/dataset_commitment.h"

namespace veritrain {

namespace {

Digest LeafWith(Sha256& h, uint64_t index, std::string_view label_bytes,
                std::string_view feature_bytes) {
  // Same bytes as MerkleLeafHash(u64le(i) ‖ label ‖ features), without
  // building the concatenation.
  h.UpdateU8(0x00).UpdateU64(index).Update(label_bytes).Update(feature_bytes);
  return h.Finish();
}

}  // namespace

Digest SampleLeafHash(uint64_t index, std::string_view label_bytes,
                      std::string_view feature_bytes) {
  Sha256 h;
  return LeafWith(h, index, label_bytes, feature_bytes);
}

std::vector<Digest> SampleLeafHashes(std::string_view labels, size_t label_size,
                                     std::string_view features,
                                     size_t feature_size, size_t count) {
  std::vector<Digest> leaves;
  leaves.reserve(count);
  Sha256 h;
  for (size_t i = 0; i < count; ++i) {
    leaves.push_back(LeafWith(h, i, labels.substr(i * label_size, label_size),
                              features.substr(i * feature_size, feature_size)));
  }
  return leaves;
}

}  // namespace veritrain
