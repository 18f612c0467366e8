// Messenger: one participant's signed-message endpoint over ZeroMQ.
//
// It stamps outgoing messages with the participant's name and an
// increasing sequence number (starting from the wall clock in
// microseconds, so a restarted process does not look like a replay), signs them, and sends them
// zero-copy. Incoming messages are decoded and checked (limits, known type,
// known sender, signature, replay per receiving socket, not signed with the
// receiver's own key); a rejected message is counted by reason, logged
// (the first few of each reason in full, then a periodic count: a
// LogLimiter, core/transport/log_limiter.h), and never stops the caller.
// A message signed with the receiver's own key ("own_key") is never
// genuine input: it is one of the receiver's own messages sent back, as an
// outsider who captured the arbiter's events could do.
//
// A received message's tensor frames are hashed on up to hash_threads()
// threads (DecodeMessage, core/wire/message.h): a checkpoint's frames are
// checked on every core rather than one.
//
// With InjectFaults, every message received is first subjected to the
// plan's network faults (core/transport/fault_plan.h): dropped, duplicated,
// reordered or delayed. Held-back messages are delivered by later Receive
// calls once due, so a caller that polls must bound its poll timeout with
// PollTimeout().
//
// Thread-safety: Send may be called from several threads at once, each on
// a socket only it uses (a heartbeat thread sends on its own socket while
// the role's thread sends on the others, core/transport/heartbeat_thread.h):
// the sequence number and the send counters are atomic, and signing uses
// only const state. Receive, Drain, Reject, InjectFaults,
// set_hash_threads and the receive counters are for the owning thread. A
// Messenger may be moved only before a second thread uses it.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "core/crypto/identity.h"
#include "core/transport/fault_plan.h"
#include "core/transport/log_limiter.h"
#include "core/transport/zmq_frames.h"
#include "core/util/status.h"
#include "core/wire/message.h"
#include "core/wire/replay_guard.h"

namespace veritrain {

class Messenger {
 public:
  Messenger(std::string name, Identity identity, KeyDirectory keys,
            WireLimits limits = {});

  const std::string& name() const { return name_; }
  const Identity& identity() const { return identity_; }
  const KeyDirectory& keys() const { return keys_; }

  // A fresh request id (Message::rid): unique for this sender, increasing,
  // and not reused by a restarted process (it shares seq's clock origin).
  uint64_t NewRequestId() { return seq_.Add(1); }

  // Threads that hash a received message's tensor frames, the calling
  // thread's included: the machine's hardware threads (at most 8) unless
  // set. Values below 1 mean 1.
  int hash_threads() const { return hash_threads_; }
  void set_hash_threads(int threads) { hash_threads_ = threads < 1 ? 1 : threads; }

  // Injects `plan`'s faults into every message received from now on.
  // REQUIRES: plan.any().
  void InjectFaults(const FaultPlan& plan);
  // `timeout`, shortened so that a held-back message is delivered when due.
  std::chrono::milliseconds PollTimeout(std::chrono::milliseconds timeout) const;
  // Injected faults by kind ("dropped", "duplicated", "reordered", "delayed").
  const std::map<std::string, int64_t>& faults() const { return fault_counts_; }

  // Fills m.from and m.seq, signs, sends.
  Status Send(zmq::socket_t& socket, Message m,
              const std::string* routing_id = nullptr);

  // Receives one message if one is waiting: NotFound when none is;
  // any other error is a rejected message (already logged and counted).
  // `guard` is the replay guard of this receiving socket.
  Result<Message> Receive(zmq::socket_t& socket, bool router,
                          ReplayGuard& guard, std::string* routing_id = nullptr);

  // Receives every message waiting on `socket` and hands each to `handle`
  // with its routing id ("" unless router); rejected messages are skipped
  // (logged and counted). Stops at the first error `handle` returns, and
  // returns Unavailable when the socket itself fails (a terminated context).
  Status Drain(zmq::socket_t& socket, bool router, ReplayGuard& guard,
               const std::function<Status(const Message&, const std::string&)>& handle);

  // Counts and logs (rate-limited) a message the caller itself rejects, as
  // Receive does for its own reasons: e.g. the arbiter's "not_a_request"
  // (an event or reply sent to its request socket) or the solver's
  // "not_a_peer" (a fetch from a party that verifies none of its tasks).
  void Reject(const std::string& reason, const std::string& detail);

  // Rejected messages by reason name ("bad_signature", "replayed", ...).
  const std::map<std::string, int64_t>& rejects() const { return rejects_; }
  int64_t bytes_sent() const { return bytes_sent_.load(); }
  int64_t bytes_received() const { return bytes_received_; }
  // Frame bytes of the last message Receive returned.
  int64_t last_message_bytes() const { return last_message_bytes_; }
  int64_t messages_sent() const { return messages_sent_.load(); }
  int64_t messages_received() const { return messages_received_; }

 private:
  struct Held {
    ReceivedFrames frames;
    int64_t due_ms = 0;       // steady clock
    bool until_next = false;  // reordered: released once a later message is delivered
  };
  // The next frames to decode from `socket`: a held message that is due,
  // else the next one from the socket after the fault plan's draw.
  Result<ReceivedFrames> NextFrames(zmq::socket_t& socket, bool router);

  std::string name_;
  Identity identity_;
  KeyDirectory keys_;
  WireLimits limits_;
  int hash_threads_;
  // An atomic that a move copies: Messenger is moved while it is built.
  template <typename T>
  class MovableAtomic {
   public:
    explicit MovableAtomic(T v = 0) : v_(v) {}
    MovableAtomic(MovableAtomic&& o) noexcept : v_(o.v_.load()) {}
    MovableAtomic& operator=(MovableAtomic&& o) noexcept {
      v_.store(o.v_.load());
      return *this;
    }
    T load() const { return v_.load(std::memory_order_relaxed); }
    // Adds `d` and returns the new value.
    T Add(T d) { return v_.fetch_add(d, std::memory_order_relaxed) + d; }

   private:
    std::atomic<T> v_;
  };

  // Starts at the wall clock in µs, so a restarted sender keeps increasing;
  // shared by every thread that sends (the receivers' replay guards allow
  // one thread's message to overtake another's).
  MovableAtomic<uint64_t> seq_;
  std::map<std::string, int64_t> rejects_;
  MovableAtomic<int64_t> bytes_sent_;
  int64_t bytes_received_ = 0;
  int64_t last_message_bytes_ = 0;
  MovableAtomic<int64_t> messages_sent_;
  int64_t messages_received_ = 0;
  std::optional<FaultStream> fault_stream_;
  std::map<std::string, int64_t> fault_counts_;
  std::map<void*, std::deque<Held>> held_;  // by socket handle
  LogLimiter log_limiter_;                  // what rejects write to the log
};

}  // namespace veritrain
