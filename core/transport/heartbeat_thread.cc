#include "core/transport/heartbeat_thread.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace veritrain {

HeartbeatThread::HeartbeatThread(std::chrono::milliseconds period,
                                 std::function<void(int64_t)> beat)
    : period_(period) {
  thread_ = std::thread([this, beat = std::move(beat)]() mutable { Loop(std::move(beat)); });
}

void HeartbeatThread::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HeartbeatThread::Loop(std::function<void(int64_t)> beat) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;  // stopped before the first beat: none at all
  }
  auto next = std::chrono::steady_clock::now();
  for (int64_t n = 0;; ++n) {
    try {
      beat(n);
    } catch (const std::exception& e) {
      // Not allowed by the contract, but an exception out of a thread
      // would end the process: logged, and the beats go on.
      spdlog::error("heartbeat thread: {}", e.what());
    }
    next += period_;
    // A beat that overran its period is not followed by a burst of
    // catch-up beats.
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
    std::unique_lock<std::mutex> lock(mu_);
    if (wake_.wait_until(lock, next, [this] { return stop_; })) break;
  }
  beat = nullptr;  // destroyed here: whatever it owns lives on this thread only
}

}  // namespace veritrain
