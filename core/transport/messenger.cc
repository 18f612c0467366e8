#include "core/transport/messenger.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"

namespace veritrain {

Messenger::Messenger(std::string name, Identity identity, KeyDirectory keys,
                     WireLimits limits)
    : name_(std::move(name)),
      identity_(std::move(identity)),
      keys_(std::move(keys)),
      limits_(limits),
      seq_(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count())) {}

Status Messenger::Send(zmq::socket_t& socket, Message m,
                       const std::string* routing_id) {
  m.from = name_;
  m.seq = ++seq_;
  std::vector<Bytes> frames = EncodeMessage(m, identity_);
  for (const auto& f : frames) bytes_sent_ += static_cast<int64_t>(f.size());
  ++messages_sent_;
  Status s = SendFrames(socket, frames, routing_id);
  if (!s.ok()) return s.WithContext("sending " + m.type);
  return s;
}

Result<Message> Messenger::Receive(zmq::socket_t& socket, bool router,
                                   ReplayGuard& guard, std::string* routing_id) {
  auto got = RecvFrames(socket, router, limits_.max_frames);
  if (!got.ok()) {
    // NotFound: nothing waiting. Unavailable: the socket or its context
    // failed (e.g. terminated) — not a message to count, and not one that
    // will go away by receiving again.
    if (got.status().code() == Status::Code::kNotFound ||
        got.status().code() == Status::Code::kUnavailable) {
      return got.status();
    }
    ++rejects_[got.status().code() == Status::Code::kInvalidArgument ? "too_many_frames"
                                                                     : "truncated_multipart"];
    spdlog::warn("{}: rejected a message: {}", name_, got.status().ToString());
    return got.status();
  }
  if (routing_id != nullptr) *routing_id = got->routing_id;
  last_message_bytes_ = 0;
  for (const auto& f : got->frames) last_message_bytes_ += static_cast<int64_t>(f.size());
  bytes_received_ += last_message_bytes_;
  RejectReason reason = RejectReason::kNone;
  auto msg = DecodeMessage(got->frames, keys_, KnownMessageTypes(), limits_, &reason);
  if (!msg.ok()) {
    ++rejects_[RejectReasonName(reason)];
    spdlog::warn("{}: rejected a message: {}", name_, msg.status().ToString());
    return msg.status();
  }
  Status replay = guard.Accept(msg->from, msg->seq);
  if (!replay.ok()) {
    ++rejects_[RejectReasonName(RejectReason::kReplayed)];
    spdlog::warn("{}: rejected a message from {}: {}", name_, msg->from,
                 replay.ToString());
    return replay;
  }
  ++messages_received_;
  return msg;
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
