// The data order of a task: which training samples form the batch of step s.
//
// The order is fixed by the task's data seed and never chosen by the solver.
// Samples are consumed epoch after epoch; epoch e is a permutation of
// [0, dataset_size) and batches run across epoch boundaries without a gap:
//
//   position p = step * batch_size + j          (j = 0 .. batch_size-1)
//   index(p)   = Permutation(data_seed, p / dataset_size)[p % dataset_size]
//
// Permutation(seed, e) is a Fisher–Yates shuffle of the identity driven by
// SplitMix64(DeriveSeed(seed, e)) (see rng.h): for i = n-1 down to 1,
// swap(perm[i], perm[Below(i + 1)]). Only integer arithmetic is involved, so
// the order is the same on every platform; LibTorch's RNG is not used.
//
// Thread-safety: DataOrder is thread-safe (its epoch cache is guarded by a
// mutex). The free functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace veritrain {

// The permutation of epoch `epoch`.
// REQUIRES: dataset_size > 0, epoch >= 0.
std::vector<int64_t> EpochPermutation(uint64_t data_seed, int64_t epoch,
                                      int64_t dataset_size);

// The dataset indices of the batch of step `step`, in batch order.
// REQUIRES: step >= 0, batch_size > 0, dataset_size > 0, and
// (step + 1) * batch_size does not overflow int64.
std::vector<int64_t> BatchIndices(uint64_t data_seed, int64_t step,
                                  int64_t batch_size, int64_t dataset_size);

// BatchIndices with the permutations of the two most recently used epochs
// cached, so that calling it every step costs O(batch_size) on average.
class DataOrder {
 public:
  // REQUIRES: dataset_size > 0.
  DataOrder(uint64_t data_seed, int64_t dataset_size);

  // Same result as BatchIndices(data_seed, step, batch_size, dataset_size).
  // REQUIRES: as for BatchIndices.
  std::vector<int64_t> Batch(int64_t step, int64_t batch_size) const;

  uint64_t data_seed() const { return data_seed_; }
  int64_t dataset_size() const { return dataset_size_; }

 private:
  std::shared_ptr<const std::vector<int64_t>> Epoch(int64_t epoch) const;

  const uint64_t data_seed_;
  const int64_t dataset_size_;
  mutable std::mutex mu_;
  // At most two entries: the current epoch and the one before.
  mutable std::map<int64_t, std::shared_ptr<const std::vector<int64_t>>> cache_;
};

}  // namespace veritrain
