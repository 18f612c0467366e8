#include "core/transport/arbiter_link.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "core/transport/zmq_frames.h"
#include "core/wire/messages/ack.h"
#include "core/wire/messages/goodbye.h"
#include "core/wire/messages/heartbeat.h"
#include "core/wire/messages/message_type.h"

namespace veritrain {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ArbiterLink::ArbiterLink(zmq::context_t& ctx, Messenger& messenger,
                         std::string requests_endpoint, std::string events_endpoint,
                         RetryPolicy retry)
    : ctx_(ctx),
      messenger_(messenger),
      requests_endpoint_(std::move(requests_endpoint)),
      events_endpoint_(std::move(events_endpoint)),
      retry_(retry),
      dealer_(ctx, zmq::socket_type::dealer),
      sub_(ctx, zmq::socket_type::sub) {
  ConfigureSocket(dealer_);
  ConfigureSocket(sub_);
}

ArbiterLink::~ArbiterLink() {
  if (heart_) heart_->Stop();
}

Status ArbiterLink::ConnectSockets(const RoleCurve* curve) {
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
  last_event_ms_ = NowMs();
  if (retry_.heartbeat_ms > 0 && !heart_) {
    std::optional<RoleCurve> secure;
    if (curve != nullptr) secure = *curve;
    // The socket is made, used and closed on the heartbeat thread only (the
    // beat function, which owns it, is destroyed there).
    auto socket = std::make_shared<std::optional<zmq::socket_t>>();
    heart_ = std::make_unique<HeartbeatThread>(
        std::chrono::milliseconds(retry_.heartbeat_ms),
        [this, socket, secure](int64_t n) { Beat(*socket, secure, n); });
  }
  return Status::Ok();
}

Status ArbiterLink::Connect(std::chrono::milliseconds timeout, const RoleCurve* curve) {
  VT_RETURN_IF_ERROR(ConnectSockets(curve));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::Timeout("no heartbeat from the arbiter at " + events_endpoint_ +
                             " within " + std::to_string(timeout.count()) + " ms");
    }
    zmq::pollitem_t items[] = {{sub_.handle(), 0, ZMQ_POLLIN, 0}};
    VT_RETURN_IF_ERROR(PollSockets(items, 1, messenger_.PollTimeout(left)).status());
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

Result<uint64_t> ArbiterLink::Request(Message m) {
  m.rid = messenger_.NewRequestId();
  const uint64_t rid = m.rid;
  Status sent = messenger_.Send(dealer_, m);
  // A request that could not be queued now is resent like a lost one.
  if (!sent.ok()) spdlog::warn("{}: {}; will resend", messenger_.name(), sent.ToString());
  pending_[rid] = Outstanding{std::move(m), 0, NowMs() + retry_.BackoffMs(1)};
  return rid;
}

Status ArbiterLink::AwaitReply(uint64_t rid, std::chrono::milliseconds timeout,
                               const std::function<void(const Message&)>& on_reply) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Pending(rid)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Timeout("no reply from the arbiter");
    zmq::pollitem_t items[] = {{dealer_.handle(), 0, ZMQ_POLLIN, 0}};
    VT_RETURN_IF_ERROR(PollSockets(items, 1, PollTimeout(left)).status());
    VT_RETURN_IF_ERROR(Tick());
    VT_RETURN_IF_ERROR(DrainReplies(messenger_.name(), on_reply));
  }
  return Status::Ok();
}

Status ArbiterLink::Leave(std::chrono::milliseconds timeout) {
  VT_ASSIGN_OR_RETURN(uint64_t rid, Request(Pack(Goodbye{})));
  return AwaitReply(rid, timeout).WithContext("goodbye");
}

