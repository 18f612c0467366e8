#include "arbiter/arbiter.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include <sys/stat.h>

#include "arbiter/task_rules.h"
#include "core/protocol/duration.h"
#include "core/protocol/events.h"
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
  GenesisEvent genesis{submitter_,   funds,        participant_funds,
                       jackpot,      config_.name, messenger_.identity().public_key().Hex(),
                       std::nullopt};
  // The run's manifest (written before the roles start) is bound to the
  // log: its hash is in the first event, which every signed head covers.
  if (auto manifest = ReadFileBytes(config_.out_dir + "/manifest.json"); manifest.ok()) {
    genesis.manifest_sha256 = Sha256Of(manifest->view()).Hex();
  }
  VT_RETURN_IF_ERROR(Log("", genesis));
  for (const auto& e : ledger_.entries()) VT_RETURN_IF_ERROR(Log("", TransferEvent{e}));
  return Status::Ok();
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
  auto everyone_left = [&] { return participants_.EveryoneLeft(); };
  for (const int64_t until = clock_->NowMs() + closing_ms_;
       !everyone_left() && clock_->NowMs() < until;) {
    VT_RETURN_IF_ERROR(serve(std::min(until, clock_->NowMs() + heartbeat_ms_)));
    VT_RETURN_IF_ERROR(CheckSilence());
    if (!everyone_left()) VT_RETURN_IF_ERROR(Publish(Pack(Shutdown{"run finished"})));
  }
  heart_.reset();  // no heartbeat after the last shutdown event
  Status conserved = ledger_.CheckConservation();
  VT_RETURN_IF_ERROR(Log("", ShutdownEvent{ledger_.head().Hex(), conserved.ok(),
                                           refused_transfers_, repeated_requests_,
                                           messenger_.rejects(), messenger_.faults()}));
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
    const bool settled = task.machine.done();
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
  for (const auto& [name, silent_ms] : participants_.NewlySilent(now, retry_.silence_ms)) {
    spdlog::warn("arbiter: nothing from {} for {} ms", name, silent_ms);
    VT_RETURN_IF_ERROR(Log("", ParticipantSilentEvent{name, silent_ms}));
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
  if (participants_.Heard(m.from, clock_->NowMs())) {
    spdlog::info("arbiter: {} is back", m.from);
    VT_RETURN_IF_ERROR(Log("", ParticipantReturnedEvent{m.from}));
  }
  if (m.type == Heartbeat::kType) return Status::Ok();  // alive; no reply
  if (m.type == Goodbye::kType) participants_.Left(m.from);
  if (m.rid != 0) {
    // A resent request: answered again, handled once.
    if (const Message* cached = replies_.Find(m.from, m.rid)) {
      ++repeated_requests_;
      Status sent = messenger_.Send(requests_, *cached, &routing_id);
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
    // Acknowledged (noted above, also for a resent goodbye).
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
  if (m.rid != 0 && out.tensors.empty()) replies_.Remember(m.from, out);
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
  return Log(m.task, RequestRefusedEvent{m.type, m.from, error});
}

Arbiter::Task* Arbiter::TaskOf(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it != tasks_.end()) return &it->second;
  *reply = Ack{false, NoSuchTask(m.task), {}};
  return nullptr;
}

bool Arbiter::FromSolver(const Task& task, const Message& m, Ack* reply) {
  if (m.from == task.spec.solver) return true;
  *reply = Ack{false, m.from + " is not the solver of " + m.task, {}};
  return false;
}

bool Arbiter::InState(const Task& task, TaskState want, const char* doing, Ack* reply) {
  // Past training, a task has its trace (checked too: the handlers use it).
  if (task.machine.state() == want && (want == TaskState::kTraining || task.trace)) return true;
  *reply = Ack{false, std::string("task is ") + TaskStateName(task.machine.state()) + ", not " +
                          doing,
               {}};
  return false;
}

Status Arbiter::OnForcedErrorQuery(const Message& m, Ack* reply,
                                   std::optional<Message>* answer) {
  Task* task = TaskOf(m, reply);
  if (task == nullptr || !FromSolver(*task, m, reply)) return Status::Ok();
  if (!task->assigned()) {
    *reply = Ack{false, m.task + " is not assigned yet", {}};
  } else {
    *answer = Pack(ForcedErrorNotice{task->forced_error}, m.task);
  }
  return Status::Ok();
}

Status Arbiter::OnHello(const Message& m, const std::string& routing_id, Ack* reply) {
  const std::optional<Hello> hello = BodyOf<Hello>(m, reply);
  if (!hello) return Status::Ok();
  if (participants_.Join(m.from, {hello->role, hello->serve_endpoint, routing_id,
                                   clock_->NowMs(), false})) {
    spdlog::info("arbiter: {} joined as {}", m.from, hello->role);
    VT_RETURN_IF_ERROR(Log("", ParticipantJoinedEvent{m.from, hello->role}));
  }
  return AssignReadyTasks();
}

Status Arbiter::OnPostTask(const Message& m, Ack* reply) {
  if (m.from != submitter_) {
    *reply = Ack{false, "only the submitter may post tasks", {}};
    return Status::Ok();
  }
  const std::optional<PostTask> post = BodyOf<PostTask>(m, reply);
  if (!post) return Status::Ok();
  std::vector<std::string> named = post->spec.verifiers;
  named.push_back(post->spec.solver);
  for (const auto& n : named) {
    if (messenger_.keys().Find(n) == nullptr) {
      *reply = Ack{false, "task names unknown participant '" + n + "'", {}};
      return Status::Ok();
    }
  }
  const std::string id = TaskIdOf(next_task_);
  Task t;
  if (Status durations = SetDurations(post->spec, &t); !durations.ok()) {
    *reply = Ack{false, durations.message(), {}};
    return Status::Ok();
  }
  // The reward and one fee per verifier that will be selected.
  const Result<Amount> held = EscrowOf(post->spec);
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
  VT_RETURN_IF_ERROR(Log(id, TaskPostedEvent{t.spec, m.from, m.rid}));
  VT_RETURN_IF_ERROR(Log(id, TransferEvent{ledger_.entries().back()}));
  tasks_.emplace(id, std::move(t));
  reply->data = {{"task", id}};
  return AssignReadyTasks();
}

Status Arbiter::AssignReadyTasks() {
  for (auto& [id, task] : tasks_) {
    if (task.assigned()) continue;
    bool ready = participants_.Joined(task.spec.solver);
    for (const auto& v : task.spec.verifiers) ready = ready && participants_.Joined(v);
    if (!ready) continue;
    VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAssigned));
    VT_RETURN_IF_ERROR(Transfer(task.spec.solver, StakeAccount(id, task.spec.solver),
                                task.spec.economics.solver_stake, "solver stake", id));
    AssignTask(task, config_.seed, clock_->NowMs());
    VT_RETURN_IF_ERROR(Log(id, TaskAssignedEvent{task.spec.solver, task.spec.verifiers,
                                                 task.randomness.commitment}));
    const Message assigned = *task.published[kAssignedSlot];
    VT_RETURN_IF_ERROR(Publish(assigned));
  }
  return Status::Ok();
}

