#include "arbiter/arbiter.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include <sys/stat.h>

#include "core/protocol/duration.h"
#include "core/state/checkpoint_file.h"
#include "core/protocol/participant_name.h"
#include "core/protocol/real_trace.h"
#include "core/protocol/chain_head.h"
#include "core/protocol/task_draws.h"
#include "core/state/state_hash.h"
#include "core/state/atomic_file.h"
#include "core/train/node_arbitration.h"
#include "core/train/node_compare.h"
#include "core/train/torch_bridge.h"
#include "core/role/role_report.h"
#include "core/transport/zmq_frames.h"

namespace veritrain {
namespace {

std::string TaskId(int64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "task-%04lld", static_cast<long long>(n));
  return buf;
}

std::string EscrowAccount(const std::string& task) { return "escrow/" + task; }
std::string StakeAccount(const std::string& task, const std::string& who) {
  return "stake/" + task + "/" + who;
}
std::string ChallengeAccount(const std::string& task, const std::string& who) {
  return "challenge/" + task + "/" + who;
}

SettlementOutcome OutcomeOf(TaskState s) {
  switch (s) {
    case TaskState::kAccepted: return SettlementOutcome::kAccepted;
    case TaskState::kUpheld: return SettlementOutcome::kChallengeUpheld;
    case TaskState::kRejected: return SettlementOutcome::kChallengeRejected;
    case TaskState::kSolverTimeout: return SettlementOutcome::kSolverTimeout;
    case TaskState::kUnverified: return SettlementOutcome::kUnverified;
    case TaskState::kForcedError: return SettlementOutcome::kForcedError;
    case TaskState::kVoid: return SettlementOutcome::kVoid;
    case TaskState::kWithheld: return SettlementOutcome::kWithheld;
    default: return SettlementOutcome::kInvalid;
  }
}

}  // namespace

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
  std::unique_ptr<Arbiter> a(new Arbiter(ctx, config, clock,
                                         Messenger(config.name, std::move(id), std::move(keys)),
                                         std::move(log)));
  a->resumed_clock_ = std::move(resumed);
  a->crash_ = CrashPoint(config.crash);
  a->submitter_ = config.settings.value("submitter", std::string("submitter"));
  a->heartbeat_ms_ = config.settings.value("heartbeat_ms", int64_t{200});
  a->republish_ms_ = config.settings.value("republish_ms", int64_t{500});
  a->settled_republish_ms_ = std::min(
      kSettledRepublishMs, config.settings.value("settled_republish_ms", kSettledRepublishMs));
  VT_ASSIGN_OR_RETURN(FaultPlan faults, config.Faults());
  VT_ASSIGN_OR_RETURN(a->retry_, config.Retry());
  if (faults.any()) a->messenger_.InjectFaults(faults);
  // The longest the shutdown event is repeated while waiting for goodbyes.
  a->closing_ms_ = config.settings.value("closing_ms", int64_t{10000});
  if (recovering) {
    VT_RETURN_IF_ERROR(a->Recover(logged).WithContext("replaying " + log_path));
  } else {
    VT_RETURN_IF_ERROR(a->Genesis());
  }
  // ledger.jsonl from here on follows every event logged.
  VT_ASSIGN_OR_RETURN(a->ledger_file_,
                      LedgerFile::Start(config.out_dir + "/ledger.jsonl", a->ledger_.entries(),
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
  const int64_t funds = config_.settings.value("submitter_funds", int64_t{0});
  const int64_t participant_funds = config_.settings.value("participant_funds", int64_t{0});
  const int64_t jackpot = config_.settings.value("jackpot_initial", int64_t{0});
  VT_RETURN_IF_ERROR(ledger_.Mint(submitter_, Amount(funds), "genesis"));
  // Every participant has an account from the start, so balances list them
  // all; each starts with participant_funds to stake from, or with its own
  // amount in "funds" (a market's pool entries).
  const nlohmann::json funds_by_name = config_.settings.value("funds", nlohmann::json::object());
  for (const auto& [name, key] : config_.roster) {
    if (name == config_.name || name == submitter_) continue;
    // A participant named like a system account would share its balance.
    VT_RETURN_IF_ERROR(CheckParticipantName(name).WithContext("roster"));
    const int64_t own = funds_by_name.value(name, participant_funds);
    VT_RETURN_IF_ERROR(ledger_.Mint(name, Amount(own), "genesis"));
  }
  VT_RETURN_IF_ERROR(ledger_.Mint(kJackpotAccount, Amount(jackpot), "genesis"));
  VT_RETURN_IF_ERROR(ledger_.Mint(kBurnAccount, Amount(0), "genesis"));
  nlohmann::json genesis = {{"submitter", submitter_},
                            {"submitter_funds", funds},
                            {"participant_funds", participant_funds},
                            {"jackpot_initial", jackpot},
                            {"arbiter", config_.name},
                            {"arbiter_key", messenger_.identity().public_key().Hex()}};
  // The run's manifest (written before the roles start) is bound to the
  // log: its hash is in the first event, which every signed head covers.
  if (auto manifest = ReadFileBytes(config_.out_dir + "/manifest.json"); manifest.ok()) {
    genesis["manifest_sha256"] = Sha256Of(manifest->view()).Hex();
  }
  VT_RETURN_IF_ERROR(Log("genesis", "", genesis));
  for (const auto& e : ledger_.entries()) {
    VT_RETURN_IF_ERROR(Log("transfer", "", Ledger::EntryToJson(e)));
  }
  return Status::Ok();
}

void Arbiter::RememberReply(const std::string& from, const Message& reply) {
  constexpr size_t kKeptReplies = 4096;
  replies_[{from, reply.rid}] = reply;
  reply_order_.emplace_back(from, reply.rid);
  if (reply_order_.size() > kKeptReplies) {
    replies_.erase(reply_order_.front());
    reply_order_.pop_front();
  }
}

Arbiter::Arbiter(zmq::context_t& ctx, RoleConfig config, const Clock* clock,
                 Messenger messenger, EventLog log)
    : config_(std::move(config)),
      clock_(clock),
      messenger_(std::move(messenger)),
      log_(std::move(log)),
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
  while (!shutting_down_) {
    const int64_t now = clock_->NowMs();
    if (now >= next_republish) {
      VT_RETURN_IF_ERROR(Republish());
      ForgetSettled();
      next_republish = now + republish_ms_;
    }
    VT_RETURN_IF_ERROR(serve(next_republish));
    VT_RETURN_IF_ERROR(CheckDeadlines());
    VT_RETURN_IF_ERROR(CheckSilence());
  }
  // The shutdown event must reach subscribers before the socket closes.
  {
    std::lock_guard<std::mutex> lock(events_mu_);
    events_.set(zmq::sockopt::linger, 5000);
  }
  VT_RETURN_IF_ERROR(Publish(Pack(Shutdown{"run finished"})));
  // Repeated until every participant still heard from has said goodbye: a
  // subscriber that was reconnecting (after an arbiter restart) or lost the
  // event on a lossy network would otherwise never leave.
  auto everyone_left = [&] {
    for (const auto& [name, p] : participants_) {
      if (!p.silent && left_.count(name) == 0) return false;
    }
    return true;
  };
  for (const int64_t until = clock_->NowMs() + closing_ms_;
       !everyone_left() && clock_->NowMs() < until;) {
    VT_RETURN_IF_ERROR(serve(std::min(until, clock_->NowMs() + heartbeat_ms_)));
    VT_RETURN_IF_ERROR(CheckSilence());
    if (!everyone_left()) VT_RETURN_IF_ERROR(Publish(Pack(Shutdown{"run finished"})));
  }
  heart_.reset();  // no heartbeat after the last shutdown event
  Status conserved = ledger_.CheckConservation();
  VT_RETURN_IF_ERROR(Log("shutdown", "", {{"ledger_head", ledger_.head().Hex()},
                                          {"conservation", conserved.ok()},
                                          {"refused_transfers", refused_transfers_},
                                          {"repeated_requests", repeated_requests_},
                                          {"rejected_messages", messenger_.rejects()},
                                          {"faults_injected", messenger_.faults()}}));
  // Last of all: every event of a finished log is under a signature.
  VT_RETURN_IF_ERROR(SignHeads());
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

Status Arbiter::Republish() {
  const int64_t now = clock_->NowMs();
  for (auto& [id, task] : tasks_) {
    const bool settled = task.settled_ms >= 0;
    // A settled task's outcome is repeated for a while (the submitter waits
    // for it); an open task's latest events until it settles.
    if (settled && now - task.settled_ms > settled_republish_ms_) continue;
    for (int slot = settled ? kSettledSlot : 0; slot < kSlots; ++slot) {
      if (!task.published[slot]) continue;
      Status s = SendEvent(*task.published[slot]);
      if (!s.ok()) spdlog::warn("arbiter: republishing: {}", s.ToString());
    }
    for (const auto& [index, event] : task.demand_events) {
      Status s = SendEvent(event);
      if (!s.ok()) spdlog::warn("arbiter: republishing: {}", s.ToString());
    }
  }
  return Status::Ok();
}

Status Arbiter::CheckSilence() {
  const int64_t now = clock_->NowMs();
  for (auto& [name, p] : participants_) {
    if (p.silent || now - p.last_seen_ms <= retry_.silence_ms) continue;
    p.silent = true;
    spdlog::warn("arbiter: nothing from {} for {} ms", name, now - p.last_seen_ms);
    VT_RETURN_IF_ERROR(Log("participant_silent", "", {{"name", name},
                                                     {"silent_ms", now - p.last_seen_ms}}));
  }
  return Status::Ok();
}

Status Arbiter::HandleRequest(const Message& m, const std::string& routing_id) {
  // Only requests are handled: an event or a reply sent here (a captured
  // one replayed by an outsider) is dropped and counted, not answered and
  // not logged as a refused request. (Messages signed with the arbiter's
  // own key never get here: the Messenger drops them as "own_key".)
  static const std::set<std::string, std::less<>> kRequests = {
      Hello::kType,       PostTask::kType,         TraceCommit::kType, Verdict::kType,
      GameMove::kType,    NodeEvidence::kType,     ForcedErrorQuery::kType,
      Goodbye::kType,     Shutdown::kType,         Heartbeat::kType,
      TrainingFailed::kType, AvailabilityChallenge::kType, CheckpointDelivery::kType,
      RealTrace::kType};
  if (kRequests.count(m.type) == 0) {
    messenger_.Reject("not_a_request", "a " + m.type + " message from " + m.from +
                                           " is not a request the arbiter handles");
    return Status::Ok();
  }
  auto seen = participants_.find(m.from);
  if (seen != participants_.end()) {
    seen->second.last_seen_ms = clock_->NowMs();
    if (seen->second.silent) {
      seen->second.silent = false;
      spdlog::info("arbiter: {} is back", m.from);
      VT_RETURN_IF_ERROR(Log("participant_returned", "", {{"name", m.from}}));
    }
  }
  if (m.type == Heartbeat::kType) return Status::Ok();  // alive; no reply
  if (m.type == Goodbye::kType) left_.insert(m.from);
  if (m.rid != 0) {
    // A resent request: answered again, handled once.
    auto cached = replies_.find({m.from, m.rid});
    if (cached != replies_.end()) {
      ++repeated_requests_;
      Status sent = messenger_.Send(requests_, cached->second, &routing_id);
      if (!sent.ok()) spdlog::warn("arbiter: {}", sent.ToString());
      return Status::Ok();
    }
  }
  Ack reply;
  std::optional<Message> answer;  // a reply other than an ack
  Status s;
  if (m.type == Hello::kType) {
    s = OnHello(m, routing_id, &reply);
  } else if (m.type == PostTask::kType) {
    s = OnPostTask(m, &reply);
  } else if (m.type == TraceCommit::kType) {
    s = OnTraceCommit(m, &reply);
  } else if (m.type == Verdict::kType) {
    s = OnVerdict(m, &reply);
  } else if (m.type == GameMove::kType) {
    s = OnGameMove(m, &reply);
  } else if (m.type == NodeEvidence::kType) {
    s = OnNodeEvidence(m, &reply);
  } else if (m.type == ForcedErrorQuery::kType) {
    s = OnForcedErrorQuery(m, &reply, &answer);
  } else if (m.type == TrainingFailed::kType) {
    s = OnTrainingFailed(m, &reply);
  } else if (m.type == AvailabilityChallenge::kType) {
    s = OnAvailabilityChallenge(m, &reply, &answer);
  } else if (m.type == CheckpointDelivery::kType) {
    s = OnCheckpointDelivery(m, &reply);
  } else if (m.type == RealTrace::kType) {
    s = OnRealTrace(m, &reply);
  } else if (m.type == Goodbye::kType) {
    // Acknowledged (left_ is updated above, also for a resent goodbye).
  } else if (m.type == Shutdown::kType) {
    if (m.from != submitter_) {
      reply = Ack{false, "only the submitter may shut the run down", {}};
    } else {
      shutting_down_ = true;
    }
  }
  if (!s.ok()) return s;  // a failure of the arbiter itself
  if (!reply.ok) VT_RETURN_IF_ERROR(LogRefusal(m, reply.error));
  Message out = answer ? *std::move(answer) : Pack(reply, m.task);
  out.rid = m.rid;
  // A relayed checkpoint is not kept for resends (memory): a resend is
  // handled again, and counted against the relay limit.
  if (m.rid != 0 && out.tensors.empty()) RememberReply(m.from, out);
  Status sent = messenger_.Send(requests_, out, &routing_id);
  if (!sent.ok()) spdlog::warn("arbiter: {}", sent.ToString());
  if (reply.ok && m.type == Verdict::kType) crash_.Reached("verification", ++verdicts_handled_);
  if (reply.ok && m.type == GameMove::kType) crash_.Reached("dispute", ++moves_handled_);
  return Status::Ok();
}

Status Arbiter::LogRefusal(const Message& m, const std::string& error) {
  const LogLimiter::Decision d = refusal_log_.Note(m.from, clock_->NowMs());
  if (d.log) {
    spdlog::warn("arbiter: refused {} from {}: {}", m.type, m.from, error);
  } else if (d.unlogged > 0) {
    spdlog::warn("arbiter: refused {} more requests from {} without logging each ({} in all)",
                 d.unlogged, m.from, refusal_log_.count(m.from));
  }
  // A participant's signed request: recorded, whoever sends how many.
  return Log("request_refused", m.task, {{"type", m.type}, {"from", m.from}, {"error", error}});
}

Status Arbiter::OnForcedErrorQuery(const Message& m, Ack* reply,
                                   std::optional<Message>* answer) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, NoSuchTask(m.task), {}};
  } else if (m.from != it->second.spec.solver) {
    *reply = Ack{false, m.from + " is not the solver of " + m.task, {}};
  } else if (!it->second.assigned) {
    *reply = Ack{false, m.task + " is not assigned yet", {}};
  } else {
    *answer = Pack(ForcedErrorNotice{it->second.forced_error}, m.task);
  }
  return Status::Ok();
}

