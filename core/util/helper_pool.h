// Sharing a few independent pieces of work between the calling thread and
// the process's parked helper threads.
//
// Starting a thread can take a scheduler tick (4 ms on a busy two-core VM),
// longer than hashing a few MiB or summing a million elements; waking a
// parked one takes microseconds. So the process keeps its helpers (started
// on first need, at most 15) parked between calls, and every use of more
// than one core goes through here: the tensor hashes of a checkpoint or a
// message (core/state/tensor_hashing.h) and the distances of a large state
// (core/state/distance.cc).
//
// The calling thread works too, and returns as soon as every item has run:
// it waits for a helper only while that helper runs an item it took. A
// helper that comes late finds nothing left. The caller never depends on a
// helper for progress: if none can be started, or none is free, it runs
// every item itself. A child process forked after helpers started starts
// helpers of its own.
//
// Thread-safety: thread-safe; calls from several threads share the helpers.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace veritrain {

namespace helper_pool_internal {
struct Work;  // one call's items, shared with the helpers that run them
}  // namespace helper_pool_internal

// Calls item(k) exactly once for every k in [0, count), taken in increasing
// order by the calling thread and up to `workers` - 1 helpers (workers < 2:
// the caller alone, in order). Returns once every call has returned.
// REQUIRES: item does not throw (catch inside and record the error by k),
// and every call touches only what its own k owns or what is read-only.
void RunShared(size_t count, size_t workers,
               const std::function<void(size_t)>& item);

// One piece of work started on a parked helper while the caller goes on
// with something else; Wait() returns once it has run. If no helper has
// taken it by then, the caller runs it itself in Wait(): it never waits
// for a helper to start. Destroying a task waits for it.
//
// Thread-safety: Wait() and the destructor from the thread that made it.
class SharedTask {
 public:
  // Starts `fn` on a helper when `on_helper` (else Wait() runs it).
  // REQUIRES: fn does not throw, and what it touches outlives Wait().
  SharedTask(std::function<void()> fn, bool on_helper);
  ~SharedTask();
  SharedTask(const SharedTask&) = delete;
  SharedTask& operator=(const SharedTask&) = delete;

  void Wait();

 private:
  std::shared_ptr<helper_pool_internal::Work> work_;
  bool waited_ = false;
};

}  // namespace veritrain