Status Arbiter::OnTraceCommit(const Message& m, Ack* reply) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<TraceCommit> trace = BodyOf<TraceCommit>(m, reply);
  if (!trace || !FromSolver(task, m, reply) ||
      !InState(task, TaskState::kTraining, "training", reply)) {
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
  VT_RETURN_IF_ERROR(Log(task.id, TraceCommittedEvent{m.from, *trace}));
  // Reveal only now: the solver's commitments can no longer depend on it.
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kRandomnessRevealed));
  const ProofPosted posted = PostedProof(task);
  VT_RETURN_IF_ERROR(Log(task.id, RandomnessRevealedEvent{task.randomness.secret}));
  VT_RETURN_IF_ERROR(Publish(Pack(posted, task.id)));
  return DrawVerifiers(task);
}

Status Arbiter::DrawVerifiers(Task& task) {
  std::vector<std::string> drawn =
      SelectVerifiers(task.randomness.secret, task.trace->trace_root, task.spec.verifiers,
                      task.spec.economics.verifiers_per_task);
  VT_RETURN_IF_ERROR(Log(task.id, VerifiersSelectedEvent{drawn}));
  for (const auto& v : drawn) {
    VT_RETURN_IF_ERROR(Transfer(v, StakeAccount(task.id, v), task.spec.economics.verifier_stake,
                                "verifier stake", task.id));
  }
  StartVerification(task, std::move(drawn), clock_->NowMs());
  return Status::Ok();
}