Status Arbiter::OnHello(const Message& m, const std::string& routing_id, Ack* reply) {
  auto hello = Unpack<Hello>(m);
  if (!hello.ok()) {
    *reply = Ack{false, hello.status().message(), {}};
    return Status::Ok();
  }
  const bool first = participants_.count(m.from) == 0;
  participants_[m.from] =
      Participant{hello->role, hello->serve_endpoint, routing_id, clock_->NowMs(), false};
  if (first) {
    spdlog::info("arbiter: {} joined as {}", m.from, hello->role);
    VT_RETURN_IF_ERROR(Log("participant_joined", "", {{"name", m.from},
                                                      {"role", hello->role}}));
  }
  return AssignReadyTasks();
}

Status Arbiter::OnPostTask(const Message& m, Ack* reply) {
  if (m.from != submitter_) {
    *reply = Ack{false, "only the submitter may post tasks", {}};
    return Status::Ok();
  }
  auto post = Unpack<PostTask>(m);
  if (!post.ok()) {
    *reply = Ack{false, post.status().message(), {}};
    return Status::Ok();
  }
  std::vector<std::string> named = post->spec.verifiers;
  named.push_back(post->spec.solver);
  for (const auto& n : named) {
    if (messenger_.keys().Find(n) == nullptr) {
      *reply = Ack{false, "task names unknown participant '" + n + "'", {}};
      return Status::Ok();
    }
  }
  const std::string id = TaskId(next_task_);
  // The reward and one fee per verifier that will be selected.
  const TaskEconomics& econ = post->spec.economics;
  const int64_t selected = econ.verifiers_per_task > 0
                               ? econ.verifiers_per_task
                               : static_cast<int64_t>(post->spec.verifiers.size());
  Task t;
  if (Status durations = SetDurations(post->spec, &t); !durations.ok()) {
    *reply = Ack{false, durations.message(), {}};
    return Status::Ok();
  }
  Result<Amount> fees = Amount::Mul(Amount(econ.verifier_fee), selected);
  auto held = fees.ok() ? Amount::Add(Amount(post->spec.reward), *fees) : fees;
  if (!held.ok()) {
    *reply = Ack{false, "cannot escrow the reward: " + held.status().message(), {}};
    return Status::Ok();
  }
  Status escrow = ledger_.Transfer(submitter_, EscrowAccount(id), *held,
                                   "escrow reward and verifier fees", id);
  if (!escrow.ok()) {
    *reply = Ack{false, "cannot escrow the reward: " + escrow.message(), {}};
    return Status::Ok();
  }
  ++next_task_;
  t.id = id;
  t.spec = post->spec;
  VT_RETURN_IF_ERROR(Log("task_posted", id, {{"spec", t.spec.ToJson()},
                                             {"submitter", m.from},
                                             {"rid", m.rid}}));
  VT_RETURN_IF_ERROR(Log("transfer", id, Ledger::EntryToJson(ledger_.entries().back())));
  tasks_.emplace(id, std::move(t));
  reply->data = {{"task", id}};
  return AssignReadyTasks();
}

