#include "core/transport/messenger.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"

namespace veritrain {

Messenger::Messenger(std::string name, Identity identity, KeyDirectory keys,
                     WireLimits limits)
    : name_(std::move(name)),
      identity_(std::move(identity)),
      keys_(std::move(keys)),
      limits_(limits),
      hash_threads_(static_cast<int>(
          std::clamp(std::thread::hardware_concurrency(), 1u, 8u))),
      seq_(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count())) {}

Status Messenger::Send(zmq::socket_t& socket, Message m,
                       const std::string* routing_id) {
  m.from = name_;
  m.seq = seq_.Add(1);
  std::vector<Bytes> frames = EncodeMessage(m, identity_);
  int64_t bytes = 0;
  for (const auto& f : frames) bytes += static_cast<int64_t>(f.size());
  bytes_sent_.Add(bytes);
  messages_sent_.Add(1);
  Status s = SendFrames(socket, frames, routing_id);
  if (!s.ok()) return s.WithContext("sending " + m.type);
  return s;
}

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Messenger::InjectFaults(const FaultPlan& plan) { fault_stream_.emplace(plan, name_); }

std::chrono::milliseconds Messenger::PollTimeout(std::chrono::milliseconds timeout) const {
  const int64_t now = SteadyMs();
  int64_t ms = timeout.count();
  for (const auto& [socket, queue] : held_) {
    for (const Held& h : queue) ms = std::min(ms, std::max<int64_t>(0, h.due_ms - now));
  }
  return std::chrono::milliseconds(ms);
}

Result<ReceivedFrames> Messenger::NextFrames(zmq::socket_t& socket, bool router) {
  const int64_t now = SteadyMs();
  auto q = held_.find(socket.handle());
  if (q != held_.end()) {
    for (auto it = q->second.begin(); it != q->second.end(); ++it) {
      if (it->due_ms > now) continue;
      ReceivedFrames due = std::move(it->frames);
      q->second.erase(it);
      return due;
    }
  }
  while (true) {
    auto got = RecvFrames(socket, router, limits_.max_frames);
    if (!got.ok() || !fault_stream_) return got;
    const FaultDecision d = fault_stream_->Next();
    if (d.kind != FaultKind::kDeliver) ++fault_counts_[FaultKindName(d.kind)];
    std::deque<Held>& held = held_[socket.handle()];
    switch (d.kind) {
      case FaultKind::kDrop:
        continue;
      case FaultKind::kDuplicate:
        held.push_front(Held{*got, now, false});  // the same frames, right after
        return got;
      case FaultKind::kReorder:
        held.push_back(Held{*std::move(got), now + d.hold_ms, true});
        continue;
      case FaultKind::kDelay:
        held.push_back(Held{*std::move(got), now + d.hold_ms, false});
        continue;
      case FaultKind::kDeliver:
        for (Held& h : held) {
          if (h.until_next) h.due_ms = now;  // overtaken: delivered right after this one
        }
        return got;
    }
  }
}

Result<Message> Messenger::Receive(zmq::socket_t& socket, bool router,
                                   ReplayGuard& guard, std::string* routing_id) {
  auto got = NextFrames(socket, router);
  if (!got.ok()) {
    // NotFound: nothing waiting. Unavailable: the socket or its context
    // failed (e.g. terminated) — not a message to count, and not one that
    // will go away by receiving again.
    if (got.status().code() == Status::Code::kNotFound ||
        got.status().code() == Status::Code::kUnavailable) {
      return got.status();
    }
    Reject(got.status().code() == Status::Code::kInvalidArgument ? "too_many_frames"
                                                                 : "truncated_multipart",
           got.status().ToString());
    return got.status();
  }
  if (routing_id != nullptr) *routing_id = got->routing_id;
  last_message_bytes_ = 0;
  for (const auto& f : got->frames) last_message_bytes_ += static_cast<int64_t>(f.size());
  bytes_received_ += last_message_bytes_;
  RejectReason reason = RejectReason::kNone;
  auto msg = DecodeMessage(got->frames, keys_, KnownMessageTypes(), limits_,
                           &reason, hash_threads_);
  if (!msg.ok()) {
    Reject(RejectReasonName(reason), msg.status().ToString());
    return msg.status();
  }
  Status replay = guard.Accept(msg->from, msg->seq);
  if (!replay.ok()) {
    Reject(RejectReasonName(RejectReason::kReplayed), "from " + msg->from + ": " + replay.ToString());
    return replay;
  }
  if (msg->from == name_) {
    // Signed with this participant's own key: its own message sent back
    // (the same one twice is refused as replayed above).
    Status own = Status::Unauthenticated("own_key: a " + msg->type +
                                         " message signed with this participant's own key");
    Reject("own_key", own.ToString());
    return own;
  }
  ++messages_received_;
  return msg;
}

void Messenger::Reject(const std::string& reason, const std::string& detail) {
  ++rejects_[reason];
  const LogLimiter::Decision d = log_limiter_.Note(reason, SteadyMs());
  if (d.log) {
    spdlog::warn("{}: rejected a message ({}): {}", name_, reason, detail);
  } else if (d.unlogged > 0) {
    spdlog::warn("{}: rejected {} more messages as {} without logging each ({} in all)", name_,
                 d.unlogged, reason, rejects_[reason]);
  }
}

Status Messenger::Drain(
    zmq::socket_t& socket, bool router, ReplayGuard& guard,
    const std::function<Status(const Message&, const std::string&)>& handle) {
  while (true) {
    std::string routing_id;
    auto m = Receive(socket, router, guard, &routing_id);
    if (!m.ok()) {
      if (m.status().code() == Status::Code::kNotFound) return Status::Ok();
      if (m.status().code() == Status::Code::kUnavailable) return m.status();
      continue;  // rejected: already logged and counted
    }
    VT_RETURN_IF_ERROR(handle(*m, routing_id));
  }
}

}  // namespace veritrain