Status Arbiter::OnTrainingFailed(const Message& m, Ack* reply) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<TrainingFailed> failed = BodyOf<TrainingFailed>(m, reply);
  if (!failed || !FromSolver(task, m, reply) ||
      !InState(task, TaskState::kTraining, "training", reply)) {
    return Status::Ok();
  }
  // The solver's words go into the log and the task's reason: bounded.
  constexpr size_t kMaxReason = 1000;
  std::string why = failed->reason.substr(0, kMaxReason);
  if (failed->reason.size() > kMaxReason) why += "...";
  spdlog::warn("arbiter: {}: the solver gave up: {}", task.id, why);
  VT_RETURN_IF_ERROR(Log(task.id, TrainingFailedEvent{m.from, why}));
  // Settled as at the training deadline, only sooner: giving up is never
  // cheaper for a solver than running out of time.
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kSolverGaveUp));
  return Settle(task, "the solver gave up before the training deadline: " + why);
}

Status Arbiter::OnVerdict(const Message& m, Ack* reply) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<Verdict> verdict = BodyOf<Verdict>(m, reply);
  if (!verdict) return Status::Ok();
  std::optional<ChallengedInterval> challenged;
  if (std::string refused = RefuseVerdict(task, m.from, *verdict, &challenged);
      !refused.empty()) {
    *reply = Ack{false, refused, {}};
    return Status::Ok();
  }
  task.verdicts[m.from] = *verdict;
  VT_RETURN_IF_ERROR(Log(task.id, VerdictEvent{m.from, *verdict}));
  if (challenged) {
    task.challenges[m.from] = *challenged;
    VT_RETURN_IF_ERROR(Transfer(m.from, ChallengeAccount(task.id, m.from),
                            task.spec.economics.challenge_stake, "challenge stake", task.id));
  }
  // A checkpoint demand still open holds the conclusion back: its outcome
  // may be that the solver withheld it.
  if (ReadyToConclude(task)) return Conclude(task);
  return Status::Ok();
}

std::string Arbiter::DeliveryFile(const std::string& task, int64_t index) const {
  return config_.work_dir + "/" + config_.name + "-deliveries/" + task + "-" +
         std::to_string(index) + ".ckpt";
}

Status Arbiter::PublishDemand(Task& task, const Demand& demand) {
  return Publish(NoteDemand(task, demand));
}

Status Arbiter::OnAvailabilityChallenge(const Message& m, Ack* reply,
                                        std::optional<Message>* answer) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<AvailabilityChallenge> challenge = BodyOf<AvailabilityChallenge>(m, reply);
  if (!challenge) return Status::Ok();
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
    if (!InState(task, TaskState::kVerifying, "verifying", reply)) return Status::Ok();
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
    VT_RETURN_IF_ERROR(Log(task.id, AvailabilityChallengeEvent{m.from, index, challenge->reason,
                                                               known->opened_ms,
                                                               known->deadline_ms}));
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
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  // The sender before the body: a checkpoint is large, and only its solver
  // sends one.
  if (!FromSolver(task, m, reply)) return Status::Ok();
  const std::optional<CheckpointDelivery> delivery = BodyOf<CheckpointDelivery>(m, reply);
  if (!delivery) return Status::Ok();
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
  VT_RETURN_IF_ERROR(Log(task.id, CheckpointDeliveredEvent{
                                      index, valid.ok(), valid.ok() ? "" : valid.message(),
                                      delivery->state_hash, delivery->proof, file}));
  VT_RETURN_IF_ERROR(PublishDemand(task, *d));
  if (!valid.ok()) {
    spdlog::warn("arbiter: {}: the solver delivered an invalid checkpoint {}: {}", task.id, index,
                 valid.message());
    VT_RETURN_IF_ERROR(Log(task.id, AvailabilityFailedEvent{
                                        index, d->first_challenger,
                                        "the solver delivered an invalid checkpoint " +
                                            std::to_string(index) + ": " + valid.message()}));
    Demand failed = *d;
    failed.reason = "the solver delivered an invalid checkpoint " + std::to_string(index) + ": " +
                    valid.message();
    return Withhold(task, failed);
  }
  spdlog::info("arbiter: {}: the solver delivered checkpoint {}", task.id, index);
  task.delivered[index] = delivery->tensors;
  // The verifiers that asked now verify: they get the verification time
  // again from here.
  NoteDelivery(task, index, delivery->proof, file, clock_->NowMs());
  *reply = Ack{true, "", {{"index", index}, {"state", "delivered"}}};
  if (ReadyToConclude(task)) return Conclude(task);
  return Status::Ok();
}