Status Arbiter::SetDurations(const TaskSpec& spec, Task* task) {
  VT_ASSIGN_OR_RETURN(task->training_ms,
                      SecondsToMs(spec.training_deadline_s, "training_deadline_s"));
  VT_ASSIGN_OR_RETURN(task->verification_ms,
                      SecondsToMs(spec.verification_deadline_s, "verification_deadline_s"));
  VT_ASSIGN_OR_RETURN(task->clock_ms, SecondsToMs(spec.game_clock_s, "game_clock_s"));
  return Status::Ok();
}

Status Arbiter::AssignReadyTasks() {
  for (auto& [id, task] : tasks_) {
    if (task.assigned) continue;
    bool ready = participants_.count(task.spec.solver) > 0;
    for (const auto& v : task.spec.verifiers) ready = ready && participants_.count(v) > 0;
    if (!ready) continue;
    task.assigned = true;
    task.randomness = MakeCommitment(SecretFromSeed(config_.seed, id));
    task.forced_error =
        ForcedErrorDrawn(task.randomness.secret, task.spec.economics.forced_error_rate);
    VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAssigned));
    VT_RETURN_IF_ERROR(Move(task.spec.solver, StakeAccount(id, task.spec.solver),
                            task.spec.economics.solver_stake, "solver stake", id));
    task.deadline_ms = AddMs(clock_->NowMs(), task.training_ms);
    VT_RETURN_IF_ERROR(Log("task_assigned", id,
                           {{"solver", task.spec.solver},
                            {"verifiers", task.spec.verifiers},
                            {"randomness_commitment", task.randomness.commitment.Hex()}}));
    VT_RETURN_IF_ERROR(Publish(Pack(TaskAssigned{task.spec, task.randomness.commitment}, id)));
  }
  return Status::Ok();
}

Status Arbiter::OnTraceCommit(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, NoSuchTask(m.task), {}};
    return Status::Ok();
  }
  Task& task = it->second;
  auto trace = Unpack<TraceCommit>(m);
  if (!trace.ok()) {
    *reply = Ack{false, trace.status().message(), {}};
    return Status::Ok();
  }
  if (m.from != task.spec.solver) {
    *reply = Ack{false, m.from + " is not the solver of " + task.id, {}};
    return Status::Ok();
  }
  if (task.machine.state() != TaskState::kTraining) {
    *reply = Ack{false, std::string("task is ") + TaskStateName(task.machine.state()) +
                            ", not training", {}};
    return Status::Ok();
  }
  const int64_t intervals = task.spec.intervals();
  if (trace->num_checkpoints != intervals + 1) {
    *reply = Ack{false, "num_checkpoints must be " + std::to_string(intervals + 1), {}};
    return Status::Ok();
  }
  if (!trace->update_norms.empty() &&
      static_cast<int64_t>(trace->update_norms.size()) != intervals) {
    *reply = Ack{false, "update_norms must have one entry per interval", {}};
    return Status::Ok();
  }
  task.trace = *trace;
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kTraceCommitted));
  VT_RETURN_IF_ERROR(Log("trace_committed", task.id,
                         {{"solver", m.from}, {"body", trace->ToBody()}}));
  // Reveal only now: the solver's commitments can no longer depend on it.
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kRandomnessRevealed));
  const ProofPosted posted = PostedProof(task);
  VT_RETURN_IF_ERROR(Log("randomness_revealed", task.id,
                         {{"secret", task.randomness.secret.Hex()}}));
  VT_RETURN_IF_ERROR(Publish(Pack(posted, task.id)));
  task.selected = SelectVerifiers(task.randomness.secret, trace->trace_root, task.spec.verifiers,
                                  task.spec.economics.verifiers_per_task);
  VT_RETURN_IF_ERROR(Log("verifiers_selected", task.id, {{"verifiers", task.selected}}));
  for (const auto& v : task.selected) {
    VT_RETURN_IF_ERROR(Move(v, StakeAccount(task.id, v), task.spec.economics.verifier_stake,
                            "verifier stake", task.id));
  }
  task.deadline_ms = AddMs(clock_->NowMs(), task.verification_ms);
  return Status::Ok();
}

Status Arbiter::OnTrainingFailed(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, NoSuchTask(m.task), {}};
    return Status::Ok();
  }
  Task& task = it->second;
  auto failed = Unpack<TrainingFailed>(m);
  if (!failed.ok()) {
    *reply = Ack{false, failed.status().message(), {}};
    return Status::Ok();
  }
  if (m.from != task.spec.solver) {
    *reply = Ack{false, m.from + " is not the solver of " + task.id, {}};
    return Status::Ok();
  }
  if (task.machine.state() != TaskState::kTraining) {
    *reply = Ack{false, std::string("task is ") + TaskStateName(task.machine.state()) +
                            ", not training", {}};
    return Status::Ok();
  }
  // The solver's words go into the log and the task's reason: bounded.
  constexpr size_t kMaxReason = 1000;
  std::string why = failed->reason.substr(0, kMaxReason);
  if (failed->reason.size() > kMaxReason) why += "...";
  spdlog::warn("arbiter: {}: the solver gave up: {}", task.id, why);
  VT_RETURN_IF_ERROR(Log("training_failed", task.id, {{"solver", m.from}, {"reason", why}}));
  // Settled as at the training deadline, only sooner: giving up is never
  // cheaper for a solver than running out of time.
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kSolverGaveUp));
  return Settle(task, "the solver gave up before the training deadline: " + why);
}

