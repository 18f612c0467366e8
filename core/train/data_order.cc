#include "core/train/data_order.h"

#include <algorithm>
#include <iterator>
#include <numeric>
#include <utility>

#include "core/train/rng.h"

namespace veritrain {

std::vector<int64_t> EpochPermutation(uint64_t data_seed, int64_t epoch,
                                      int64_t dataset_size) {
  std::vector<int64_t> perm(static_cast<size_t>(dataset_size));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  SplitMix64 rng(DeriveSeed(data_seed, static_cast<uint64_t>(epoch)));
  for (size_t i = perm.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng.Below(i));
    std::swap(perm[i - 1], perm[j]);
  }
  return perm;
}

std::vector<int64_t> BatchIndices(uint64_t data_seed, int64_t step,
                                  int64_t batch_size, int64_t dataset_size) {
  return DataOrder(data_seed, dataset_size).Batch(step, batch_size);
}

DataOrder::DataOrder(uint64_t data_seed, int64_t dataset_size)
    : data_seed_(data_seed), dataset_size_(dataset_size) {}

std::shared_ptr<const std::vector<int64_t>> DataOrder::Epoch(
    int64_t epoch) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(epoch);
    if (it != cache_.end()) return it->second;
  }
  // Computed outside the lock; two threads may both compute the same epoch,
  // which is harmless since the result is a pure function.
  auto perm = std::make_shared<const std::vector<int64_t>>(
      EpochPermutation(data_seed_, epoch, dataset_size_));
  std::lock_guard<std::mutex> lock(mu_);
  cache_[epoch] = perm;
  while (cache_.size() > 2) {
    // Evict the epoch farthest from the one just used.
    auto first = cache_.begin();
    auto last = std::prev(cache_.end());
    if (epoch - first->first >= last->first - epoch) {
      cache_.erase(first);
    } else {
      cache_.erase(last);
    }
  }
  return perm;
}

std::vector<int64_t> DataOrder::Batch(int64_t step, int64_t batch_size) const {
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(batch_size));
  int64_t p = step * batch_size;
  const int64_t end = p + batch_size;
  while (p < end) {
    const int64_t epoch = p / dataset_size_;
    const int64_t offset = p % dataset_size_;
    const int64_t take = std::min(end - p, dataset_size_ - offset);
    auto perm = Epoch(epoch);
    out.insert(out.end(), perm->begin() + offset,
               perm->begin() + offset + take);
    p += take;
  }
  return out;
}

}  // namespace veritrain
