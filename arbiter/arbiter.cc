#include "arbiter/arbiter.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/protocol/task_draws.h"
#include "core/state/state_hash.h"
#include "core/state/atomic_file.h"
#include "core/train/node_arbitration.h"
#include "core/train/torch_bridge.h"
#include "core/transport/role_report.h"
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
  VT_ASSIGN_OR_RETURN(std::optional<RoleCurve> curve, RoleCurve::FromConfig(config));
  VT_ASSIGN_OR_RETURN(EventLog log, EventLog::Open(config.out_dir + "/events.jsonl",
                                                   clock, /*durable=*/false));
  std::unique_ptr<Arbiter> a(new Arbiter(ctx, config, clock,
                                         Messenger(config.name, std::move(id), std::move(keys)),
                                         std::move(log)));
  a->submitter_ = config.settings.value("submitter", std::string("submitter"));
  a->heartbeat_ms_ = config.settings.value("heartbeat_ms", int64_t{200});
  const int64_t funds = config.settings.value("submitter_funds", int64_t{0});
  const int64_t participant_funds = config.settings.value("participant_funds", int64_t{0});
  const int64_t jackpot = config.settings.value("jackpot_initial", int64_t{0});
  VT_RETURN_IF_ERROR(a->ledger_.Mint(a->submitter_, Amount(funds), "genesis"));
  // Every participant has an account from the start, so balances list them
  // all; each starts with participant_funds to stake from.
  for (const auto& [name, key] : config.roster) {
    if (name == config.name || name == a->submitter_) continue;
    VT_RETURN_IF_ERROR(a->ledger_.Mint(name, Amount(participant_funds), "genesis"));
  }
  VT_RETURN_IF_ERROR(a->ledger_.Mint(kJackpotAccount, Amount(jackpot), "genesis"));
  VT_RETURN_IF_ERROR(a->ledger_.Mint(kBurnAccount, Amount(0), "genesis"));
  VT_RETURN_IF_ERROR(a->Log("genesis", "", {{"submitter", a->submitter_},
                                            {"submitter_funds", funds},
                                            {"participant_funds", participant_funds},
                                            {"jackpot_initial", jackpot},
                                            {"arbiter", config.name}}));
  for (const auto& e : a->ledger_.entries()) {
    VT_RETURN_IF_ERROR(a->Log("transfer", "", Ledger::EntryToJson(e)));
  }

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

Arbiter::Arbiter(zmq::context_t& ctx, RoleConfig config, const Clock* clock,
                 Messenger messenger, EventLog log)
    : ctx_(ctx),
      config_(std::move(config)),
      clock_(clock),
      messenger_(std::move(messenger)),
      log_(std::move(log)),
      requests_(ctx, zmq::socket_type::router),
      events_(ctx, zmq::socket_type::pub) {}

Status Arbiter::Run() {
  int64_t next_beat = clock_->NowMs();
  int64_t beat = 0;
  while (!shutting_down_) {
    const int64_t now = clock_->NowMs();
    if (now >= next_beat) {
      VT_RETURN_IF_ERROR(Publish(Pack(Heartbeat{beat++})));
      next_beat = now + heartbeat_ms_;
    }
    zmq::pollitem_t items[] = {{requests_.handle(), 0, ZMQ_POLLIN, 0}};
    VT_RETURN_IF_ERROR(PollSockets(items, 1,
                                   std::chrono::milliseconds(std::max<int64_t>(
                                       0, next_beat - clock_->NowMs())))
                           .status());
    VT_RETURN_IF_ERROR(messenger_.Drain(
        requests_, /*router=*/true, request_guard_,
        [this](const Message& m, const std::string& rid) { return HandleRequest(m, rid); }));
    VT_RETURN_IF_ERROR(CheckDeadlines());
  }
  // The shutdown event must reach subscribers before the socket closes.
  events_.set(zmq::sockopt::linger, 5000);
  VT_RETURN_IF_ERROR(Publish(Pack(Shutdown{"run finished"})));
  nlohmann::json entries = nlohmann::json::array();
  std::string ledger_text;
  for (const auto& e : ledger_.entries()) ledger_text += Ledger::EntryToJson(e).dump() + "\n";
  VT_RETURN_IF_ERROR(WriteFileAtomically(config_.out_dir + "/ledger.jsonl", {ledger_text}));
  Status conserved = ledger_.CheckConservation();
  VT_RETURN_IF_ERROR(Log("shutdown", "", {{"ledger_head", ledger_.head().Hex()},
                                          {"conservation", conserved.ok()},
                                          {"refused_transfers", refused_transfers_},
                                          {"rejected_messages", messenger_.rejects()}}));
  VT_RETURN_IF_ERROR(WriteRoleReport(config_.out_dir, messenger_, zap_.get()));
  return conserved;
}