Status Arbiter::OnVerdict(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, NoSuchTask(m.task), {}};
    return Status::Ok();
  }
  Task& task = it->second;
  auto verdict = Unpack<Verdict>(m);
  if (!verdict.ok()) {
    *reply = Ack{false, verdict.status().message(), {}};
    return Status::Ok();
  }
  const auto& vs = task.selected;
  if (std::find(vs.begin(), vs.end(), m.from) == vs.end()) {
    *reply = Ack{false, m.from + " is not a selected verifier of " + task.id, {}};
    return Status::Ok();
  }
  if (task.machine.state() != TaskState::kVerifying) {
    *reply = Ack{false, std::string("task is ") + TaskStateName(task.machine.state()) +
                            ", not verifying", {}};
    return Status::Ok();
  }
  if (task.verdicts.count(m.from) > 0) {
    *reply = Ack{false, m.from + " has already posted a verdict", {}};
    return Status::Ok();
  }
  if (verdict->trace_root != task.trace->trace_root) {
    // After a forced error the task is verified twice: a late verdict on
    // the posted trace is not a vote on the real one.
    *reply = Ack{false, "the verdict is on trace " + verdict->trace_root.Hex() + ", but " +
                            task.id + " is verifying trace " + task.trace->trace_root.Hex(),
                 {}};
    return Status::Ok();
  }
  std::optional<ChallengedInterval> challenged;
  if (!verdict->accept && !verdict->abstain) {
    auto checked = CheckChallengeEvidence(*verdict, task.trace->trace_root,
                                          task.trace->num_checkpoints);
    if (!checked.ok()) {
      *reply = Ack{false, "challenge refused: " + checked.status().message(), {}};
      return Status::Ok();
    }
    challenged = *checked;
  }
  task.verdicts[m.from] = *verdict;
  VT_RETURN_IF_ERROR(Log("verdict", task.id, {{"verifier", m.from}, {"body", verdict->ToBody()}}));
  if (challenged) {
    task.challenges[m.from] = *challenged;
    VT_RETURN_IF_ERROR(Move(m.from, ChallengeAccount(task.id, m.from),
                            task.spec.economics.challenge_stake, "challenge stake", task.id));
  }
  // A checkpoint demand still open holds the conclusion back: its outcome
  // may be that the solver withheld it.
  if (task.verdicts.size() == vs.size() && !task.availability.any_open()) return Conclude(task);
  return Status::Ok();
}

std::string Arbiter::DeliveryFile(const std::string& task, int64_t index) const {
  return config_.work_dir + "/" + config_.name + "-deliveries/" + task + "-" +
         std::to_string(index) + ".ckpt";
}

Status Arbiter::PublishDemand(Task& task, const Demand& demand) {
  CheckpointDemand event{task.spec.solver, demand.index, DemandStateName(demand.state),
                         demand.deadline_ms, demand.reason};
  Message m = Pack(event, task.id);
  task.demand_events[demand.index] = m;
  return Publish(m);
}

Status Arbiter::OnAvailabilityChallenge(const Message& m, Ack* reply,
                                        std::optional<Message>* answer) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, NoSuchTask(m.task), {}};
    return Status::Ok();
  }
  Task& task = it->second;
  auto challenge = Unpack<AvailabilityChallenge>(m);
  if (!challenge.ok()) {
    *reply = Ack{false, challenge.status().message(), {}};
    return Status::Ok();
  }
  const int64_t index = challenge->index;
  const Demand* known = task.availability.Find(index);
  const bool asked_before =
      known != nullptr && std::count(known->challengers.begin(), known->challengers.end(),
                                     m.from) > 0;
  if (!asked_before) {
    // A new demand, or a verifier joining one: only a selected verifier of
    // a task being verified, before its own verdict.
    const auto& vs = task.selected;
    if (std::find(vs.begin(), vs.end(), m.from) == vs.end()) {
      *reply = Ack{false, m.from + " is not a selected verifier of " + task.id, {}};
      return Status::Ok();
    }
    if (task.machine.state() != TaskState::kVerifying || !task.trace) {
      *reply = Ack{false, std::string("task is ") + TaskStateName(task.machine.state()) +
                              ", not verifying", {}};
      return Status::Ok();
    }
    if (task.verdicts.count(m.from) > 0) {
      *reply = Ack{false, m.from + " has already posted a verdict", {}};
      return Status::Ok();
    }
    const int64_t now = clock_->NowMs();
    auto opened = task.availability.Open(m.from, index, task.trace->num_checkpoints, now,
                                         AddMs(now, task.clock_ms));
    if (!opened.ok()) {
      *reply = Ack{false, opened.status().message(), {}};
      return Status::Ok();
    }
    known = *opened;
    spdlog::info("arbiter: {}: {} asks for checkpoint {} ({})", task.id, m.from, index,
                 challenge->reason);
    VT_RETURN_IF_ERROR(Log("availability_challenge", task.id,
                           {{"challenger", m.from},
                            {"index", index},
                            {"reason", challenge->reason},
                            {"opened_ms", known->opened_ms},
                            {"deadline_ms", known->deadline_ms}}));
    if (known->challengers.size() == 1) VT_RETURN_IF_ERROR(PublishDemand(task, *known));
  }
  const Demand& d = *known;
  if (d.state != DemandState::kDelivered) {
    *reply = Ack{true, "", {{"index", index},
                            {"state", DemandStateName(d.state)},
                            {"deadline_ms", d.deadline_ms},
                            {"reason", d.reason}}};
    return Status::Ok();
  }
  // Delivered: relayed to the verifier, a bounded number of times.
  if (Status relay = task.availability.NoteRelay(index, m.from); !relay.ok()) {
    *reply = Ack{false, relay.message(), {}};
    return Status::Ok();
  }
  CheckpointReply relayed;
  relayed.index = index;
  relayed.state_hash = d.state_hash;
  auto proof = task.delivered_proofs.find(index);
  auto kept = task.delivered.find(index);
  if (kept != task.delivered.end()) {
    relayed.tensors = kept->second;
  } else {
    // After a restart: read back from the work dir (checked on reading).
    auto file = task.delivered_files.find(index);
    auto read = file == task.delivered_files.end()
                    ? Result<Checkpoint>(Status::NotFound("no file"))
                    : ReadCheckpoint(file->second);
    if (!read.ok() || read->state_hash != d.state_hash || proof == task.delivered_proofs.end()) {
      *reply = Ack{false, "the delivered checkpoint " + std::to_string(index) +
                              " is no longer held by the arbiter",
                   {}};
      return Status::Ok();
    }
    relayed.tensors = std::move(read->state);
  }
  if (proof != task.delivered_proofs.end()) relayed.proof = proof->second;
  relayed.meta = {{"relayed_by", config_.name}};
  *answer = Pack(relayed, task.id);
  return Status::Ok();
}

