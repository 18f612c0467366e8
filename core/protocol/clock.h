// Clock: the protocol's only source of time, injectable so that deadlines
// and event timestamps can be driven by tests.
//
//   SystemClock  milliseconds on the steady (monotonic) clock, counted from
//                the moment the SystemClock was constructed; use it for
//                deadlines and event times. Wall time, for manifests and
//                human-readable records, is WallUnixMs(), kept apart because
//                the wall clock can jump.
//   FakeClock    a clock that moves only when told to (Set, Advance).
//   OffsetClock  another clock moved forward by a fixed offset: a restarted
//                arbiter continues its event log's time from where it
//                stopped (its downtime does not count against deadlines).
//
// Thread-safety: NowMs() may be called from any thread on both
// implementations. FakeClock's Set and Advance are atomic and may race with
// NowMs() from other threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace veritrain {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since an arbitrary, fixed origin; never decreases.
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  SystemClock() : origin_(std::chrono::steady_clock::now()) {}

  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - origin_)
        .count();
  }

  // Milliseconds since the Unix epoch on the wall clock (may jump).
  static int64_t WallUnixMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::chrono::steady_clock::time_point origin_;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 0) : now_ms_(start_ms) {}

  int64_t NowMs() const override { return now_ms_.load(); }
  // REQUIRES: ms >= NowMs() (a clock never goes back).
  void Set(int64_t ms) { now_ms_.store(ms); }
  // REQUIRES: ms >= 0.
  void Advance(int64_t ms) { now_ms_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_ms_;
};

class OffsetClock final : public Clock {
 public:
  // REQUIRES: `base` outlives this clock.
  OffsetClock(const Clock* base, int64_t offset_ms) : base_(base), offset_ms_(offset_ms) {}
  int64_t NowMs() const override { return base_->NowMs() + offset_ms_; }

 private:
  const Clock* base_;
  int64_t offset_ms_;
};

}  // namespace veritrain