Status ArbiterLink::Tick() {
  const int64_t now = NowMs();
  for (auto& [rid, p] : pending_) {
    if (now < p.next_ms) continue;
    ++p.attempts;
    ++resends_;
    spdlog::info("{}: no reply to {} (request {}) yet; resending (attempt {})", messenger_.name(),
                 p.message.type, rid, p.attempts + 1);
    Status sent = messenger_.Send(dealer_, p.message);
    if (!sent.ok()) spdlog::warn("{}: {}", messenger_.name(), sent.ToString());
    p.next_ms = now + retry_.BackoffMs(p.attempts + 1);
  }
  if (!silent_ && now - last_event_ms_ > retry_.silence_ms && !EventWaiting()) {
    silent_ = true;
    ++silences_;
    spdlog::warn("{}: nothing from the arbiter for {} ms", messenger_.name(),
                 now - last_event_ms_);
  }
  return Status::Ok();
}

std::chrono::milliseconds ArbiterLink::PollTimeout(std::chrono::milliseconds timeout) const {
  const int64_t now = NowMs();
  int64_t ms = timeout.count();
  for (const auto& [rid, p] : pending_) ms = std::min(ms, std::max<int64_t>(0, p.next_ms - now));
  return messenger_.PollTimeout(std::chrono::milliseconds(ms));
}

void ArbiterLink::Beat(std::optional<zmq::socket_t>& socket,
                       const std::optional<RoleCurve>& secure, int64_t n) {
  try {
    if (!socket) {
      zmq::socket_t s(ctx_, zmq::socket_type::dealer);
      ConfigureSocket(s);
      if (secure) {
        Status ok = secure->SecureClientOf(s, secure->arbiter());
        if (!ok.ok()) {
          spdlog::warn("{}: heartbeat socket: {}", messenger_.name(), ok.ToString());
          return;
        }
      }
      s.connect(requests_endpoint_);
      socket = std::move(s);
    }
    Status sent = messenger_.Send(*socket, Pack(Heartbeat{n}));
    if (!sent.ok()) {
      beats_failed_.fetch_add(1);
      // Once per streak: a full queue (an arbiter busy or gone) refuses
      // every beat of the period after it, and a line each filled the log.
      if (!beats_failing_.exchange(true)) {
        spdlog::warn("{}: heartbeat: {} (further failures are not logged until a heartbeat "
                     "goes out again)",
                     messenger_.name(), sent.ToString());
      }
      return;
    }
    beats_failing_.store(false);
    beats_.fetch_add(1);
  } catch (const zmq::error_t& e) {
    // E.g. the context terminated: tried again next period, never thrown
    // out of the heartbeat thread.
    spdlog::warn("{}: heartbeat socket: {}", messenger_.name(), e.what());
  }
}

bool ArbiterLink::EventWaiting() {
  try {
    return (sub_.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
  } catch (const zmq::error_t&) {
    return false;
  }
}

Result<Message> ArbiterLink::ReceiveEvent() {
  auto m = messenger_.Receive(sub_, /*router=*/false, sub_guard_);
  if (m.ok()) {
    last_event_ms_ = NowMs();
    if (silent_) {
      silent_ = false;
      spdlog::info("{}: the arbiter is back", messenger_.name());
    }
  }
  return m;
}

Status ArbiterLink::DrainReplies(const std::string& who,
                                 const std::function<void(const Message&)>& on_reply) {
  return messenger_.Drain(dealer_, /*router=*/false, dealer_guard_,
                          [&](const Message& m, const std::string&) {
                            if (m.rid != 0) {
                              auto it = pending_.find(m.rid);
                              if (it == pending_.end()) return Status::Ok();  // answered before
                              pending_.erase(it);
                            }
                            if (m.type == Ack::kType) {
                              auto ack = Unpack<Ack>(m);
                              if (ack.ok() && !ack->ok) {
                                spdlog::warn("{}: the arbiter refused a request: {}", who,
                                             ack->error);
                              }
                            }
                            if (on_reply) on_reply(m);
                            return Status::Ok();
                          });
}

Status ArbiterLink::DrainEvents(const std::function<Status(const Message&)>& on_event) {
  while (true) {
    auto m = ReceiveEvent();
    if (!m.ok()) {
      if (m.status().code() == Status::Code::kNotFound) return Status::Ok();
      if (m.status().code() == Status::Code::kUnavailable) return m.status();
      continue;  // rejected: already logged and counted
    }
    VT_RETURN_IF_ERROR(on_event(*m));
  }
}

}  // namespace veritrain
