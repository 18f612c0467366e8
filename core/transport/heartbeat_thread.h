// HeartbeatThread: calls a function every `period` on a thread of its own,
// from construction until Stop(), whatever the thread that made it is
// doing.
//
// It is how a role stays heard while it computes: decoding a dataset,
// training a step, evaluating the test set, re-executing an interval,
// hashing and writing checkpoints, calibrating, ruling on a node. Before
// it, heartbeats went out from the role's poll loop, so any computation
// longer than silence_ms between two polls (a test-accuracy pass on a CNN
// took ~10 s) made the arbiter log an honest participant as silent. A
// participant's ArbiterLink sends its heartbeats from one of these, on a
// DEALER socket of its own (arbiter_link.h); the arbiter publishes its
// heartbeat events from one (arbiter/arbiter.h).
//
// The beat function is called first at once, then every `period` (measured
// from the start of the previous call, on the steady clock); it is
// destroyed on the heartbeat thread after its last call, so a ZeroMQ socket
// it owns is created, used and closed on that one thread.
//
// Thread-safety: the object itself is used by the thread that made it
// (construction, Stop, destruction); `beat` runs on the heartbeat thread
// only, and shares with the rest of the program only what it locks or what
// is safe to share (for a participant, Messenger::Send on a socket only
// the heartbeat thread uses; for the arbiter, its event socket under a
// mutex). Stop() wakes the thread at once (a condition variable, not a
// sleep) and joins it: no beat runs after Stop() returns.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace veritrain {

class HeartbeatThread {
 public:
  // `beat(n)` for n = 0, 1, 2, ...
  // REQUIRES: period > 0; `beat` does not throw.
  HeartbeatThread(std::chrono::milliseconds period, std::function<void(int64_t)> beat);
  ~HeartbeatThread() { Stop(); }
  HeartbeatThread(const HeartbeatThread&) = delete;
  HeartbeatThread& operator=(const HeartbeatThread&) = delete;

  // Ends the thread after the beat it may be in; idempotent.
  void Stop();

 private:
  void Loop(std::function<void(int64_t)> beat);

  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace veritrain
