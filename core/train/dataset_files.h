// Classification datasets from array files: IDX (the MNIST format, gzipped
// or not) and veritrain tensor files (tensor_file.h), one file of samples
// and one of labels each; and the helpers loaders share.
//
// Samples are flattened: x is [N, features] in the job's dtype, y is [N]
// int64 labels (non-negative). The leaf of sample i (dataset_commitment.h)
// covers the label's bytes and the sample's bytes exactly as stored in the
// files (for IDX: big-endian, as in the file; for tensor files:
// little-endian), so the root commits to the files' contents.
//
// Thread-safety: pure functions.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/train/dataset.h"
#include "core/util/status.h"

namespace veritrain {

// How stored sample values become features: x = (v / scale - mean) / std,
// computed in the job's dtype.
struct FeatureScaling {
  double scale = 1.0;
  double mean = 0.0;
  double std = 1.0;
};

// IDX samples (any element type, at least one dimension) and IDX labels
// (u8, i8, i16 or i32, one dimension, the same count). Keeps the first
// `limit` samples (all when 0); the counts compared are the files' own,
// so a labels file of another length is refused whatever the limit.
// Errors name the file: ReadIdx's (bad magic, file cut short, ...), and
// "l.idx: 60000 labels for the 10000 samples of s.idx", "labels must be a
// vector of integers", "label -1 of sample 7 is negative", and "s.idx:
// sample 7, feature 3 is inf as float32 (after scaling): training data
// must be finite" for a kept sample that is not finite in `dtype`.
// REQUIRES: limit >= 0; dtype is kFloat32 or kFloat64; scaling.scale and
// scaling.std are non-zero.
Result<Dataset> LoadIdxDataset(const std::string& samples_path,
                               const std::string& labels_path, int64_t limit,
                               const FeatureScaling& scaling,
                               torch::ScalarType dtype = torch::kFloat32);

// Tensor-file samples (f32, f64, i32, i64 or u8; [N, ...]) and labels (u8,
// i32 or i64; [N]). Counts and values are checked as by LoadIdxDataset.
// Errors as for LoadIdxDataset, plus DecodeTensorFile's.
Result<Dataset> LoadTensorFileDataset(const std::string& samples_path,
                                      const std::string& labels_path,
                                      int64_t limit,
                                      const FeatureScaling& scaling,
                                      torch::ScalarType dtype = torch::kFloat32);

// A Dataset over x, y and their leaves, with its Merkle tree and root.
// REQUIRES: leaves.size() == y.size(0).
Dataset DatasetFromLeaves(torch::Tensor x, torch::Tensor y,
                          std::vector<Digest> leaves);

// The first `limit` samples of `d` (all of it when limit is 0 or at least
// its size): views of its tensors, and the tree over the first leaves —
// the dataset a loader reading only the first `limit` samples returns.
// REQUIRES: limit >= 0.
Dataset FirstSamples(const Dataset& d, int64_t limit);

// The first element of x (2-D [N, F], floating, contiguous) that is NaN or
// infinite, as (sample, feature); nullopt when every one is finite. One
// pass over x, stopping at the first.
std::optional<std::pair<int64_t, int64_t>> FirstNonFinite(const torch::Tensor& x);

// "float32" or "float64".
const char* DTypeNameOf(torch::ScalarType dtype);

// Appends `size` bytes of `value` as stored in memory: little-endian on
// every host this builds for (see torch_bridge.h).
void AppendLittleEndian(std::string* out, const void* value, size_t size);

}  // namespace veritrain
