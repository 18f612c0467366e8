#include "core/state/tensor_hashing.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>

#include "core/state/state_hash.h"

namespace veritrain {
namespace {

// One call's tensors, shared by the caller and the helpers it asked for.
struct Work {
  std::vector<size_t> order;  // indices, biggest tensor first
  const std::vector<const TensorData*>* tensors = nullptr;
  std::vector<Digest>* out = nullptr;
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  size_t done = 0;  // guarded by mu
};

// Hashes tensors of `w` until none is left to take. A helper touches
// `tensors` and `out` only for a tensor it took, and the caller waits for
// every tensor taken, so both outlive every access.
void HashSome(Work& w) {
  const size_t count = w.order.size();
  for (size_t k = w.next.fetch_add(1); k < count; k = w.next.fetch_add(1)) {
    const size_t i = w.order[k];
    (*w.out)[i] = TensorHash(*(*w.tensors)[i]);
    std::lock_guard<std::mutex> lock(w.mu);
    if (++w.done == count) w.all_done.notify_all();
  }
}

// The process's hashing helpers: started on first need, then parked on a
// condition variable between calls. Waking a parked thread takes
// microseconds; starting one can take a scheduler tick (4 ms on a busy
// two-core VM), longer than hashing a few MiB, so helpers started per call
// joined late or not at all. Never destroyed (helpers may be parked at
// exit), and never needed for progress: the caller takes whatever the
// helpers have not, so a process that could not start them still finishes
// every call alone.
class HelperPool {
 public:
  // The pool of this process. A child forked after helpers started has
  // none of them, and may have inherited the pool's lock held: it gets a
  // pool of its own (the parent's copy is left alone, never used).
  static HelperPool& Get() {
    static std::atomic<HelperPool*> current{nullptr};
    HelperPool* pool = current.load();
    const pid_t pid = ::getpid();
    while (pool == nullptr || pool->pid_ != pid) {
      auto* fresh = new HelperPool(pid);  // never destroyed, see above
      if (current.compare_exchange_strong(pool, fresh)) return *fresh;
      delete fresh;  // another thread of this process made one first
    }
    return *pool;
  }

  // Asks `helpers` helpers to join `work`, starting helpers as needed.
  void Post(const std::shared_ptr<Work>& work, size_t helpers) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (started_ < std::min(helpers, kMaxHelpers)) {
        try {
          std::thread([this] { Serve(); }).detach();
        } catch (const std::system_error&) {
          break;  // cannot start more threads: the ones we have do the work
        }
        ++started_;
      }
      for (size_t h = 0; h < helpers; ++h) queue_.push_back(work);
    }
    wake_.notify_all();
  }

 private:
  static constexpr size_t kMaxHelpers = 15;

  explicit HelperPool(pid_t pid) : pid_(pid) {}

  void Serve() {
    while (true) {
      std::shared_ptr<Work> work;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [this] { return !queue_.empty(); });
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      HashSome(*work);  // nothing left when it comes late: returns at once
    }
  }

  const pid_t pid_;  // the process whose helpers these are
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Work>> queue_;  // guarded by mu_
  size_t started_ = 0;                       // guarded by mu_
};

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
  auto work = std::make_shared<Work>();
  work->order.resize(n);
  std::iota(work->order.begin(), work->order.end(), size_t{0});
  std::stable_sort(work->order.begin(), work->order.end(),
                   [&](size_t a, size_t b) {
                     return tensors[a]->bytes.size() > tensors[b]->bytes.size();
                   });
  work->tensors = &tensors;
  work->out = &out;
  HelperPool::Get().Post(work, workers - 1);
  HashSome(*work);
  std::unique_lock<std::mutex> lock(work->mu);
  work->all_done.wait(lock, [&] { return work->done == n; });
  return out;
}

}  // namespace veritrain
