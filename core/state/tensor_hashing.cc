#include "core/state/tensor_hashing.h"

#include <algorithm>
#include <numeric>

#include "core/state/state_hash.h"
#include "core/util/helper_pool.h"

namespace veritrain {
namespace {

// How many threads (the caller's included) to use for `tensors`.
size_t WorkersFor(const std::vector<const TensorData*>& tensors, int threads,
                  size_t min_bytes_per_thread) {
  size_t workers = threads > 1 ? static_cast<size_t>(threads) : 1;
  workers = std::min(workers, tensors.size());
  if (min_bytes_per_thread > 0 && workers > 1) {
    size_t total = 0;
    for (const TensorData* t : tensors) total += t->bytes.size();
    workers =
        std::min(workers, std::max<size_t>(1, total / min_bytes_per_thread));
  }
  return workers;
}

}  // namespace

std::vector<Digest> HashTensors(const std::vector<const TensorData*>& tensors,
                                int threads, size_t min_bytes_per_thread) {
  const size_t n = tensors.size();
  std::vector<Digest> out(n);
  const size_t workers = WorkersFor(tensors, threads, min_bytes_per_thread);
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) out[i] = TensorHash(*tensors[i]);
    return out;
  }
  // Biggest first, so that one large tensor does not start last.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return tensors[a]->bytes.size() > tensors[b]->bytes.size();
  });
  RunShared(n, workers, [&](size_t k) {
    out[order[k]] = TensorHash(*tensors[order[k]]);
  });
  return out;
}

}  // namespace veritrain