Status Arbiter::HandleRequest(const Message& m, const std::string& routing_id) {
  Ack reply;
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
  } else if (m.type == Shutdown::kType) {
    if (m.from != submitter_) {
      reply = Ack{false, "only the submitter may shut the run down", {}};
    } else {
      shutting_down_ = true;
    }
  } else {
    reply = Ack{false, "the arbiter does not accept '" + m.type + "' requests", {}};
  }
  if (!s.ok()) return s;  // a failure of the arbiter itself
  if (!reply.ok) {
    spdlog::warn("arbiter: refused {} from {}: {}", m.type, m.from, reply.error);
    VT_RETURN_IF_ERROR(Log("request_refused", m.task, {{"type", m.type},
                                                       {"from", m.from},
                                                       {"error", reply.error}}));
  }
  Status sent = messenger_.Send(requests_, Pack(reply, m.task), &routing_id);
  if (!sent.ok()) spdlog::warn("arbiter: {}", sent.ToString());
  return Status::Ok();
}

Status Arbiter::OnHello(const Message& m, const std::string& routing_id, Ack* reply) {
  auto hello = Unpack<Hello>(m);
  if (!hello.ok()) {
    *reply = Ack{false, hello.status().message(), {}};
    return Status::Ok();
  }
  const bool first = participants_.count(m.from) == 0;
  participants_[m.from] = Participant{hello->role, hello->serve_endpoint, routing_id};
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
  auto held = Amount::Add(Amount(post->spec.reward), Amount(econ.verifier_fee * selected));
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
  Task t;
  t.id = id;
  t.spec = post->spec;
  VT_RETURN_IF_ERROR(Log("task_posted", id, {{"spec", t.spec.ToJson()},
                                             {"submitter", m.from}}));
  VT_RETURN_IF_ERROR(Log("transfer", id, Ledger::EntryToJson(ledger_.entries().back())));
  tasks_.emplace(id, std::move(t));
  reply->data = {{"task", id}};
  return AssignReadyTasks();
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
    // To the solver alone, before the assignment it answers to.
    Status told = messenger_.Send(requests_, Pack(ForcedErrorNotice{task.forced_error}, id),
                                  &participants_.at(task.spec.solver).routing_id);
    if (!told.ok()) spdlog::warn("arbiter: forced-error notice for {}: {}", id, told.ToString());
    VT_RETURN_IF_ERROR(Move(task.spec.solver, StakeAccount(id, task.spec.solver),
                            task.spec.economics.solver_stake, "solver stake", id));
    task.deadline_ms = clock_->NowMs() +
                       static_cast<int64_t>(task.spec.training_deadline_s * 1000);
    VT_RETURN_IF_ERROR(Publish(Pack(TaskAssigned{task.spec, task.randomness.commitment}, id)));
    VT_RETURN_IF_ERROR(Log("task_assigned", id,
                           {{"solver", task.spec.solver},
                            {"verifiers", task.spec.verifiers},
                            {"randomness_commitment", task.randomness.commitment.Hex()}}));
  }
  return Status::Ok();
}

Status Arbiter::OnTraceCommit(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, "unknown task '" + m.task + "'", {}};
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
  ProofPosted posted{task.spec.solver,        trace->trace_root,
                     trace->final_state_hash, trace->num_checkpoints,
                     trace->update_norms,     trace->serve_endpoint,
                     task.randomness.secret};
  VT_RETURN_IF_ERROR(Publish(Pack(posted, task.id)));
  VT_RETURN_IF_ERROR(Log("randomness_revealed", task.id,
                         {{"secret", task.randomness.secret.Hex()}}));
  task.selected = SelectVerifiers(task.randomness.secret, trace->trace_root, task.spec.verifiers,
                                  task.spec.economics.verifiers_per_task);
  VT_RETURN_IF_ERROR(Log("verifiers_selected", task.id, {{"verifiers", task.selected}}));
  for (const auto& v : task.selected) {
    VT_RETURN_IF_ERROR(Move(v, StakeAccount(task.id, v), task.spec.economics.verifier_stake,
                            "verifier stake", task.id));
  }
  task.deadline_ms = clock_->NowMs() +
                     static_cast<int64_t>(task.spec.verification_deadline_s * 1000);
  return Status::Ok();
}

