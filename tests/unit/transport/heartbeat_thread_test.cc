// HeartbeatThread: the beat function runs on a thread of its own, on its
// period, while the thread that made it does nothing for it; Stop() wakes
// the thread however long the period and joins it, no beat runs after, and
// the beat function is destroyed on the heartbeat thread (where a socket it
// owns was made and used).
#include "core/transport/heartbeat_thread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace veritrain {
namespace {

// What the beats saw, shared between the heartbeat thread and the test.
struct Beats {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<int64_t> seen;  // every n, in order
  std::vector<std::thread::id> threads;
  std::thread::id destroyed_on;
  bool destroyed = false;

  void Note(int64_t n) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(n);
    threads.push_back(std::this_thread::get_id());
    changed.notify_all();
  }
  // Waits (on the condition variable, at most `limit`) until `count` beats
  // were seen; returns how many were.
  size_t AwaitCount(size_t count, std::chrono::seconds limit = std::chrono::seconds(30)) {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait_for(lock, limit, [&] { return seen.size() >= count; });
    return seen.size();
  }
};

// Owned by the beat function: records where it is destroyed.
struct Owned {
  explicit Owned(Beats* b) : beats(b) {}
  ~Owned() {
    std::lock_guard<std::mutex> lock(beats->mu);
    beats->destroyed_on = std::this_thread::get_id();
    beats->destroyed = true;
  }
  Beats* beats;
};

TEST(HeartbeatThread, BeatsOnItsOwnThreadWhileTheOwnerDoesNothingForIt) {
  Beats beats;
  HeartbeatThread heart(std::chrono::milliseconds(2), [&](int64_t n) { beats.Note(n); });
  // The owner only waits: no Tick(), no poll loop.
  ASSERT_GE(beats.AwaitCount(5), 5u);
  heart.Stop();
  std::lock_guard<std::mutex> lock(beats.mu);
  for (size_t i = 0; i < beats.seen.size(); ++i) {
    EXPECT_EQ(beats.seen[i], static_cast<int64_t>(i));
    EXPECT_NE(beats.threads[i], std::this_thread::get_id());
    EXPECT_EQ(beats.threads[i], beats.threads[0]);
  }
}

TEST(HeartbeatThread, StopWakesALongPeriodJoinsAndNoBeatFollows) {
  Beats beats;
  auto owned = std::make_shared<Owned>(&beats);
  // An hour's period: only a woken thread lets Stop() return within the
  // test's time, since the first beat is at once and the second an hour on.
  HeartbeatThread heart(std::chrono::hours(1),
                        [&beats, owned](int64_t n) { beats.Note(n); });
  owned.reset();  // the beat function holds the last reference
  ASSERT_EQ(beats.AwaitCount(1), 1u);
  const auto t0 = std::chrono::steady_clock::now();
  heart.Stop();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, std::chrono::minutes(1));
  heart.Stop();  // idempotent
  std::lock_guard<std::mutex> lock(beats.mu);
  EXPECT_EQ(beats.seen.size(), 1u);
  ASSERT_TRUE(beats.destroyed);
  // Destroyed on the heartbeat thread, after its last beat.
  EXPECT_EQ(beats.destroyed_on, beats.threads[0]);
  EXPECT_NE(beats.destroyed_on, std::this_thread::get_id());
}

TEST(HeartbeatThread, DestructionStopsIt) {
  Beats beats;
  {
    HeartbeatThread heart(std::chrono::hours(1), [&](int64_t n) { beats.Note(n); });
    ASSERT_EQ(beats.AwaitCount(1), 1u);
  }
  std::lock_guard<std::mutex> lock(beats.mu);
  EXPECT_EQ(beats.seen.size(), 1u);
}

TEST(HeartbeatThread, AThrowingBeatDoesNotEndTheBeats) {
  Beats beats;
  HeartbeatThread heart(std::chrono::milliseconds(1), [&](int64_t n) {
    beats.Note(n);
    if (n == 0) throw std::runtime_error("first beat fails");
  });
  ASSERT_GE(beats.AwaitCount(3), 3u);
}

}  // namespace
}  // namespace veritrain