Status Arbiter::Withhold(Task& task, const Demand& demand) {
  task.withheld_challenger = demand.first_challenger;
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kDataWithheld));
  return Settle(task, "withheld: " + demand.reason + " (asked for by " +
                          demand.first_challenger + ")");
}

Status Arbiter::Conclude(Task& task) {
  const Conclusion c = ConclusionOf(task);
  switch (c.kind) {
    case Conclusion::kForcedRound: return ForcedRound(task);
    case Conclusion::kDispute:
    case Conclusion::kInitialState: {
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kChallenge));
      const ChallengedInterval& hashes = task.challenges.at(c.challenger);
      if (c.kind == Conclusion::kInitialState) {
        return RuleOnInitialState(task, c.challenger, hashes);
      }
      return OpenDispute(task, c.challenger, task.verdicts.at(c.challenger).disputed_interval,
                         hashes);
    }
    case Conclusion::kAllAbstained:
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAllAbstained));
      return Settle(task, c.reason);
    case Conclusion::kAccepted: break;
  }
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAllAccepted));
  return Settle(task, c.reason);
}

Status Arbiter::ForcedRound(Task& task) {
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kForcedErrorRevealed));
  SettlementInput in = SettlementInputOf(task, ledger_, submitter_);
  VT_ASSIGN_OR_RETURN(SettlementPlan plan, PlanSettlement(in));
  for (const auto& t : plan.transfers) {
    VT_RETURN_IF_ERROR(Transfer(t.from, t.to, t.amount.value(), t.reason, task.id));
  }
  const ForcedErrorSettlementEvent round{plan.ToJson(), task.selected,
                                         task.trace->trace_root.Hex()};
  task.forced_round = round.ToJson();
  VT_RETURN_IF_ERROR(Log(task.id, round));
  // The verifiers of the posted trace are done with it; the real trace
  // gets its own draw, verdicts and demands.
  EndPostedRound(task);
  task.deadline_ms = AddMs(clock_->NowMs(), task.clock_ms);
  VT_RETURN_IF_ERROR(Log(task.id, ForcedErrorRevealedEvent{true, task.deadline_ms}));
  spdlog::info("arbiter: {}: forced error revealed ({} caught it, {} approved it); waiting for "
               "the solver's real trace",
               task.id, plan.caught.size(), plan.lazy.size());
  return Publish(Pack(ForcedErrorRevealed{true, task.deadline_ms}, task.id));
}