Status Arbiter::OnVerdict(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it == tasks_.end()) {
    *reply = Ack{false, "unknown task '" + m.task + "'", {}};
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
  std::optional<ChallengedInterval> challenged;
  if (!verdict->accept) {
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
  if (task.verdicts.size() == vs.size()) return Conclude(task);
  return Status::Ok();
}

Status Arbiter::Conclude(Task& task) {
  if (task.forced_error) {
    VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kForcedErrorRevealed));
    return Settle(task, "the arbiter had told the solver to post a wrong result (forced error)");
  }
  for (const auto& v : task.selected) {
    auto c = task.challenges.find(v);
    if (c == task.challenges.end()) continue;
    VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kChallenge));
    if (c->second.initial_state) return RuleOnInitialState(task, v, c->second);
    return OpenDispute(task, v, task.verdicts.at(v).disputed_interval, c->second);
  }
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAllAccepted));
  return Settle(task, task.verdicts.size() == task.selected.size()
                          ? "every verifier accepted"
                          : "every verifier that voted before the deadline accepted");
}

Status Arbiter::RuleOnInitialState(Task& task, const std::string& challenger,
                                   const ChallengedInterval& hashes) {
  VT_RETURN_IF_ERROR(EnsureJob(task));
  const uint64_t init_seed = task.job->config().init_seed;
  VT_ASSIGN_OR_RETURN(Digest initial, StateHash(ToState(task.job->InitialState(init_seed))));
  const bool upheld = initial != hashes.start_hash;
  task.ruled_challenger = challenger;
  VT_RETURN_IF_ERROR(Log("initial_state_ruling", task.id,
                         {{"challenger", challenger},
                          {"committed", hashes.start_hash.Hex()},
                          {"initial_state", initial.Hex()},
                          {"upheld", upheld}}));
  VT_RETURN_IF_ERROR(Transition(
      task, upheld ? TaskEvent::kChallengeUpheld : TaskEvent::kChallengeRejected));
  return Settle(task, upheld ? "challenge upheld: checkpoint 0 is not the task's initial state "
                               "(the arbiter recomputed it)"
                             : "challenge rejected: checkpoint 0 is the task's initial state "
                               "(the arbiter recomputed it)");
}

Status Arbiter::CheckDeadlines() {
  const int64_t now = clock_->NowMs();
  for (auto& [id, task] : tasks_) {
    if (task.machine.done() || !task.assigned || now < task.deadline_ms) continue;
    if (task.machine.state() == TaskState::kTraining) {
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kTrainingDeadline));
      VT_RETURN_IF_ERROR(Settle(task, "the solver posted no trace before the training deadline"));
    } else if (task.machine.state() == TaskState::kVerifying && !task.verdicts.empty()) {
      VT_RETURN_IF_ERROR(Conclude(task));
    } else if (task.machine.state() == TaskState::kVerifying) {
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kVerificationDeadline));
      VT_RETURN_IF_ERROR(Settle(task, "no verifier posted a verdict before the deadline"));
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
      v.verdict = verdict->second.accept ? VerdictKind::kAccept : VerdictKind::kChallenge;
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
  in.jackpot = ledger_.Balance(kJackpotAccount);
  VT_ASSIGN_OR_RETURN(SettlementPlan plan, PlanSettlement(in));
  for (const auto& t : plan.transfers) {
    VT_RETURN_IF_ERROR(Move(t.from, t.to, t.amount.value(), t.reason, task.id));
  }
  // The forced-error draw is public from here on (the secret was revealed
  // with the proof; the solver's instruction only now).
  VT_RETURN_IF_ERROR(Log("forced_error_revealed", task.id, {{"forced", task.forced_error}}));
  nlohmann::json settlement = plan.ToJson();
  settlement["outcome"] = SettlementOutcomeName(in.outcome);
  settlement["forced_error"] = task.forced_error;
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
  VT_RETURN_IF_ERROR(Publish(Pack(settled, task.id)));
  spdlog::info("arbiter: {} settled: {} ({})", task.id, outcome, reason);
  return Log("task_settled", task.id, settled.ToBody());
}

