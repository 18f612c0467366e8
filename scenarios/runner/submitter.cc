#include "scenarios/runner/submitter.h"

#include <spdlog/spdlog.h>

#include "core/wire/messages/all.h"

namespace veritrain {

Submitter::Submitter(const Identity& identity, const KeyDirectory& keys,
                     const FaultPlan& faults, const RetryPolicy& retry)
    : messenger_(kName, identity, keys), retry_(retry) {
  if (faults.any()) messenger_.InjectFaults(faults);
}

Status Submitter::Connect(zmq::context_t& ctx,
                          const std::string& requests_endpoint,
                          const std::string& events_endpoint,
                          const CurveKeyPair* own,
                          const std::string& arbiter_curve_public_key) {
  link_.emplace(ctx, messenger_, requests_endpoint, events_endpoint, retry_);
  if (own != nullptr) {
    VT_RETURN_IF_ERROR(
        MakeCurveClient(link_->dealer(), *own, arbiter_curve_public_key));
    VT_RETURN_IF_ERROR(
        MakeCurveClient(link_->sub(), *own, arbiter_curve_public_key));
  }
  return link_->ConnectSockets();
}

bool Submitter::SawHeartbeat() {
  bool seen = false;
  while (true) {
    auto m = link_->ReceiveEvent();
    if (!m.ok()) {
      if (m.status().code() == Status::Code::kNotFound) return seen;
      continue;  // an unreadable event: the messenger has logged it
    }
    if (m->type == Heartbeat::kType) seen = true;
  }
}

Status Submitter::Post(const TaskSpec& spec, int64_t index, int64_t count) {
  task_.clear();
  settled_ = false;
  refused_ = false;
  index_ = index;
  count_ = count;
  VT_ASSIGN_OR_RETURN(post_rid_, link_->Request(Pack(PostTask{spec})));
  return Status::Ok();
}

Status Submitter::Drain(
    const std::function<void(const Message&)>& on_task_event, bool log_refusal,
    bool log_posted) {
  const std::string which =
      "task " + std::to_string(index_ + 1) + " of " + std::to_string(count_);
  Status refusal = Status::Ok();
  auto on_reply = [&](const Message& m) {
    if (m.rid != post_rid_) return;
    auto ack = Unpack<Ack>(m);
    if (!ack.ok()) {
      // Whatever the arbiter meant, this post has its answer: waiting on
      // would last until the run's timeout.
      refused_ = true;
      refusal = Status::FailedPrecondition(
          "the arbiter's reply to " + which +
          " cannot be read: " + ack.status().message());
      return;
    }
    if (!ack->ok) {
      refused_ = true;
      refusal = Status::FailedPrecondition("the arbiter refused " + which +
                                           ": " + ack->error);
      if (log_refusal) spdlog::error("{}", refusal.message());
    } else if (task_.empty() && ack->data.contains("task")) {
      task_ = ack->data["task"].get<std::string>();
      if (log_posted) spdlog::info("posted {}", task_);
    }
  };
  VT_RETURN_IF_ERROR(link_->DrainReplies(kName, on_reply));
  VT_RETURN_IF_ERROR(refusal);
  return link_->DrainEvents([&](const Message& m) {
    if (m.type == Heartbeat::kType || task_.empty() || m.task != task_)
      return Status::Ok();
    if (m.type == TaskSettled::kType) settled_ = true;
    on_task_event(m);
    return Status::Ok();
  });
}

Status Submitter::DrainQuietly() {
  VT_RETURN_IF_ERROR(link_->DrainReplies(kName));
  return link_->DrainEvents([](const Message&) { return Status::Ok(); });
}

Result<uint64_t> Submitter::RequestShutdown(const std::string& reason) {
  return link_->Request(Pack(Shutdown{reason}));
}

}  // namespace veritrain