Status Arbiter::OnCheckpointDelivery(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, NoSuchTask(m.task), {}};
    return Status::Ok();
  }
  Task& task = it->second;
  if (m.from != task.spec.solver) {
    *reply = Ack{false, m.from + " is not the solver of " + task.id, {}};
    return Status::Ok();
  }
  auto delivery = Unpack<CheckpointDelivery>(m);
  if (!delivery.ok()) {
    *reply = Ack{false, delivery.status().message(), {}};
    return Status::Ok();
  }
  const int64_t index = delivery->index;
  const Demand* d = task.availability.Find(index);
  if (d != nullptr && d->state == DemandState::kDelivered) {
    *reply = Ack{true, "", {{"index", index}, {"state", "delivered"}}};  // a resend
    return Status::Ok();
  }
  // Nothing is hashed unless a demand for it is open.
  if (d == nullptr || d->state != DemandState::kOpen || !task.trace ||
      task.machine.state() != TaskState::kVerifying) {
    *reply = Ack{false, "no demand for checkpoint " + std::to_string(index) + " of " + task.id +
                            " is open",
                 {}};
    return Status::Ok();
  }
  const DeliveryContext ctx{task.trace->trace_root, task.trace->num_checkpoints,
                            task.spec.checkpoint_interval};
  const Status valid =
      CheckDelivery(ctx, index, delivery->state_hash, delivery->proof, delivery->tensors);
  std::string file;
  if (valid.ok()) {
    file = DeliveryFile(task.id, index);
    ::mkdir((config_.work_dir + "/" + config_.name + "-deliveries").c_str(), 0700);
    Status written = WriteCheckpoint(file, delivery->tensors, {{"task", task.id}, {"index", index}});
    if (!written.ok()) {
      // Kept in memory still; only a restart would lose it.
      spdlog::warn("arbiter: keeping delivered checkpoint {}: {}", index, written.ToString());
      file.clear();
    }
  }
  VT_RETURN_IF_ERROR(task.availability.Resolve(index, valid.ok(), delivery->state_hash,
                                               valid.ok() ? "" : valid.message()));
  d = task.availability.Find(index);
  VT_RETURN_IF_ERROR(Log("checkpoint_delivered", task.id,
                         {{"index", index},
                          {"valid", valid.ok()},
                          {"error", valid.ok() ? "" : valid.message()},
                          {"state_hash", delivery->state_hash.Hex()},
                          {"proof", ProofToJson(delivery->proof)},
                          {"file", file}}));
  VT_RETURN_IF_ERROR(PublishDemand(task, *d));
  if (!valid.ok()) {
    spdlog::warn("arbiter: {}: the solver delivered an invalid checkpoint {}: {}", task.id, index,
                 valid.message());
    VT_RETURN_IF_ERROR(Log("availability_failed", task.id,
                           {{"index", index},
                            {"challenger", d->first_challenger},
                            {"reason", "the solver delivered an invalid checkpoint " +
                                           std::to_string(index) + ": " + valid.message()}}));
    Demand failed = *d;
    failed.reason = "the solver delivered an invalid checkpoint " + std::to_string(index) + ": " +
                    valid.message();
    return Withhold(task, failed);
  }
  spdlog::info("arbiter: {}: the solver delivered checkpoint {}", task.id, index);
  task.delivered[index] = delivery->tensors;
  task.delivered_proofs[index] = delivery->proof;
  if (!file.empty()) task.delivered_files[index] = file;
  // The verifiers that asked now verify: they get the verification time
  // again from here.
  task.deadline_ms = std::max(task.deadline_ms, AddMs(clock_->NowMs(), task.verification_ms));
  *reply = Ack{true, "", {{"index", index}, {"state", "delivered"}}};
  if (task.verdicts.size() == task.selected.size() && !task.availability.any_open()) {
    return Conclude(task);
  }
  return Status::Ok();
}

Status Arbiter::Withhold(Task& task, const Demand& demand) {
  task.withheld_challenger = demand.first_challenger;
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kDataWithheld));
  return Settle(task, "withheld: " + demand.reason + " (asked for by " +
                          demand.first_challenger + ")");
}

Status Arbiter::Conclude(Task& task) {
  if (task.forced_error && !task.real_round) return ForcedRound(task);
  for (const auto& v : task.selected) {
    auto c = task.challenges.find(v);
    if (c == task.challenges.end()) continue;
    VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kChallenge));
    if (c->second.initial_state) return RuleOnInitialState(task, v, c->second);
    return OpenDispute(task, v, task.verdicts.at(v).disputed_interval, c->second);
  }
  int64_t accepted = 0;
  for (const auto& [name, verdict] : task.verdicts) accepted += verdict.accept ? 1 : 0;
  const int64_t abstained = static_cast<int64_t>(task.verdicts.size()) - accepted;
  if (accepted == 0) {
    VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAllAbstained));
    return Settle(task, "every verifier that voted abstained: it could not verify");
  }
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAllAccepted));
  std::string reason = task.verdicts.size() == task.selected.size()
                           ? "every verifier accepted"
                           : "every verifier that voted before the deadline accepted";
  if (abstained > 0) {
    reason = std::to_string(accepted) + " verifier(s) accepted, " + std::to_string(abstained) +
             " abstained (could not verify), none challenged";
  }
  return Settle(task, reason);
}

Status Arbiter::ForcedRound(Task& task) {
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kForcedErrorRevealed));
  SettlementInput in = SettlementInputOf(task);
  VT_ASSIGN_OR_RETURN(SettlementPlan plan, PlanSettlement(in));
  for (const auto& t : plan.transfers) {
    VT_RETURN_IF_ERROR(Move(t.from, t.to, t.amount.value(), t.reason, task.id));
  }
  task.forced_round = plan.ToJson();
  task.forced_round["selected"] = task.selected;
  task.forced_round["trace_root"] = task.trace->trace_root.Hex();
  VT_RETURN_IF_ERROR(Log("forced_error_settlement", task.id, task.forced_round));
  // The verifiers of the posted trace are done with it; the real trace
  // gets its own draw, verdicts and demands.
  task.selected.clear();
  task.verdicts.clear();
  task.challenges.clear();
  task.deadline_ms = AddMs(clock_->NowMs(), task.clock_ms);
  VT_RETURN_IF_ERROR(Log("forced_error_revealed", task.id,
                         {{"forced", true}, {"deadline_ms", task.deadline_ms}}));
  spdlog::info("arbiter: {}: forced error revealed ({} caught it, {} approved it); waiting for "
               "the solver's real trace",
               task.id, plan.caught.size(), plan.lazy.size());
  return Publish(Pack(ForcedErrorRevealed{true, task.deadline_ms}, task.id));
}

Status Arbiter::OnRealTrace(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, NoSuchTask(m.task), {}};
    return Status::Ok();
  }
  Task& task = it->second;
  auto real = Unpack<RealTrace>(m);
  if (!real.ok()) {
    *reply = Ack{false, real.status().message(), {}};
    return Status::Ok();
  }
  if (m.from != task.spec.solver) {
    *reply = Ack{false, m.from + " is not the solver of " + task.id, {}};
    return Status::Ok();
  }
  if (task.machine.state() != TaskState::kForcedError || !task.trace) {
    *reply = Ack{false, std::string("task is ") + TaskStateName(task.machine.state()) +
                            ", not waiting for a real trace", {}};
    return Status::Ok();
  }
  const int64_t intervals = task.spec.intervals();
  if (real->num_checkpoints != intervals + 1 ||
      static_cast<int64_t>(real->update_norms.size()) != intervals) {
    *reply = Ack{false, "a real trace has " + std::to_string(intervals + 1) +
                            " checkpoints and one update norm per interval", {}};
    return Status::Ok();
  }
  const RealTraceReveal opening{real->trace_root, real->final_state_hash, real->num_checkpoints,
                                 real->nonce};
  const Status opens = CheckRealTraceReveal(task.trace->real_commitment, task.id, opening);
  VT_RETURN_IF_ERROR(Log("real_trace_revealed", task.id,
                         {{"solver", m.from},
                          {"body", real->ToBody()},
                          {"opens", opens.ok()},
                          {"error", opens.ok() ? "" : opens.message()}}));
  if (!opens.ok()) {
    // Signed by the solver: it committed to one trace and opened another.
    *reply = Ack{false, opens.message(), {}};
    return RealTraceWithheld(task, opens.message());
  }
  AdoptRealTrace(task, *real);
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kRealTraceRevealed));
  spdlog::info("arbiter: {}: the solver opened its real trace {}; verifying it", task.id,
               real->trace_root.Hex());
  VT_RETURN_IF_ERROR(Publish(Pack(PostedProof(task), task.id)));
  task.selected = SelectVerifiers(task.randomness.secret, real->trace_root, task.spec.verifiers,
                                  task.spec.economics.verifiers_per_task);
  VT_RETURN_IF_ERROR(Log("verifiers_selected", task.id, {{"verifiers", task.selected}}));
  for (const auto& v : task.selected) {
    VT_RETURN_IF_ERROR(Move(v, StakeAccount(task.id, v), task.spec.economics.verifier_stake,
                            "verifier stake", task.id));
  }
  task.deadline_ms = AddMs(clock_->NowMs(), task.verification_ms);
  return Status::Ok();
}

