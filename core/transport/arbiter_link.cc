#include "core/transport/arbiter_link.h"

#include "core/transport/zmq_frames.h"
#include <spdlog/spdlog.h>

#include "core/wire/messages/ack.h"
#include "core/wire/messages/heartbeat.h"
#include "core/wire/messages/message_type.h"

namespace veritrain {

ArbiterLink::ArbiterLink(zmq::context_t& ctx, Messenger& messenger,
                         std::string requests_endpoint, std::string events_endpoint)
    : messenger_(messenger),
      requests_endpoint_(std::move(requests_endpoint)),
      events_endpoint_(std::move(events_endpoint)),
      dealer_(ctx, zmq::socket_type::dealer),
      sub_(ctx, zmq::socket_type::sub) {
  ConfigureSocket(dealer_);
  ConfigureSocket(sub_);
}

Status ArbiterLink::Connect(std::chrono::milliseconds timeout, const RoleCurve* curve) {
  if (curve != nullptr) {
    VT_RETURN_IF_ERROR(curve->SecureClientOf(dealer_, curve->arbiter()));
    VT_RETURN_IF_ERROR(curve->SecureClientOf(sub_, curve->arbiter()));
  }
  try {
    sub_.set(zmq::sockopt::subscribe, "");
    sub_.connect(events_endpoint_);
    dealer_.connect(requests_endpoint_);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("connecting to the arbiter: ") + e.what());
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::Timeout("no heartbeat from the arbiter at " + events_endpoint_ +
                             " within " + std::to_string(timeout.count()) + " ms");
    }
    zmq::pollitem_t items[] = {{sub_.handle(), 0, ZMQ_POLLIN, 0}};
    VT_RETURN_IF_ERROR(PollSockets(items, 1, left).status());
    while (true) {
      auto m = ReceiveEvent();
      if (!m.ok()) {
        if (m.status().code() == Status::Code::kNotFound) break;
        continue;  // rejected and counted by the messenger
      }
      if (m->type == Heartbeat::kType) return Status::Ok();
    }
  }
}

Status ArbiterLink::DrainReplies(const std::string& who,
                                 const std::function<void(const Message&)>& on_other) {
  return messenger_.Drain(dealer_, /*router=*/false, dealer_guard_,
                          [&](const Message& m, const std::string&) {
                            if (m.type != Ack::kType) {
                              if (on_other) on_other(m);
                              return Status::Ok();
                            }
                            auto ack = Unpack<Ack>(m);
                            if (ack.ok() && !ack->ok) {
                              spdlog::warn("{}: the arbiter refused a request: {}", who,
                                           ack->error);
                            }
                            return Status::Ok();
                          });
}

Status ArbiterLink::DrainEvents(const std::function<Status(const Message&)>& on_event) {
  return messenger_.Drain(sub_, /*router=*/false, sub_guard_,
                          [&](const Message& m, const std::string&) { return on_event(m); });
}

}  // namespace veritrain
