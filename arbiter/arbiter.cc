#include "arbiter/arbiter.h"

#include <spdlog/spdlog.h>

#include "core/crypto/sha256.h"
#include "core/protocol/chain_head.h"
#include "core/protocol/events.h"
#include "core/role/role_report.h"
#include "core/state/atomic_file.h"
#include "core/transport/zmq_frames.h"

namespace veritrain {

Result<std::unique_ptr<Arbiter>> Arbiter::Create(zmq::context_t& ctx,
                                                 const RoleConfig& config,
                                                 const Clock* clock) {
  if (config.role != "arbiter") {
    return Status::InvalidArgument("role config: role must be 'arbiter'");
  }
  VT_ASSIGN_OR_RETURN(Identity id, LoadIdentityFile(config.identity_file));
  VT_ASSIGN_OR_RETURN(KeyDirectory keys, config.Keys());
  VT_ASSIGN_OR_RETURN(std::optional<RoleCurve> curve, RoleCurveOf(config));
  const std::string log_path = config.out_dir + "/events.jsonl";
  // Restarted after a crash: the state is the event log's, replayed; its
  // time continues from the log's last event.
  const bool recovering = config.restarts > 0;
  std::vector<Event> logged;
  std::unique_ptr<OffsetClock> resumed;
  if (recovering) {
    VT_ASSIGN_OR_RETURN(logged, ReadEventLog(log_path));
    const int64_t last = logged.empty() ? 0 : logged.back().time_ms;
    resumed = std::make_unique<OffsetClock>(clock, last + 1 - clock->NowMs());
    clock = resumed.get();
  }
  // Write-ahead: every event is on disk before the reply or event that
  // announces it goes out.
  VT_ASSIGN_OR_RETURN(EventLog log, EventLog::Open(log_path, clock,
                                                   config.settings.value("durable_log", true)));
  VT_ASSIGN_OR_RETURN(FaultPlan faults, config.Faults());
  VT_ASSIGN_OR_RETURN(RetryPolicy retry, config.Retry());
  ArbiterCoreConfig core;
  core.name = config.name;
  core.submitter = config.settings.value("submitter", std::string("submitter"));
  core.seed = config.seed;
  core.dtype = config.profile.value("dtype", std::string("float32"));
  core.work_dir = config.work_dir;
  for (const auto& [name, key] : config.roster) core.known.insert(name);
  // How long a settled task's outcome is repeated: every subscriber
  // verifies every repeat, so a long market of quick tasks wants it short.
  core.settled_republish_ms =
      config.settings.value("settled_republish_ms", ArbiterCore::kSettledKeptMs);
  core.silence_ms = retry.silence_ms;
  std::unique_ptr<Arbiter> a(new Arbiter(ctx, config, clock,
                                         Messenger(config.name, std::move(id), std::move(keys)),
                                         std::move(log), core));
  a->resumed_clock_ = std::move(resumed);
  a->crash_ = CrashPoint(config.crash);
  a->heartbeat_ms_ = config.settings.value("heartbeat_ms", int64_t{200});
  a->republish_ms_ = config.settings.value("republish_ms", int64_t{500});
  if (faults.any()) a->messenger_.InjectFaults(faults);
  // The longest the shutdown event is repeated while waiting for goodbyes.
  a->closing_ms_ = config.settings.value("closing_ms", int64_t{10000});
  if (recovering) {
    VT_RETURN_IF_ERROR(
        a->core_.Recover(logged, clock->NowMs()).WithContext("replaying " + log_path));
  } else {
    VT_RETURN_IF_ERROR(a->Genesis());
  }
  // ledger.jsonl from here on follows every event logged.
  VT_ASSIGN_OR_RETURN(a->ledger_file_,
                      LedgerFile::Start(config.out_dir + "/ledger.jsonl", a->core_.ledger().entries(),
                                        config.settings.value("durable_log", true)));

  ConfigureSocket(a->requests_);
  ConfigureSocket(a->events_);
  if (curve) {
    // The handler first: a CURVE server that binds without one admits no
    // client, and nothing else would tell it which keys to admit.
    VT_ASSIGN_OR_RETURN(a->zap_, curve->StartZapHandler(ctx));
    VT_RETURN_IF_ERROR(curve->SecureServer(a->requests_));
    VT_RETURN_IF_ERROR(curve->SecureServer(a->events_));
    a->curve_ = std::move(curve);
  }
  VT_ASSIGN_OR_RETURN(std::string req, BindSocket(a->requests_, config.arbiter_requests));
  VT_ASSIGN_OR_RETURN(std::string ev, BindSocket(a->events_, config.arbiter_events));
  spdlog::info("arbiter {}: requests on {}, events on {}{}", config.name, req, ev,
               a->curve_ ? " (CURVE)" : "");
  return a;
}

Status Arbiter::Genesis() {
  std::vector<std::string> roster;
  for (const auto& [name, key] : config_.roster) roster.push_back(name);
  std::optional<std::string> manifest;
  if (auto bytes = ReadFileBytes(config_.out_dir + "/manifest.json"); bytes.ok()) {
    manifest = Sha256Of(bytes->view()).Hex();
  }
  return core_.Genesis(config_.settings, roster, messenger_.identity().public_key().Hex(),
                       manifest, clock_->NowMs());
}

Arbiter::Arbiter(zmq::context_t& ctx, RoleConfig config, const Clock* clock,
                 Messenger messenger, EventLog log, const ArbiterCoreConfig& core)
    : config_(std::move(config)),
      clock_(clock),
      messenger_(std::move(messenger)),
      log_(std::move(log)),
      core_(core, this),
      requests_(ctx, zmq::socket_type::router),
      events_(ctx, zmq::socket_type::pub) {}

Status Arbiter::Run() {
  int64_t next_republish = clock_->NowMs() + republish_ms_;
  // Heartbeat events go out from a thread of their own, so that they go on
  // while this thread builds a job or evaluates a node.
  StartHeartbeats();
  auto serve = [&](int64_t until) -> Status {
    zmq::pollitem_t items[] = {{requests_.handle(), 0, ZMQ_POLLIN, 0}};
    const auto wait = std::chrono::milliseconds(std::max<int64_t>(0, until - clock_->NowMs()));
    VT_RETURN_IF_ERROR(PollSockets(items, 1, messenger_.PollTimeout(wait)).status());
    return messenger_.Drain(
        requests_, /*router=*/true, request_guard_,
        [this](const Message& m, const std::string& rid) { return HandleRequest(m, rid); });
  };
  while (!core_.shutting_down()) {
    const int64_t now = clock_->NowMs();
    if (now >= next_republish) {
      Republish();
      core_.ForgetSettled(now);
      next_republish = now + republish_ms_;
    }
    // Woken by a message, the republish period, or the next deadline,
    // whichever comes first: a deadline fires when it is due.
    VT_RETURN_IF_ERROR(serve(std::min(next_republish, core_.NextDueMs(now))));
    VT_RETURN_IF_ERROR(core_.Tick(clock_->NowMs()));
    VT_RETURN_IF_ERROR(core_.CheckSilence(clock_->NowMs()));
  }
  // The shutdown event must reach subscribers before the socket closes.
  {
    std::lock_guard<std::mutex> lock(events_mu_);
    events_.set(zmq::sockopt::linger, 5000);
  }
  Publish(Pack(Shutdown{"run finished"}));
  // Repeated until every participant still heard from has said goodbye: a
  // subscriber that was reconnecting (after an arbiter restart) or lost the
  // event on a lossy network would otherwise never leave.
  auto everyone_left = [&] { return core_.participants().EveryoneLeft(); };
  for (const int64_t until = clock_->NowMs() + closing_ms_;
       !everyone_left() && clock_->NowMs() < until;) {
    VT_RETURN_IF_ERROR(serve(std::min(until, clock_->NowMs() + heartbeat_ms_)));
    VT_RETURN_IF_ERROR(core_.CheckSilence(clock_->NowMs()));
    if (!everyone_left()) Publish(Pack(Shutdown{"run finished"}));
  }
  heart_.reset();  // no heartbeat after the last shutdown event
  const Ledger& ledger = core_.ledger();
  Status conserved = ledger.CheckConservation();
  const ShutdownEvent shutdown{ledger.head().Hex(),         conserved.ok(),
                               core_.refused_transfers(),   core_.repeated_requests(),
                               messenger_.rejects(),        messenger_.faults()};
  VT_RETURN_IF_ERROR(Append(ShutdownEvent::kType, "", shutdown.ToJson()).status());
  // Last of all: every event of a finished log is under a signature.
  VT_RETURN_IF_ERROR(SignHeads(ledger));
  VT_RETURN_IF_ERROR(WriteRoleReport(config_.out_dir, messenger_, zap_.get()));
  return conserved;
}

Status Arbiter::SendEvent(const Message& m) {
  std::lock_guard<std::mutex> lock(events_mu_);
  return messenger_.Send(events_, m);
}

void Arbiter::StartHeartbeats() {
  if (heart_) return;
  heart_ = std::make_unique<HeartbeatThread>(
      std::chrono::milliseconds(std::max<int64_t>(1, heartbeat_ms_)), [this](int64_t n) {
        Status s = SendEvent(Pack(Heartbeat{n}));
        if (!s.ok()) spdlog::warn("arbiter: publishing a heartbeat: {}", s.ToString());
      });
}

void Arbiter::Republish() {
  core_.Republish(clock_->NowMs(), [this](const Message& m) {
    Status s = SendEvent(m);
    if (!s.ok()) spdlog::warn("arbiter: republishing: {}", s.ToString());
  });
}

Status Arbiter::HandleRequest(const Message& m, const std::string& routing_id) {
  // Only requests are handled: an event or a reply sent here (a captured
  // one replayed by an outsider) is dropped and counted, not answered and
  // not logged as a refused request. (Messages signed with the arbiter's
  // own key never get here: the Messenger drops them as "own_key".)
  if (!ArbiterCore::IsRequest(m.type)) {
    messenger_.Reject("not_a_request", "a " + m.type + " message from " + m.from +
                                           " is not a request the arbiter handles");
    return Status::Ok();
  }
  VT_ASSIGN_OR_RETURN(ArbiterReply handled,
                      core_.Handle(m, routing_id,
                                   static_cast<int64_t>(messenger_.last_message_bytes()),
                                   clock_->NowMs()));
  if (!handled.reply) return Status::Ok();
  Status sent = messenger_.Send(requests_, *handled.reply, &routing_id);
  if (!sent.ok()) spdlog::warn("arbiter: {}", sent.ToString());
  // After the reply is out (and everything it announces on disk).
  if (handled.taken && m.type == Verdict::kType) {
    crash_.Reached("verification", ++verdicts_handled_);
  }
  if (handled.taken && m.type == GameMove::kType) crash_.Reached("dispute", ++moves_handled_);
  return Status::Ok();
}

Result<int64_t> Arbiter::Append(const std::string& type, const std::string& task,
                                const nlohmann::json& data) {
  auto r = log_.Append(type, task, data);
  if (!r.ok()) return r.status().WithContext("event log");
  // The ledger's new entries follow the event that records them.
  VT_RETURN_IF_ERROR(ledger_file_.Sync(core_.ledger().entries()).WithContext("ledger.jsonl"));
  return log_.last_time_ms();
}

Status Arbiter::SignHeads(const Ledger& ledger) {
  const ChainHead head =
      SignChainHead(messenger_.identity(), config_.name, log_.size(), log_.head(),
                    ledger.entries().size(), ledger.head());
  return Append(ChainHeadEvent::kType, "", ChainHeadEvent{head}.ToJson()).status();
}

void Arbiter::Publish(const Message& m) {
  // A subscriber that cannot keep up is not the arbiter's failure.
  Status s = SendEvent(m);
  if (!s.ok()) spdlog::warn("arbiter: publishing {}: {}", m.type, s.ToString());
}

}  // namespace veritrain
