// The submitter: the participant of a run that posts each task to the
// arbiter and follows it to settlement (design stage 1, and the end of
// stage 8). It owns its Messenger (its identity, everyone's public keys,
// the run's network faults for its own stream) and its ArbiterLink
// (requests and events). The runner (run.h) starts and watches the roles,
// polls the sockets, and drives the submitter task by task:
//
//   Connect → (Drain until SawHeartbeat) → for each task: Post, Drain until
//   settled() or refused() → RequestShutdown.
//
// Thread-safety: not thread-safe; one thread (the run's) drives it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "core/crypto/identity.h"
#include "core/transport/arbiter_link.h"
#include "core/transport/curve.h"
#include "core/transport/fault_plan.h"
#include "core/transport/messenger.h"
#include "core/transport/retry_policy.h"
#include "core/util/status.h"
#include "core/wire/message.h"
#include "core/wire/messages/task_spec.h"

namespace veritrain {

class Submitter {
 public:
  static constexpr const char* kName = "submitter";

  // `faults` are injected into what the submitter receives when any.
  Submitter(const Identity& identity, const KeyDirectory& keys,
            const FaultPlan& faults, const RetryPolicy& retry);
  Submitter(const Submitter&) = delete;
  Submitter& operator=(const Submitter&) = delete;

  // Connects the request and event sockets to the arbiter's endpoints;
  // with `own` (and the arbiter's CURVE public key), as a CURVE client.
  Status Connect(zmq::context_t& ctx, const std::string& requests_endpoint,
                 const std::string& events_endpoint,
                 const CurveKeyPair* own = nullptr,
                 const std::string& arbiter_curve_public_key = "");
  bool connected() const { return link_.has_value(); }
  // For the runner's poll loop (sockets, PollTimeout, Tick).
  // REQUIRES: connected().
  ArbiterLink& link() { return *link_; }

  // Reads the events that have arrived: true when one was the arbiter's
  // heartbeat (the event socket is subscribed, so no later event is lost).
  bool SawHeartbeat();

  // Posts `spec` as task `index` (0-based) of `count`, and forgets the
  // previous task. REQUIRES: connected().
  Status Post(const TaskSpec& spec, int64_t index, int64_t count);

  // Handles the replies and events that have arrived: the post's answer
  // (the task id, or a refusal) and the events of the posted task, each
  // handed to `on_task_event` (heartbeats are not); a task_settled sets
  // settled(). FailedPrecondition naming the task when the arbiter refused
  // the post or its reply cannot be read (refused() is then true).
  // `log_refusal` logs a refusal as an error, `log_posted` the task id.
  Status Drain(const std::function<void(const Message&)>& on_task_event,
               bool log_refusal, bool log_posted);

  // Drops whatever replies and events have arrived (after the last task).
  Status DrainQuietly();

  // Asks the arbiter to shut the run down: the request id, pending until
  // the arbiter acknowledges it (link().Pending).
  Result<uint64_t> RequestShutdown(const std::string& reason);

  const std::string& task() const { return task_; }  // "" until acknowledged
  bool settled() const { return settled_; }
  bool refused() const { return refused_; }

 private:
  Messenger messenger_;
  RetryPolicy retry_;
  std::optional<ArbiterLink> link_;
  std::string task_;
  int64_t index_ = 0, count_ = 0;
  uint64_t post_rid_ = 0;
  bool settled_ = false;
  bool refused_ = false;
};

}  // namespace veritrain