void Arbiter::AdoptRealTrace(Task& task, const RealTrace& real) {
  task.trace->trace_root = real.trace_root;
  task.trace->final_state_hash = real.final_state_hash;
  task.trace->update_norms = real.update_norms;
  task.real_round = true;
  task.published[kRevealSlot].reset();
  // Demands were about the posted trace's checkpoints.
  task.availability = AvailabilityBook();
  task.delivered.clear();
  task.delivered_files.clear();
  task.delivered_proofs.clear();
  task.demand_events.clear();
}

ProofPosted Arbiter::PostedProof(const Task& task) {
  const TraceCommit& t = *task.trace;
  ProofPosted posted{task.spec.solver,  t.trace_root,   t.final_state_hash,
                     t.num_checkpoints, t.update_norms, t.serve_endpoint,
                     task.randomness.secret};
  posted.real_trace = task.real_round;
  return posted;
}

Status Arbiter::RealTraceWithheld(Task& task, const std::string& why) {
  const auto caught = task.forced_round.value("caught", std::vector<std::string>());
  task.withheld_challenger = caught.empty() ? submitter_ : caught.front();
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kRealTraceWithheld));
  return Settle(task, "withheld: the solver did not open the real trace it committed to after "
                      "its forced error (" + why + ")");
}

Status Arbiter::RuleOnInitialState(Task& task, const std::string& challenger,
                                   const ChallengedInterval& hashes) {
  // The initial state is fixed by the task in the precision the solver
  // trains in: the challenge is rejected when checkpoint 0 is the initial
  // state in either precision a profile allows.
  nlohmann::json computed = nlohmann::json::object();
  bool upheld = true;
  for (const char* dtype : {"float32", "float64"}) {
    auto job = JobIn(task, dtype);
    if (!job.ok()) return VoidTask(task, "building the task's job: " + job.status().ToString());
    auto initial = StateHash(ToState((*job)->InitialState((*job)->config().init_seed)));
    if (!initial.ok()) return VoidTask(task, "hashing the initial state: " + initial.status().ToString());
    computed[dtype] = initial->Hex();
    if (*initial == hashes.start_hash) {
      upheld = false;
      break;
    }
  }
  task.ruled_challenger = challenger;
  VT_RETURN_IF_ERROR(Log("initial_state_ruling", task.id,
                         {{"challenger", challenger},
                          {"committed", hashes.start_hash.Hex()},
                          {"initial_state", computed},
                          {"upheld", upheld}}));
  VT_RETURN_IF_ERROR(Transition(
      task, upheld ? TaskEvent::kChallengeUpheld : TaskEvent::kChallengeRejected));
  return Settle(task, upheld ? "challenge upheld: checkpoint 0 is not the task's initial state "
                               "(the arbiter recomputed it)"
                             : "challenge rejected: checkpoint 0 is the task's initial state "
                               "(the arbiter recomputed it)");
}

Status Arbiter::VoidTask(Task& task, const std::string& why) {
  spdlog::error("arbiter: {}: cannot rule: {}", task.id, why);
  VT_RETURN_IF_ERROR(Log("arbiter_error", task.id, {{"error", why}}));
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kArbiterFailed));
  return Settle(task, "void: the arbiter could not rule (" + why +
                          "); the reward goes back and every stake is returned");
}

Status Arbiter::CheckDeadlines() {
  const int64_t now = clock_->NowMs();
  for (auto& [id, task] : tasks_) {
    if (task.machine.done() || !task.assigned) continue;
    if (task.machine.state() == TaskState::kVerifying && task.availability.any_open()) {
      // A demand past its deadline loses the task for the solver; while
      // one is open, verification does not end.
      if (auto failed = task.availability.Expire(now)) {
        VT_RETURN_IF_ERROR(Log("availability_failed", id,
                               {{"index", failed->index},
                                {"challenger", failed->first_challenger},
                                {"reason", failed->reason}}));
        VT_RETURN_IF_ERROR(PublishDemand(task, *failed));
        VT_RETURN_IF_ERROR(Withhold(task, *failed));
      }
      continue;
    }
    if (now < task.deadline_ms) continue;
    if (task.machine.state() == TaskState::kTraining) {
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kTrainingDeadline));
      VT_RETURN_IF_ERROR(Settle(task, "the solver posted no trace before the training deadline"));
    } else if (task.machine.state() == TaskState::kVerifying && !task.verdicts.empty()) {
      VT_RETURN_IF_ERROR(Conclude(task));
    } else if (task.machine.state() == TaskState::kVerifying) {
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kVerificationDeadline));
      VT_RETURN_IF_ERROR(Settle(task, "no verifier posted a verdict before the deadline"));
    } else if (task.machine.state() == TaskState::kForcedError) {
      VT_RETURN_IF_ERROR(RealTraceWithheld(task, "nothing before the reveal deadline"));
    }
  }
  for (auto& [id, task] : tasks_) {
    if (task.machine.state() != TaskState::kChallenged || !task.dispute) continue;
    if (task.dispute->game->Tick(now)) {
      ++task.dispute->moves;
      VT_RETURN_IF_ERROR(AfterMove(task));
    }
  }
  return Status::Ok();
}

SettlementInput Arbiter::SettlementInputOf(const Task& task) const {
  SettlementInput in;
  in.economics = task.spec.economics;
  in.outcome = OutcomeOf(task.machine.state());
  in.task = task.id;
  in.submitter = submitter_;
  in.solver = task.spec.solver;
  in.escrow_account = EscrowAccount(task.id);
  in.escrow = ledger_.Balance(in.escrow_account);
  in.reward = std::min(in.escrow, Amount(task.spec.reward));
  in.solver_stake_account = StakeAccount(task.id, task.spec.solver);
  in.solver_stake = ledger_.Balance(in.solver_stake_account);
  for (const auto& name : task.selected) {
    VerifierPosition v;
    v.name = name;
    auto verdict = task.verdicts.find(name);
    if (verdict != task.verdicts.end()) {
      v.verdict = verdict->second.abstain  ? VerdictKind::kAbstain
                  : verdict->second.accept ? VerdictKind::kAccept
                                           : VerdictKind::kChallenge;
    }
    v.stake_account = StakeAccount(task.id, name);
    v.stake = ledger_.Balance(v.stake_account);
    if (task.challenges.count(name) > 0) {
      v.challenge_account = ChallengeAccount(task.id, name);
      v.challenge_stake = ledger_.Balance(v.challenge_account);
    }
    in.verifiers.push_back(v);
  }
  if (task.dispute) in.challenger = task.dispute->challenger;
  if (!task.ruled_challenger.empty()) in.challenger = task.ruled_challenger;
  if (!task.withheld_challenger.empty()) in.challenger = task.withheld_challenger;
  in.jackpot = ledger_.Balance(kJackpotAccount);
  return in;
}

