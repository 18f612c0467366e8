#include "core/util/helper_pool.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace veritrain {
namespace helper_pool_internal {

// One call's items, shared by the caller and the helpers it asked for.
struct Work {
  size_t count = 0;
  const std::function<void(size_t)>* item = nullptr;
  std::function<void(size_t)> owned;  // a SharedTask's, which `item` points to
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  size_t done = 0;  // guarded by mu
};

}  // namespace helper_pool_internal

namespace {

using helper_pool_internal::Work;

// Runs items of `w` until none is left to take. A helper touches `item`
// only for an item it took, and the caller waits for every item taken, so
// the function outlives every call.
void RunSome(Work& w) {
  for (size_t k = w.next.fetch_add(1); k < w.count; k = w.next.fetch_add(1)) {
    (*w.item)(k);
    std::lock_guard<std::mutex> lock(w.mu);
    if (++w.done == w.count) w.all_done.notify_all();
  }
}

// The process's helpers: started on first need, then parked on a condition
// variable between calls. Never destroyed (helpers may be parked at exit),
// and never needed for progress.
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
      RunSome(*work);  // nothing left when it comes late: returns at once
    }
  }

  const pid_t pid_;  // the process whose helpers these are
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Work>> queue_;  // guarded by mu_
  size_t started_ = 0;                       // guarded by mu_
};

// Waits until every item of `w` has run, running what no helper took.
void Finish(Work& w) {
  RunSome(w);
  std::unique_lock<std::mutex> lock(w.mu);
  w.all_done.wait(lock, [&] { return w.done == w.count; });
}

}  // namespace

void RunShared(size_t count, size_t workers,
               const std::function<void(size_t)>& item) {
  workers = std::min(workers, count);
  if (workers <= 1) {
    for (size_t k = 0; k < count; ++k) item(k);
    return;
  }
  auto work = std::make_shared<Work>();
  work->count = count;
  work->item = &item;
  HelperPool::Get().Post(work, workers - 1);
  Finish(*work);
}

SharedTask::SharedTask(std::function<void()> fn, bool on_helper)
    : work_(std::make_shared<Work>()) {
  work_->count = 1;
  work_->owned = [fn = std::move(fn)](size_t) { fn(); };
  work_->item = &work_->owned;
  if (on_helper) HelperPool::Get().Post(work_, 1);
}

SharedTask::~SharedTask() { Wait(); }

void SharedTask::Wait() {
  if (waited_) return;
  waited_ = true;
  Finish(*work_);
}

}  // namespace veritrain