Status Arbiter::OpenDispute(Task& task, const std::string& challenger, int64_t interval,
                            const ChallengedInterval& hashes) {
  Dispute d;
  d.task = task.id;
  d.solver = task.spec.solver;
  d.challenger = challenger;
  d.interval = interval;
  d.opened_ms = clock_->NowMs();
  GameSetup setup;
  setup.first_step = interval * task.spec.checkpoint_interval;
  setup.steps = task.spec.checkpoint_interval;
  setup.arity = task.spec.arity;
  setup.start_hash = hashes.start_hash;
  setup.solver_end_hash = hashes.end_hash;
  setup.clock_ms = static_cast<int64_t>(task.spec.game_clock_s * 1000);
  setup.now_ms = d.opened_ms;
  d.game = std::make_unique<Game>(setup);
  DisputeOpened opened{d.solver,         challenger,         interval,
                       setup.first_step, setup.steps,        setup.arity,
                       setup.clock_ms,   setup.start_hash,   setup.solver_end_hash};
  task.dispute = std::move(d);
  spdlog::info("arbiter: {}: {} disputes interval {} (steps {}..{})", task.id, challenger,
               interval, setup.first_step, setup.first_step + setup.steps);
  VT_RETURN_IF_ERROR(Publish(Pack(opened, task.id)));
  VT_RETURN_IF_ERROR(Log("dispute_opened", task.id, opened.ToBody()));
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
    return Log("game_move_rejected", task->id, {{"from", m.from}, {"reason", why}});
  };
  if (!move.ok()) return refuse(move.status().message());
  if (move->move != d.moves) {
    return refuse("move " + std::to_string(move->move) + " is stale: the game is at move " +
                  std::to_string(d.moves));
  }
  const Party party = d.PartyOf(m.from);
  const int64_t now = clock_->NowMs();
  Status applied;
  if (move->kind == "split_hashes") {
    applied = d.game->state() == GameState::kNodeSplits
                  ? d.game->PostNodeHashes(party, move->hashes, now)
                  : d.game->PostStepHashes(party, move->hashes, now);
  } else if (move->kind == "choose") {
    applied = d.game->ChooseSubRange(party, move->index, now);
  } else {
    applied = d.game->CommitGraph(party, move->nodes, move->outputs_root, move->chain_end, now);
  }
  VT_RETURN_IF_ERROR(Log("game_move", task->id,
                         {{"from", m.from},
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
  VT_RETURN_IF_ERROR(EnsureJob(*task));
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
  ctx.tolerance = task->spec.node_tolerance;
  VT_ASSIGN_OR_RETURN(NodeRuling ruling, ArbitrateNode(*task->job, ctx, *ev));
  d.ruling = ruling;
  VT_RETURN_IF_ERROR(Log("node_ruling", task->id,
                         {{"step", ctx.step},
                          {"node_index", ctx.node},
                          {"node", ruling.node_name},
                          {"solver_correct", ruling.solver_correct},
                          {"reason", ruling.reason},
                          {"node_flops", ruling.node_flops},
                          {"step_flops", ruling.step_flops},
                          {"max_relative_diff", ruling.max_relative_diff},
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

Status Arbiter::AfterMove(Task& task) {
  Dispute& d = *task.dispute;
  // Name the disputed node as soon as the dissection has found it.
  if (d.game->state() == GameState::kEvidence) VT_RETURN_IF_ERROR(EnsureJob(task));
  const GameUpdate update = d.Update();
  VT_RETURN_IF_ERROR(Publish(Pack(update, task.id)));
  VT_RETURN_IF_ERROR(Log("game_update", task.id, update.ToBody()));
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
  Status s = messenger_.Send(events_, m);
  if (!s.ok()) spdlog::warn("arbiter: publishing {}: {}", m.type, s.ToString());
  return Status::Ok();  // a subscriber that cannot keep up is not the arbiter's failure
}

Status Arbiter::Log(const std::string& type, const std::string& task,
                    const nlohmann::json& data) {
  auto r = log_.Append(type, task, data);
  if (!r.ok()) return r.status().WithContext("event log");
  return Status::Ok();
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
  for (const auto& [name, amount] : ledger_.Balances()) out[name] = amount.value();
  return out;
}

}  // namespace veritrain