Status Arbiter::Settle(Task& task, const std::string& reason) {
  const std::string outcome = TaskStateName(task.machine.state());
  const SettlementInput in = SettlementInputOf(task);
  VT_ASSIGN_OR_RETURN(SettlementPlan plan, PlanSettlement(in));
  for (const auto& t : plan.transfers) {
    VT_RETURN_IF_ERROR(Move(t.from, t.to, t.amount.value(), t.reason, task.id));
  }
  // The forced-error draw is public from here on (the secret was revealed
  // with the proof; the solver's instruction only now). A forced error was
  // made public when its verification ended.
  if (task.forced_round.is_null()) {
    VT_RETURN_IF_ERROR(Log("forced_error_revealed", task.id, {{"forced", task.forced_error}}));
  }
  nlohmann::json settlement = plan.ToJson();
  settlement["outcome"] = SettlementOutcomeName(in.outcome);
  settlement["forced_error"] = task.forced_error;
  // The verifiers' settlement of the forced error's posted trace.
  if (!task.forced_round.is_null()) settlement["forced_round"] = task.forced_round;
  settlement["selected"] = task.selected;
  settlement["jackpot"] = ledger_.Balance(kJackpotAccount).value();
  settlement["economics"] = task.spec.economics.ToJson();
  VT_RETURN_IF_ERROR(Log("settlement", task.id, settlement));
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kSettle));
  VT_RETURN_IF_ERROR(ledger_.CheckConservation());
  TaskSettled settled{outcome, reason, BalancesJson()};
  if (task.dispute) {
    settled.dispute = task.dispute->Report(
        task.job ? GameNodeName(*task.job, task.dispute->game->disputed_node()) : "");
  }
  VT_RETURN_IF_ERROR(Log("task_settled", task.id, settled.ToBody()));
  VT_RETURN_IF_ERROR(SignHeads());
  task.settled_ms = clock_->NowMs();
  spdlog::info("arbiter: {} settled: {} ({})", task.id, outcome, reason);
  VT_RETURN_IF_ERROR(Publish(Pack(settled, task.id)));
  ReleaseSettled(task);
  return Status::Ok();
}

void Arbiter::ReleaseSettled(Task& task) {
  // Nothing can change a settled task: no verdict, move or deadline is
  // taken any more. Only its outcome is still republished.
  task.job.reset();
  task.dispute.reset();
  task.trace.reset();
  task.verdicts.clear();
  task.challenges.clear();
  task.selected.clear();
  for (int slot = 0; slot < kSettledSlot; ++slot) task.published[slot].reset();
  // The book (a few small records) stays: a verifier that asked learns
  // how its demand ended.
  task.delivered.clear();
  task.delivered_proofs.clear();
  task.demand_events.clear();
}

