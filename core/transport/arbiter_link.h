// ArbiterLink: a participant's two connections to the arbiter — a DEALER
// for requests (each answered by a reply carrying its request id) and a SUB
// for the event stream.
//
// Requests are retried: Request() gives the message a fresh request id and
// Tick() resends it (a new message with the same id) on the RetryPolicy's
// back-off until a reply with that id arrives, so a request or reply lost
// on the way costs time, not the request. The arbiter answers a resent
// request it has already handled with the same reply (arbiter/arbiter.h).
// Heartbeats go to the arbiter every heartbeat_ms from a HeartbeatThread
// (heartbeat_thread.h) started by ConnectSockets, on a DEALER socket of its
// own connected to the arbiter's request endpoint (a CURVE client like the
// others when the run has CURVE on). They go on while the role's thread
// computes — a long training step, a test-set pass, a re-executed
// interval, hashing — and does not call Tick(), so the arbiter never takes
// a busy participant for a silent one. Tick() notes when no event has come
// from the arbiter for silence_ms (counting an event that is waiting
// unread as heard: a role that computed for longer than silence_ms has not
// read its events meanwhile).
//
// Connect() returns only once the subscription is live: ZeroMQ silently
// drops PUB messages sent before a SUB has connected, so the link waits for
// the arbiter's first heartbeat before the participant says hello.
//
// Thread-safety: one thread uses the link, its DEALER and its SUB. The
// heartbeat thread owns its socket alone and shares only the Messenger,
// whose Send is safe to call from both (messenger.h); it is stopped and
// joined when the link is destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "core/transport/heartbeat_thread.h"
#include "core/transport/messenger.h"
#include "core/transport/retry_policy.h"
#include "core/transport/role_curve.h"

namespace veritrain {

class ArbiterLink {
 public:
  // REQUIRES: `ctx` and `messenger` outlive the link.
  ArbiterLink(zmq::context_t& ctx, Messenger& messenger, std::string requests_endpoint,
              std::string events_endpoint, RetryPolicy retry = {});
  ~ArbiterLink();

  // Connects both sockets, without waiting, and starts the heartbeats
  // (unless heartbeat_ms is 0); with `curve`, every socket is a CURVE
  // client of the arbiter (role_curve.h).
  Status ConnectSockets(const RoleCurve* curve = nullptr);
  // Connects both sockets and waits (without sleeping: by polling the SUB
  // socket) until a heartbeat arrives. Timeout when none comes in `timeout`.
  // With `curve`, both connections are CURVE clients of the arbiter
  // (role_curve.h).
  Status Connect(std::chrono::milliseconds timeout, const RoleCurve* curve = nullptr);

  // Sends `m` as a request (a fresh m.rid) and keeps it until its reply
  // arrives; Tick() resends it meanwhile. Returns the request id.
  Result<uint64_t> Request(Message m);
  // True while request `rid` has had no reply.
  bool Pending(uint64_t rid) const { return pending_.count(rid) > 0; }
  size_t pending() const { return pending_.size(); }

  // Waits up to `timeout` (resending, and handing every reply that arrives
  // meanwhile to `on_reply` as DrainReplies does) until request `rid` has
  // its reply. Timeout when none comes.
  Status AwaitReply(uint64_t rid, std::chrono::milliseconds timeout,
                    const std::function<void(const Message&)>& on_reply = nullptr);
  // Says goodbye to the arbiter after its shutdown event and waits up to
  // `timeout` for the answer. Timeout when none comes: the arbiter may
  // already be gone, and leaving is not an error then.
  Status Leave(std::chrono::milliseconds timeout);

  // Resends the requests whose back-off has passed and notes an arbiter
  // fallen silent. Call it from the poll loop. (Heartbeats need no call.)
  Status Tick();
  // `timeout`, shortened to the next resend or held-back message.
  std::chrono::milliseconds PollTimeout(std::chrono::milliseconds timeout) const;

  Result<Message> ReceiveEvent();
  Result<Message> ReceiveReply() {
    return messenger_.Receive(dealer_, /*router=*/false, dealer_guard_);
  }

  // Handles every waiting reply. A reply to a pending request completes it
  // and goes to `on_reply` (when given); a refusal (an `ack` with ok false)
  // is also logged with `who`. A second reply to a completed request (the
  // answer to a resend) is dropped. A message without a request id (none is
  // sent so far) goes to `on_reply` as well.
  Status DrainReplies(const std::string& who,
                      const std::function<void(const Message&)>& on_reply = nullptr);
  // Hands every waiting event to `on_event`.
  Status DrainEvents(const std::function<Status(const Message&)>& on_event);

  int64_t resends() const { return resends_; }
  // Times the arbiter fell silent (no event for silence_ms).
  int64_t arbiter_silences() const { return silences_; }

  // Heartbeats sent so far by the heartbeat thread.
  int64_t heartbeats() const { return beats_.load(); }
  // Heartbeats the heartbeat thread could not send.
  int64_t heartbeats_failed() const { return beats_failed_.load(); }

  zmq::socket_t& dealer() { return dealer_; }
  zmq::socket_t& sub() { return sub_; }

 private:
  // One heartbeat, on the heartbeat thread: makes `socket` (a DEALER to the
  // requests endpoint, a CURVE client with `secure`) on first use, then
  // sends Heartbeat{n} on it. Logs failures; throws nothing.
  void Beat(std::optional<zmq::socket_t>& socket, const std::optional<RoleCurve>& secure,
            int64_t n);
  // True when an event has arrived on the SUB socket and waits unread.
  bool EventWaiting();

  struct Outstanding {
    Message message;
    int attempts = 0;  // resends so far
    int64_t next_ms = 0;
  };

  zmq::context_t& ctx_;
  Messenger& messenger_;
  std::string requests_endpoint_;
  std::string events_endpoint_;
  RetryPolicy retry_;
  zmq::socket_t dealer_;
  zmq::socket_t sub_;
  ReplayGuard dealer_guard_;
  ReplayGuard sub_guard_;
  std::map<uint64_t, Outstanding> pending_;
  std::atomic<int64_t> beats_{0};
  std::atomic<int64_t> beats_failed_{0};
  std::atomic<bool> beats_failing_{false};  // the last heartbeat could not be sent
  int64_t last_event_ms_ = 0;
  bool silent_ = false;
  int64_t silences_ = 0;
  int64_t resends_ = 0;
  // Last: stopped (and its socket closed) before the rest goes.
  std::unique_ptr<HeartbeatThread> heart_;
};

}  // namespace veritrain