Status Arbiter::OnRealTrace(const Message& m, Ack* reply) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<RealTrace> real = BodyOf<RealTrace>(m, reply);
  if (!real || !FromSolver(task, m, reply) ||
      !InState(task, TaskState::kForcedError, "waiting for a real trace", reply)) {
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
  VT_RETURN_IF_ERROR(Log(task.id, RealTraceRevealedEvent{m.from, *real, opens.ok(),
                                                         opens.ok() ? "" : opens.message()}));
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
  return DrawVerifiers(task);
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
  std::map<std::string, std::string> computed;
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
  VT_RETURN_IF_ERROR(Log(task.id, InitialStateRulingEvent{challenger, hashes.start_hash,
                                                          computed, upheld}));
  VT_RETURN_IF_ERROR(Transition(
      task, upheld ? TaskEvent::kChallengeUpheld : TaskEvent::kChallengeRejected));
  return Settle(task, upheld ? "challenge upheld: checkpoint 0 is not the task's initial state "
                               "(the arbiter recomputed it)"
                             : "challenge rejected: checkpoint 0 is the task's initial state "
                               "(the arbiter recomputed it)");
}

Status Arbiter::VoidTask(Task& task, const std::string& why) {
  spdlog::error("arbiter: {}: cannot rule: {}", task.id, why);
  VT_RETURN_IF_ERROR(Log(task.id, ArbiterErrorEvent{why}));
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kArbiterFailed));
  return Settle(task, "void: the arbiter could not rule (" + why +
                          "); the reward goes back and every stake is returned");
}