void Arbiter::ForgetSettled() {
  const int64_t now = clock_->NowMs();
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    const Task& task = it->second;
    if (task.settled_ms >= 0 && now - task.settled_ms > kSettledRepublishMs) {
      forgotten_.insert(it->first);
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string Arbiter::NoSuchTask(const std::string& id) const {
  if (forgotten_.count(id) > 0) return "task '" + id + "' is settled";
  return "unknown task '" + id + "'";
}

Status Arbiter::OpenDispute(Task& task, const std::string& challenger, int64_t interval,
                            const ChallengedInterval& hashes) {
  DisputeOpened opened;
  opened.solver = task.spec.solver;
  opened.challenger = challenger;
  opened.interval = interval;
  opened.first_step = interval * task.spec.checkpoint_interval;
  opened.steps = task.spec.checkpoint_interval;
  opened.arity = task.spec.arity;
  opened.clock_ms = task.clock_ms;
  opened.start_hash = hashes.start_hash;
  opened.solver_end_hash = hashes.end_hash;
  task.dispute = DisputeFromOpened(task.id, opened, clock_->NowMs());
  spdlog::info("arbiter: {}: {} disputes interval {} (steps {}..{})", task.id, challenger,
               interval, opened.first_step, opened.first_step + opened.steps);
  VT_RETURN_IF_ERROR(Log("dispute_opened", task.id, opened.ToBody()));
  VT_RETURN_IF_ERROR(Publish(Pack(opened, task.id)));
  return AfterMove(task);
}

Dispute Arbiter::DisputeFromOpened(const std::string& task, const DisputeOpened& opened,
                                   int64_t now_ms) {
  Dispute d;
  d.task = task;
  d.solver = opened.solver;
  d.challenger = opened.challenger;
  d.interval = opened.interval;
  d.opened_ms = now_ms;
  GameSetup setup;
  setup.first_step = opened.first_step;
  setup.steps = opened.steps;
  setup.arity = opened.arity;
  setup.start_hash = opened.start_hash;
  setup.solver_end_hash = opened.solver_end_hash;
  setup.clock_ms = opened.clock_ms;
  setup.now_ms = now_ms;
  d.game = std::make_unique<Game>(setup);
  return d;
}

Arbiter::Task* Arbiter::DisputeFor(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end() || !it->second.dispute ||
      it->second.machine.state() != TaskState::kChallenged) {
    *reply = Ack{false, "no dispute is open on task '" + m.task + "'", {}};
    return nullptr;
  }
  if (it->second.dispute->PartyOf(m.from) == Party::kInvalid) {
    *reply = Ack{false, m.from + " is not a party to the dispute on " + m.task, {}};
    return nullptr;
  }
  return &it->second;
}

Status Arbiter::OnGameMove(const Message& m, Ack* reply) {
  Task* task = DisputeFor(m, reply);
  if (task == nullptr) return Status::Ok();
  Dispute& d = *task->dispute;
  d.bytes[m.from] += messenger_.last_message_bytes();
  auto move = Unpack<GameMove>(m);
  auto refuse = [&](const std::string& why) {
    ++d.rejected[m.from];
    *reply = Ack{false, why, {}};
    return Log("game_move_rejected", task->id, {{"from", m.from}, {"reason", why}});
  };
  if (!move.ok()) return refuse(move.status().message());
  if (move->move != d.moves) {
    return refuse("move " + std::to_string(move->move) + " is stale: the game is at move " +
                  std::to_string(d.moves));
  }
  const int64_t now = clock_->NowMs();
  const Status applied = ApplyMove(d, d.PartyOf(m.from), *move, now);
  VT_RETURN_IF_ERROR(Log("game_move", task->id,
                         {{"from", m.from},
                          {"rid", m.rid},
                          {"move", move->move},
                          {"kind", move->kind},
                          {"body", move->ToBody()},
                          {"accepted", applied.ok()},
                          {"error", applied.ok() ? "" : applied.message()}}));
  if (!applied.ok() && !d.game->resolved()) {
    ++d.rejected[m.from];
    *reply = Ack{false, applied.message(), {}};
    return Status::Ok();
  }
  if (!applied.ok()) *reply = Ack{false, applied.message(), {}};
  ++d.moves;
  return AfterMove(*task);
}

Status Arbiter::ApplyMove(Dispute& d, Party party, const GameMove& move, int64_t now_ms) {
  if (move.kind == "split_hashes") {
    return d.game->state() == GameState::kNodeSplits
               ? d.game->PostNodeHashes(party, move.hashes, now_ms)
               : d.game->PostStepHashes(party, move.hashes, now_ms);
  }
  if (move.kind == "choose") return d.game->ChooseSubRange(party, move.index, now_ms);
  return d.game->CommitGraph(party, move.nodes, move.outputs_root, move.chain_end, now_ms);
}

Status Arbiter::OnNodeEvidence(const Message& m, Ack* reply) {
  Task* task = DisputeFor(m, reply);
  if (task == nullptr) return Status::Ok();
  Dispute& d = *task->dispute;
  d.bytes[m.from] += messenger_.last_message_bytes();
  auto ev = Unpack<NodeEvidence>(m);
  if (!ev.ok() || ev->move != d.moves || d.PartyOf(m.from) != Party::kSolver ||
      d.game->state() != GameState::kEvidence) {
    ++d.rejected[m.from];
    *reply = Ack{false, ev.ok() ? "no evidence is due now" : ev.status().message(), {}};
    return Log("game_move_rejected", task->id, {{"from", m.from}, {"reason", reply->error}});
  }
  if (d.game->Tick(clock_->NowMs())) {
    ++d.moves;
    return AfterMove(*task);
  }
  // The node is evaluated in the precision the solver committed in.
  std::string dtype = config_.profile.value("dtype", std::string("float32"));
  for (const auto& t : ev->tensors) {
    if (t.dtype == DType::kFloat32 || t.dtype == DType::kFloat64) {
      dtype = t.dtype == DType::kFloat64 ? "float64" : "float32";
      break;
    }
  }
  auto job = JobIn(*task, dtype);
  if (!job.ok()) return VoidTask(*task, "building the task's job: " + job.status().ToString());
  const Game& g = *d.game;
  ArbitrationContext ctx;
  ctx.step = g.disputed_step();
  ctx.node = g.disputed_node();
  ctx.graph_nodes = g.graph_nodes();
  ctx.agreed_state_hash = g.agreed_state_hash();
  ctx.agreed_chain_hash = *g.ChainHash(ctx.node);
  ctx.solver_chain_next = *g.ChainHash(ctx.node + 1);
  ctx.solver_next_state_hash = g.solver_next_state_hash();
  ctx.mode = task->spec.mode;
  ctx.tolerance = task->spec.verification.NodeTolerance(GameNodeName(**job, ctx.node),
                                                        task->spec.node_tolerance);
  auto ruled = ArbitrateNode(**job, ctx, *ev);
  if (!ruled.ok()) return VoidTask(*task, "evaluating the node: " + ruled.status().ToString());
  const NodeRuling& ruling = *ruled;
  d.ruling = ruling;
  VT_RETURN_IF_ERROR(Log("node_ruling", task->id,
                         {{"step", ctx.step},
                          {"node_index", ctx.node},
                          {"node", ruling.node_name},
                          {"solver_correct", ruling.solver_correct},
                          {"reason", ruling.reason},
                          {"node_flops", ruling.node_flops},
                          {"step_flops", ruling.step_flops},
                          {"deviation", DeviationJson(ruling.deviation)},
                          {"tolerance", ruling.tolerance},
                          {"arbiter_output_hash", ruling.arbiter_output_hash.Hex()},
                          {"timings", {{"node_seconds", ruling.seconds},
                                       {"job_load_seconds", d.job_load_seconds}}}}));
  VT_RETURN_IF_ERROR(d.game->Rule(ruling.solver_correct, ruling.reason, clock_->NowMs()));
  ++d.moves;
  return AfterMove(*task);
}

Status Arbiter::EnsureJob(Task& task) {
  if (task.job) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json job_json = task.spec.job;
  job_json["dtype"] = config_.profile.value("dtype", std::string("float32"));
  auto job_config = JobConfig::FromJson(job_json);
  if (!job_config.ok()) return job_config.status().WithContext("arbiter: the task's job");
  VT_ASSIGN_OR_RETURN(task.job, MakeJob(*job_config));
  if (task.dispute) {
    task.dispute->job_load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return Status::Ok();
}

Result<const TrainingJob*> Arbiter::JobIn(Task& task, const std::string& dtype) {
  VT_RETURN_IF_ERROR(EnsureJob(task));
  if (task.job->config().dtype == dtype) return task.job.get();
  auto& job = task.jobs_in_dtype[dtype];
  if (!job) {
    JobConfig config = task.job->config();
    config.dtype = dtype;
    VT_ASSIGN_OR_RETURN(job, MakeJob(config));
  }
  return job.get();
}

Status Arbiter::AfterMove(Task& task) {
  Dispute& d = *task.dispute;
  // Name the disputed node as soon as the dissection has found it.
  if (d.game->state() == GameState::kEvidence) VT_RETURN_IF_ERROR(EnsureJob(task));
  const GameUpdate update = d.Update();
  VT_RETURN_IF_ERROR(Log("game_update", task.id, update.ToBody()));
  VT_RETURN_IF_ERROR(Publish(Pack(update, task.id)));
  if (!d.game->resolved()) return Status::Ok();
  d.resolved_ms = clock_->NowMs();
  const bool upheld = d.game->winner() == Party::kChallenger;
  spdlog::info("arbiter: {}: the {} wins the dispute: {}", task.id, PartyName(d.game->winner()),
               d.game->reason());
  VT_RETURN_IF_ERROR(Log("dispute_resolved", task.id,
                         d.Report(task.job ? GameNodeName(*task.job, d.game->disputed_node())
                                           : "")));
  VT_RETURN_IF_ERROR(Transition(
      task, upheld ? TaskEvent::kChallengeUpheld : TaskEvent::kChallengeRejected));
  return Settle(task, std::string(upheld ? "challenge upheld: " : "challenge rejected: ") +
                          d.game->reason());
}

Status Arbiter::Move(const std::string& from, const std::string& to, int64_t amount,
                     const std::string& reason, const std::string& task) {
  if (amount == 0) return Status::Ok();
  Status s = ledger_.Transfer(from, to, Amount(amount), reason, task);
  if (!s.ok()) {
    ++refused_transfers_;
    spdlog::warn("arbiter: refused transfer: {}", s.message());
    return Log("transfer_refused", task, {{"from", from},
                                          {"to", to},
                                          {"amount", amount},
                                          {"reason", reason},
                                          {"error", s.message()}});
  }
  return Log("transfer", task, Ledger::EntryToJson(ledger_.entries().back()));
}

Status Arbiter::Publish(const Message& m) {
  auto task = tasks_.find(m.task);
  if (!m.task.empty() && task != tasks_.end()) {
    static const std::map<std::string, Slot> kSlotOf = {
        {TaskAssigned::kType, kAssignedSlot}, {ProofPosted::kType, kProofSlot},
        {DisputeOpened::kType, kDisputeSlot}, {GameUpdate::kType, kUpdateSlot},
        {ForcedErrorRevealed::kType, kRevealSlot}, {TaskSettled::kType, kSettledSlot}};
    auto slot = kSlotOf.find(m.type);
    if (slot != kSlotOf.end()) task->second.published[slot->second] = m;
  }
  Status s = SendEvent(m);
  if (!s.ok()) spdlog::warn("arbiter: publishing {}: {}", m.type, s.ToString());
  return Status::Ok();  // a subscriber that cannot keep up is not the arbiter's failure
}

Status Arbiter::Log(const std::string& type, const std::string& task,
                    const nlohmann::json& data) {
  auto r = log_.Append(type, task, data);
  if (!r.ok()) return r.status().WithContext("event log");
  // The ledger's new entries follow the event that records them.
  return ledger_file_.Sync(ledger_.entries()).WithContext("ledger.jsonl");
}

Status Arbiter::SignHeads() {
  const ChainHead head =
      SignChainHead(messenger_.identity(), config_.name, log_.size(), log_.head(),
                    ledger_.entries().size(), ledger_.head());
  return Log(kChainHeadEvent, "", head.ToJson());
}

Status Arbiter::Transition(Task& task, TaskEvent e) {
  const TaskState before = task.machine.state();
  VT_RETURN_IF_ERROR(task.machine.Apply(e).WithContext(task.id));
  return Log("task_state", task.id, {{"from", TaskStateName(before)},
                                     {"event", TaskEventName(e)},
                                     {"to", TaskStateName(task.machine.state())}});
}

nlohmann::json Arbiter::BalancesJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, amount] : ledger_.Balances()) {
    // Every task opens escrow and stake accounts that are empty once it has
    // settled; listing them all would make each task_settled grow with the
    // number of tasks before it.
    const bool held = name.rfind("escrow/", 0) == 0 || name.rfind("stake/", 0) == 0 ||
                      name.rfind("challenge/", 0) == 0;
    if (held && amount == Amount(0)) continue;
    out[name] = amount.value();
  }
  return out;
}

}  // namespace veritrain
