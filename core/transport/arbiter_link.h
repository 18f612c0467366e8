// ArbiterLink: a participant's two connections to the arbiter — a DEALER
// for requests (each answered by a reply carrying its request id) and a SUB
// for the event stream.
//
// Requests are retried: Request() gives the message a fresh request id and
// Tick() resends it (a new message with the same id) on the RetryPolicy's
// back-off until a reply with that id arrives, so a request or reply lost
// on the way costs time, not the request. The arbiter answers a resent
// request it has already handled with the same reply (arbiter/arbiter.h).
// Tick() also sends a heartbeat to the arbiter every heartbeat_ms, and
// notes when no event has come from the arbiter for silence_ms.
//
// Connect() returns only once the subscription is live: ZeroMQ silently
// drops PUB messages sent before a SUB has connected, so the link waits for
// the arbiter's first heartbeat before the participant says hello.
//
// Thread-safety: one thread uses the link and its sockets.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include <zmq.hpp>

#include "core/transport/messenger.h"
#include "core/transport/retry_policy.h"
#include "core/transport/role_curve.h"

namespace veritrain {

class ArbiterLink {
 public:
  ArbiterLink(zmq::context_t& ctx, Messenger& messenger, std::string requests_endpoint,
              std::string events_endpoint, RetryPolicy retry = {});

  // Connects both sockets, without waiting; with `curve`, both are CURVE
  // clients of the arbiter (role_curve.h).
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

  // Resends the requests whose back-off has passed and sends a heartbeat
  // when one is due. Call it from the poll loop.
  Status Tick();
  // `timeout`, shortened to the next resend, heartbeat or held-back message.
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

  zmq::socket_t& dealer() { return dealer_; }
  zmq::socket_t& sub() { return sub_; }

 private:
  struct Outstanding {
    Message message;
    int attempts = 0;  // resends so far
    int64_t next_ms = 0;
  };

  Messenger& messenger_;
  std::string requests_endpoint_;
  std::string events_endpoint_;
  RetryPolicy retry_;
  zmq::socket_t dealer_;
  zmq::socket_t sub_;
  ReplayGuard dealer_guard_;
  ReplayGuard sub_guard_;
  std::map<uint64_t, Outstanding> pending_;
  int64_t next_beat_ms_ = 0;
  int64_t beats_ = 0;
  int64_t last_event_ms_ = 0;
  bool silent_ = false;
  int64_t silences_ = 0;
  int64_t resends_ = 0;
};

}  // namespace veritrain
