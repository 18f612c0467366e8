// ArbiterLink: a participant's two connections to the arbiter — a DEALER
// for requests (answered by `ack`s) and a SUB for the event stream.
//
// Connect() returns only once the subscription is live: ZeroMQ silently
// drops PUB messages sent before a SUB has connected, so the link waits for
// the arbiter's first heartbeat before the participant says hello.
//
// Thread-safety: one thread uses the link and its sockets.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <zmq.hpp>

#include "core/transport/messenger.h"
#include "core/transport/role_curve.h"

namespace veritrain {

class ArbiterLink {
 public:
  ArbiterLink(zmq::context_t& ctx, Messenger& messenger,
              std::string requests_endpoint, std::string events_endpoint);

  // Connects both sockets and waits (without sleeping: by polling the SUB
  // socket) until a heartbeat arrives. Timeout when none comes in `timeout`.
  // With `curve`, both connections are CURVE clients of the arbiter
  // (role_curve.h).
  Status Connect(std::chrono::milliseconds timeout, const RoleCurve* curve = nullptr);

  Status Request(const Message& m) { return messenger_.Send(dealer_, m); }
  Result<Message> ReceiveEvent() {
    return messenger_.Receive(sub_, /*router=*/false, sub_guard_);
  }
  Result<Message> ReceiveReply() {
    return messenger_.Receive(dealer_, /*router=*/false, dealer_guard_);
  }

  // Handles every waiting reply: a refusal (an `ack` with ok false) is
  // logged with `who`; other acks are ignored; any other message (one the
  // arbiter sends this participant alone, e.g. a forced_error_notice) goes
  // to `on_other` when given.
  Status DrainReplies(const std::string& who,
                      const std::function<void(const Message&)>& on_other = nullptr);
  // Hands every waiting event to `on_event`.
  Status DrainEvents(const std::function<Status(const Message&)>& on_event);

  zmq::socket_t& dealer() { return dealer_; }
  zmq::socket_t& sub() { return sub_; }

 private:
  Messenger& messenger_;
  std::string requests_endpoint_;
  std::string events_endpoint_;
  zmq::socket_t dealer_;
  zmq::socket_t sub_;
  ReplayGuard dealer_guard_;
  ReplayGuard sub_guard_;
};

}  // namespace veritrain