Status Arbiter::CheckDeadlines() {
  const int64_t now = clock_->NowMs();
  for (auto& [id, task] : tasks_) {
    const DueAction due = DueAt(task, now);
    if (due == DueAction::kDemands) {
      // A demand past its deadline loses the task for the solver; while
      // one is open, verification does not end.
      if (auto failed = task.availability.Expire(now)) {
        VT_RETURN_IF_ERROR(Log(id, AvailabilityFailedEvent{failed->index,
                                                           failed->first_challenger,
                                                           failed->reason}));
        VT_RETURN_IF_ERROR(PublishDemand(task, *failed));
        VT_RETURN_IF_ERROR(Withhold(task, *failed));
      }
    } else if (due == DueAction::kTrainingDeadline) {
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kTrainingDeadline));
      VT_RETURN_IF_ERROR(Settle(task, "the solver posted no trace before the training deadline"));
    } else if (due == DueAction::kConclude) {
      VT_RETURN_IF_ERROR(Conclude(task));
    } else if (due == DueAction::kVerificationDeadline) {
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kVerificationDeadline));
      VT_RETURN_IF_ERROR(Settle(task, "no verifier posted a verdict before the deadline"));
    } else if (due == DueAction::kRealTraceDeadline) {
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

Status Arbiter::Settle(Task& task, const std::string& reason) {
  const std::string outcome = TaskStateName(task.machine.state());
  const SettlementInput in = SettlementInputOf(task, ledger_, submitter_);
  VT_ASSIGN_OR_RETURN(SettlementPlan plan, PlanSettlement(in));
  for (const auto& t : plan.transfers) {
    VT_RETURN_IF_ERROR(Transfer(t.from, t.to, t.amount.value(), t.reason, task.id));
  }
  // The forced-error draw is public from here on (the secret was revealed
  // with the proof; the solver's instruction only now). A forced error was
  // made public when its verification ended.
  if (task.forced_round.is_null()) {
    VT_RETURN_IF_ERROR(Log(task.id, ForcedErrorRevealedEvent{task.forced_error, std::nullopt}));
  }
  SettlementEvent settlement;
  settlement.plan = plan.ToJson();
  settlement.outcome = SettlementOutcomeName(in.outcome);
  settlement.forced_error = task.forced_error;
  // The verifiers' settlement of the forced error's posted trace.
  if (!task.forced_round.is_null()) settlement.forced_round = task.forced_round;
  settlement.selected = task.selected;
  settlement.jackpot = ledger_.Balance(kJackpotAccount).value();
  settlement.economics = task.spec.economics;
  VT_RETURN_IF_ERROR(Log(task.id, settlement));
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kSettle));
  VT_RETURN_IF_ERROR(ledger_.CheckConservation());
  TaskSettled settled{outcome, reason, BalancesJson()};
  if (task.dispute) {
    settled.dispute = task.dispute->Report(
        task.job ? GameNodeName(*task.job, task.dispute->game->disputed_node()) : "");
  }
  VT_RETURN_IF_ERROR(Log(task.id, TaskSettledEvent{settled}));
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
    if (task.machine.done() && now - task.settled_ms > kSettledRepublishMs) {
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
  VT_RETURN_IF_ERROR(Log(task.id, DisputeOpenedEvent{opened}));
  VT_RETURN_IF_ERROR(Publish(Pack(opened, task.id)));
  return AfterMove(task);
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
    return Log(task->id, GameMoveRejectedEvent{m.from, why});
  };
  if (!move.ok()) return refuse(move.status().message());
  if (move->move != d.moves) {
    return refuse("move " + std::to_string(move->move) + " is stale: the game is at move " +
                  std::to_string(d.moves));
  }
  const int64_t now = clock_->NowMs();
  const Status applied = ApplyGameMove(d, d.PartyOf(m.from), *move, now);
  VT_RETURN_IF_ERROR(Log(task->id, GameMoveEvent{m.from, m.rid, *move, applied.ok(),
                                                  applied.ok() ? "" : applied.message()}));
  if (!applied.ok() && !d.game->resolved()) {
    ++d.rejected[m.from];
    *reply = Ack{false, applied.message(), {}};
    return Status::Ok();
  }
  if (!applied.ok()) *reply = Ack{false, applied.message(), {}};
  ++d.moves;
  return AfterMove(*task);
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
    return Log(task->id, GameMoveRejectedEvent{m.from, reply->error});
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
  VT_RETURN_IF_ERROR(Log(task->id, NodeRulingEvent{ctx.step, ctx.node, ruling.node_name,
                                                    ruling.solver_correct, ruling.reason,
                                                    ruling.node_flops, ruling.step_flops,
                                                    DeviationJson(ruling.deviation),
                                                    ruling.tolerance, ruling.arbiter_output_hash,
                                                    ruling.seconds, d.job_load_seconds}));
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
  VT_RETURN_IF_ERROR(Log(task.id, GameUpdateEvent{update}));
  VT_RETURN_IF_ERROR(Publish(Pack(update, task.id)));
  if (!d.game->resolved()) return Status::Ok();
  d.resolved_ms = clock_->NowMs();
  const bool upheld = d.game->winner() == Party::kChallenger;
  spdlog::info("arbiter: {}: the {} wins the dispute: {}", task.id, PartyName(d.game->winner()),
               d.game->reason());
  VT_RETURN_IF_ERROR(Log(task.id, DisputeResolvedEvent{d.Report(
                                      task.job ? GameNodeName(*task.job, d.game->disputed_node())
                                               : "")}));
  VT_RETURN_IF_ERROR(Transition(
      task, upheld ? TaskEvent::kChallengeUpheld : TaskEvent::kChallengeRejected));
  return Settle(task, std::string(upheld ? "challenge upheld: " : "challenge rejected: ") +
                          d.game->reason());
}

Status Arbiter::Transfer(const std::string& from, const std::string& to, int64_t amount,
                         const std::string& reason, const std::string& task) {
  if (amount == 0) return Status::Ok();
  Status s = ledger_.Transfer(from, to, Amount(amount), reason, task);
  if (!s.ok()) {
    ++refused_transfers_;
    spdlog::warn("arbiter: refused transfer: {}", s.message());
    return Log(task, TransferRefusedEvent{from, to, amount, reason, s.message()});
  }
  return Log(task, TransferEvent{ledger_.entries().back()});
}

Status Arbiter::Publish(const Message& m) {
  auto task = tasks_.find(m.task);
  if (!m.task.empty() && task != tasks_.end()) {
    static const std::map<std::string, TaskSlot> kSlotOf = {
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

Status Arbiter::Append(const std::string& type, const std::string& task,
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
  return Log("", ChainHeadEvent{head});
}

Status Arbiter::Transition(Task& task, TaskEvent e) {
  const TaskState before = task.machine.state();
  VT_RETURN_IF_ERROR(task.machine.Apply(e).WithContext(task.id));
  return Log(task.id, TaskStateEvent{TaskStateName(before), TaskEventName(e),
                                     TaskStateName(task.machine.state())});
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
