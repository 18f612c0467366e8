// How a dataset is committed: a Merkle root over one leaf per sample.
//
// The leaf of sample i is MerkleLeafHash (RFC 6962, merkle.h) of
//
//   u64le(i) ‖ label bytes ‖ feature bytes
//
// where the label and feature bytes are the sample's canonical raw form,
// fixed by each dataset (Fashion-MNIST: the label byte and the 784 pixel
// bytes exactly as stored in the IDX files; the synthetic job: the label as
// i64 little-endian and the features as f64 little-endian). The index makes
// a leaf's position part of its content. Leaves are in dataset order and the
// dataset root is the Merkle root over them, so a party holding the samples
// of a batch can prove each one with an inclusion proof.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/crypto/sha256.h"

namespace veritrain {

Digest SampleLeafHash(uint64_t index, std::string_view label_bytes,
                      std::string_view feature_bytes);

// The leaves of `count` samples stored back to back: sample i's label is
// labels[i*label_size, (i+1)*label_size), its features likewise.
// REQUIRES: labels.size() >= count * label_size and
// features.size() >= count * feature_size.
std::vector<Digest> SampleLeafHashes(std::string_view labels, size_t label_size,
                                     std::string_view features,
                                     size_t feature_size, size_t count);

}  // namespace veritrain
