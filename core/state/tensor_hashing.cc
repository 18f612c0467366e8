#include "core/state/tensor_hashing.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>

#include "core/state/state_hash.h"

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
  // A helper touches `tensors` and `out` only for a tensor it took, and the
  // caller waits for every tensor taken, so both outlive every access; the
  // Work itself is shared with the helpers and outlives the latest of them.
  struct Work {
    std::vector<size_t> order;  // indices, biggest tensor first
    const std::vector<const TensorData*>* tensors = nullptr;
    std::vector<Digest>* out = nullptr;
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::condition_variable all_done;
    size_t done = 0;  // guarded by mu
  };
  auto work = std::make_shared<Work>();
  work->order.resize(n);
  std::iota(work->order.begin(), work->order.end(), size_t{0});
  std::stable_sort(work->order.begin(), work->order.end(),
                   [&](size_t a, size_t b) {
                     return tensors[a]->bytes.size() > tensors[b]->bytes.size();
                   });
  work->tensors = &tensors;
  work->out = &out;
  auto hash_some = [](Work& w) {
    const size_t count = w.order.size();
    for (size_t k = w.next.fetch_add(1); k < count; k = w.next.fetch_add(1)) {
      const size_t i = w.order[k];
      (*w.out)[i] = TensorHash(*(*w.tensors)[i]);
      std::lock_guard<std::mutex> lock(w.mu);
      if (++w.done == count) w.all_done.notify_all();
    }
  };
  for (size_t h = 1; h < workers; ++h) {
    try {
      std::thread([work, hash_some] { hash_some(*work); }).detach();
    } catch (const std::system_error&) {
      break;  // cannot start more threads: the ones we have do the work
    }
  }
  hash_some(*work);
  std::unique_lock<std::mutex> lock(work->mu);
  work->all_done.wait(lock, [&] { return work->done == n; });
  return out;
}

}  // namespace veritrain
