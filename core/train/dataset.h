// Datasets of classification jobs, held in memory as tensors, with their
// Merkle commitment (see dataset_commitment.h).
//
// Thread-safety: a Dataset is immutable after loading; its tensors are only
// read (index_select copies), so it may be shared between threads.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/crypto/merkle.h"
#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

// Fashion-MNIST has ten classes.
inline constexpr int64_t kFashionMnistClasses = 10;
// Where the jobs look for its files unless told (Debian's
// dataset-fashion-mnist package puts them there).
inline constexpr const char* kFashionMnistDefaultDir =
    "/usr/share/datasets/fashion-mnist";

struct Dataset {
  torch::Tensor x;  // [N, features], floating, normalised
  torch::Tensor y;  // [N] int64 class labels
  Digest root;      // Merkle root over the per-sample leaves
  // The tree over the leaves, for inclusion proofs of single samples.
  std::shared_ptr<const MerkleTree> tree;

  int64_t size() const { return y.defined() ? y.size(0) : 0; }
};

// Reads Fashion-MNIST from `dir`: train-images-idx3-ubyte.gz and
// train-labels-idx1-ubyte.gz when `train`, else the t10k-* files. Keeps the
// first `limit` samples (all when limit is 0). x is [N, 784] in `dtype`,
// pixels scaled as (p / 255 - 0.2860) / 0.3530; y holds labels 0..9. The
// leaf of sample i covers the label byte and the 784 pixel bytes as stored.
// Errors name the file (see ReadIdx) or the inconsistency (image and label
// counts, image size, a label out of range).
// REQUIRES: limit >= 0; dtype is kFloat32 or kFloat64.
// Fashion-MNIST from the IDX files in `dir`. The whole set is decoded once
// per machine and kept in the decoded-dataset cache (dataset_cache.h;
// with the cache off, only the first `limit` samples are read). A process
// also remembers the few last datasets it loaded (keyed by the files' size
// and modification time too), so building the same job for many seeds
// maps the cache once. The tensors may be views of a mapped file: never
// write to them in place. Thread-safe.
Result<Dataset> LoadFashionMnist(const std::string& dir, bool train,
                                 int64_t limit,
                                 torch::ScalarType dtype = torch::kFloat32);

// A job's Fashion-MNIST: its training and test sets from the folder `dir`
// that the job's field `field` gives (e.g. "job.dataset_dir"), an error
// naming that field ("job.dataset_dir '<dir>': ..."): a folder without
// the files is the scenario's mistake.
struct FashionMnistSplits {
  Dataset train, test;
};
Result<FashionMnistSplits> LoadFashionMnistForJob(const std::string& field,
                                                  const std::string& dir, int64_t train_limit,
                                                  int64_t test_limit, torch::ScalarType dtype);

// The file of Fashion-MNIST in `dir` that LoadFashionMnist reads for the
// training (`train`) or test set, its labels or its images:
// "<dir>/train-labels-idx1-ubyte.gz", "<dir>/t10k-images-idx3-ubyte.gz"…
std::string FashionMnistFile(const std::string& dir, bool train, bool labels);

// Forgets the datasets LoadFashionMnist remembers, so that the next load
// goes through the cache (or decodes) again: for benchmarks of job set-up.
void ForgetLoadedDatasets();

// The synthetic teacher–student task. A fixed random linear teacher
// (weights and bias uniform in [-1, 1), drawn from SplitMix64 under
// DeriveSeed(data_seed, "teacher")) labels inputs drawn uniform in [-1, 1)
// (stream DeriveSeed(data_seed, "train") or "test"):
// y = argmax_c (W x + b)_c, computed in double precision in plain C++ so
// that the data are the same on every platform. The leaf of sample i covers
// the label as i64 little-endian and the features as f64 little-endian.
struct SyntheticSpec {
  int64_t features = 16;
  int64_t classes = 4;
  int64_t train_size = 2048;
  int64_t test_size = 512;
};
// REQUIRES: every field of spec >= 1 (classes >= 2); dtype floating.
Dataset MakeSyntheticDataset(const SyntheticSpec& spec, uint64_t data_seed,
                             bool train,
                             torch::ScalarType dtype = torch::kFloat32);

}  // namespace veritrain
