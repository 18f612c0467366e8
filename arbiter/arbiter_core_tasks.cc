// ArbiterCore (arbiter/arbiter_core.h): a task's life — posting and
// escrow, assignment, the trace, verdicts, the conclusion of verification,
// a forced error's rounds, deadlines, and settlement.
#include <spdlog/spdlog.h>

#include "arbiter/arbiter_core.h"

#include <algorithm>
#include <limits>

#include "arbiter/task_rules.h"
#include "core/protocol/duration.h"
#include "core/protocol/real_trace.h"
#include "core/protocol/task_draws.h"
#include "core/train/node_arbitration.h"

namespace veritrain {

Status ArbiterCore::OnForcedErrorQuery(const Message& m, Ack* reply,
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

Status ArbiterCore::OnHello(const Message& m, const std::string& routing_id, Ack* reply) {
  const std::optional<Hello> hello = BodyOf<Hello>(m, reply);
  if (!hello) return Status::Ok();
  if (participants_.Join(m.from, {hello->role, hello->serve_endpoint, routing_id, Now(), false})) {
    spdlog::info("arbiter: {} joined as {}", m.from, hello->role);
    VT_RETURN_IF_ERROR(Log("", ParticipantJoinedEvent{m.from, hello->role}));
  }
  return AssignReadyTasks();
}

Status ArbiterCore::OnPostTask(const Message& m, Ack* reply) {
  if (m.from != config_.submitter) {
    *reply = Ack{false, "only the submitter may post tasks", {}};
    return Status::Ok();
  }
  const std::optional<PostTask> post = BodyOf<PostTask>(m, reply);
  if (!post) return Status::Ok();
  std::vector<std::string> named = post->spec.verifiers;
  named.push_back(post->spec.solver);
  for (const auto& n : named) {
    if (config_.known.count(n) == 0) {
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
  Status escrow = ledger_.Transfer(config_.submitter, EscrowAccount(id), *held,
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

Status ArbiterCore::AssignReadyTasks() {
  for (auto& [id, task] : tasks_) {
    if (task.assigned()) continue;
    bool ready = participants_.Joined(task.spec.solver);
    for (const auto& v : task.spec.verifiers) ready = ready && participants_.Joined(v);
    if (!ready) continue;
    VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAssigned));
    VT_RETURN_IF_ERROR(Transfer(task.spec.solver, StakeAccount(id, task.spec.solver),
                                task.spec.economics.solver_stake, "solver stake", id));
    AssignTask(task, config_.seed, Now());
    VT_RETURN_IF_ERROR(Log(
        id, TaskAssignedEvent{task.spec.solver, task.spec.verifiers, task.randomness.commitment}));
    const Message assigned = *task.published[kAssignedSlot];
    VT_RETURN_IF_ERROR(Publish(assigned));
  }
  return Status::Ok();
}

Status ArbiterCore::OnTraceCommit(const Message& m, Ack* reply) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<TraceCommit> trace = BodyOf<TraceCommit>(m, reply);
  if (!trace || !FromSolver(task, m, reply)) return Status::Ok();
  if (task.machine.state() != TaskState::kTraining && task.trace) {
    // A solver restarted after committing trains the task again (to serve
    // its checkpoints and its dispute) and commits once more: the trace
    // stays the one committed, but the steps are the task's compute.
    VT_RETURN_IF_ERROR(NoteRecomputed(task, m.from, trace->training));
  }
  if (!InState(task, TaskState::kTraining, "training", reply)) return Status::Ok();
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

int64_t ArbiterCore::MostStepsComputed(const Task& task) {
  // Steps computed are charged as compute cost: at most the task's steps
  // twice over (its training, and once more after a restart), so that a
  // solver's word cannot take a cost beyond what check bounded.
  return 2 * task.spec.steps;
}

Status ArbiterCore::NoteRecomputed(Task& task, const std::string& solver,
                                   const nlohmann::json& training) {
  const nlohmann::json* steps =
      training.is_object() && training.contains("steps_computed") ? &training["steps_computed"]
                                                                   : nullptr;
  if (steps == nullptr || !steps->is_number_integer()) return Status::Ok();
  const int64_t computed = steps->get<int64_t>();
  if (computed <= task.recomputed_steps || computed > MostStepsComputed(task)) return Status::Ok();
  task.recomputed_steps = computed;
  spdlog::info("arbiter: {}: {} committed its trace again, {} steps computed in all", task.id,
               solver, computed);
  return Log(task.id, SolverRecomputedEvent{solver, computed});
}

Status ArbiterCore::DrawVerifiers(Task& task) {
  std::vector<std::string> drawn =
      SelectVerifiers(task.randomness.secret, task.trace->trace_root, task.spec.verifiers,
                      task.spec.economics.verifiers_per_task);
  VT_RETURN_IF_ERROR(Log(task.id, VerifiersSelectedEvent{drawn}));
  for (const auto& v : drawn) {
    VT_RETURN_IF_ERROR(Transfer(v, StakeAccount(task.id, v), task.spec.economics.verifier_stake,
                                "verifier stake", task.id));
  }
  StartVerification(task, std::move(drawn), Now());
  return Status::Ok();
}

Status ArbiterCore::OnTrainingFailed(const Message& m, Ack* reply) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<TrainingFailed> failed = BodyOf<TrainingFailed>(m, reply);
  if (!failed || !FromSolver(task, m, reply) ||
      !InState(task, TaskState::kTraining, "training", reply)) {
    return Status::Ok();
  }
  if (failed->steps_computed > MostStepsComputed(task)) {
    *reply = Ack{false,
                 "steps_computed " + std::to_string(failed->steps_computed) +
                     " is more than twice the task's " + std::to_string(task.spec.steps) +
                     " steps",
                 {}};
    return Status::Ok();
  }
  // The solver's words go into the log and the task's reason: bounded.
  constexpr size_t kMaxReason = 1000;
  std::string why = failed->reason.substr(0, kMaxReason);
  if (failed->reason.size() > kMaxReason) why += "...";
  spdlog::warn("arbiter: {}: the solver gave up: {}", task.id, why);
  VT_RETURN_IF_ERROR(Log(task.id, TrainingFailedEvent{m.from, why, failed->steps_computed}));
  // Settled as at the training deadline, only sooner: giving up is never
  // cheaper for a solver than running out of time.
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kSolverGaveUp));
  return Settle(task, "the solver gave up before the training deadline: " + why);
}

Status ArbiterCore::OnVerdict(const Message& m, Ack* reply) {
  Task* found = TaskOf(m, reply);
  if (found == nullptr) return Status::Ok();
  Task& task = *found;
  const std::optional<Verdict> verdict = BodyOf<Verdict>(m, reply);
  if (!verdict) return Status::Ok();
  std::optional<std::vector<ChallengedInterval>> challenged;
  if (std::string refused = RefuseVerdict(task, m.from, *verdict, &challenged); !refused.empty()) {
    *reply = Ack{false, refused, {}};
    return Status::Ok();
  }
  Verdict taken = *verdict;
  // A challenge is backed by its challenge stake: one its challenger cannot
  // lock would be played for free (a rejected game forfeits nothing) and
  // make the solver defend it all the same. It is taken as an abstention,
  // logged as such, so that a recovery replays the same.
  const Amount stake(task.spec.economics.challenge_stake);
  if (challenged && ledger_.Balance(m.from) < stake) {
    spdlog::warn("arbiter: {}: {} cannot lock its challenge stake; taken as an abstention",
                 task.id, m.from);
    taken.accept = false;
    taken.abstain = true;
    taken.disputed_interval = -1;
    taken.evidence = nlohmann::json::object();
    taken.further.clear();
    taken.reason = kUnfundedChallenge + std::to_string(ledger_.Balance(m.from).value()) +
                   ", less than the challenge stake " + std::to_string(stake.value()) +
                   ", so its challenge (" + verdict->reason.substr(0, 500) + ") is not played";
    challenged.reset();
  }
  task.verdicts[m.from] = taken;
  VT_RETURN_IF_ERROR(Log(task.id, VerdictEvent{m.from, taken}));
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

Status ArbiterCore::Conclude(Task& task) {
  const Conclusion c = ConclusionOf(task);
  switch (c.kind) {
    case Conclusion::kWithheld:
      return Withhold(task, c.reason);
    case Conclusion::kForcedRound:
      return ForcedRound(task);
    case Conclusion::kDispute:
    case Conclusion::kInitialState:
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kChallenge));
      return PlayChallenge(task, c);
    case Conclusion::kAllAbstained:
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAllAbstained));
      return Settle(task, c.reason);
    case Conclusion::kAccepted:
      break;
  }
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kAllAccepted));
  return Settle(task, c.reason);
}

Status ArbiterCore::ForcedRound(Task& task) {
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kForcedErrorRevealed));
  SettlementInput in = SettlementInputOf(task, ledger_, config_.submitter);
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
  task.deadline_ms = AddMs(Now(), task.clock_ms);
  VT_RETURN_IF_ERROR(Log(task.id, ForcedErrorRevealedEvent{true, task.deadline_ms}));
  spdlog::info(
      "arbiter: {}: forced error revealed ({} caught it, {} approved it); "
      "waiting for "
      "the solver's real trace",
      task.id, plan.caught.size(), plan.lazy.size());
  return Publish(Pack(ForcedErrorRevealed{true, task.deadline_ms}, task.id));
}

Status ArbiterCore::OnRealTrace(const Message& m, Ack* reply) {
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
    *reply = Ack{false,
                 "a real trace has " + std::to_string(intervals + 1) +
                     " checkpoints and one update norm per interval",
                 {}};
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

void ArbiterCore::AdoptRealTrace(Task& task, const RealTrace& real) {
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

ProofPosted ArbiterCore::PostedProof(const Task& task) {
  const TraceCommit& t = *task.trace;
  ProofPosted posted{task.spec.solver, t.trace_root,     t.final_state_hash,    t.num_checkpoints,
                     t.update_norms,   t.serve_endpoint, task.randomness.secret};
  posted.real_trace = task.real_round;
  return posted;
}

Status ArbiterCore::RealTraceWithheld(Task& task, const std::string& why) {
  const auto caught = task.forced_round.value("caught", std::vector<std::string>());
  task.withheld_challenger = caught.empty() ? config_.submitter : caught.front();
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kRealTraceWithheld));
  return Settle(task,
                "withheld: the solver did not open the real trace it committed to after "
                "its forced error (" +
                    why + ")");
}

Status ArbiterCore::Tick(int64_t now_ms) {
  At(now_ms);
  // Every deadline is judged at the tick's time, whatever the log stamps
  // on the events the earlier ones write.
  const int64_t now = now_ms;
  for (auto& [id, task] : tasks_) VT_RETURN_IF_ERROR(FireDeadline(task, now));
  for (auto& [id, task] : tasks_) {
    if (task.machine.state() != TaskState::kChallenged || !task.dispute) continue;
    if (task.dispute->game->Tick(now)) {
      ++task.dispute->moves;
      VT_RETURN_IF_ERROR(AfterMove(task));
    }
  }
  return Status::Ok();
}

int64_t ArbiterCore::NextDueMs(int64_t now_ms) const {
  int64_t next = std::numeric_limits<int64_t>::max();
  // Only times still ahead: one already passed that Tick left alone (a
  // verification deadline held back by an open demand) would otherwise
  // wake the loop at once, again and again.
  auto consider = [&](int64_t due) {
    if (due > now_ms) next = std::min(next, due);
  };
  for (const auto& [id, task] : tasks_) {
    if (task.machine.done() || !task.assigned()) continue;
    if (task.machine.state() == TaskState::kChallenged) {
      // The clock of the party to move runs out once more than its time
      // left has passed.
      if (task.dispute && task.dispute->game && !task.dispute->game->resolved()) {
        consider(now_ms + task.dispute->game->TimeLeftForMove(now_ms) + 1);
      }
      continue;
    }
    consider(task.deadline_ms);
    for (const auto& [index, demand] : task.availability.demands()) {
      if (demand.state == DemandState::kOpen) consider(demand.deadline_ms);
    }
  }
  return next;
}

Status ArbiterCore::FireDeadline(Task& task, int64_t now) {
  switch (DueAt(task, now)) {
    case DueAction::kDemands:
      // A demand past its deadline loses the task for the solver, which
      // settles once the other verifiers are done (ReadyToConclude) or
      // the verification deadline passes; while a demand is open,
      // verification does not end.
      if (auto failed = task.availability.Expire(now)) {
        VT_RETURN_IF_ERROR(
            Log(task.id,
                AvailabilityFailedEvent{failed->index, failed->first_challenger, failed->reason}));
        VT_RETURN_IF_ERROR(PublishDemand(task, *failed));
        if (ReadyToConclude(task)) return Conclude(task);
      }
      return Status::Ok();
    case DueAction::kTrainingDeadline:
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kTrainingDeadline));
      return Settle(task, "the solver posted no trace before the training deadline");
    case DueAction::kConclude:
      return Conclude(task);
    case DueAction::kVerificationDeadline:
      VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kVerificationDeadline));
      return Settle(task, "no verifier posted a verdict before the deadline");
    case DueAction::kRealTraceDeadline:
      return RealTraceWithheld(task, "nothing before the reveal deadline");
    case DueAction::kNone:
      break;
  }
  return Status::Ok();
}

Status ArbiterCore::Settle(Task& task, const std::string& reason) {
  const std::string outcome = TaskStateName(task.machine.state());
  const SettlementInput in = SettlementInputOf(task, ledger_, config_.submitter);
  VT_ASSIGN_OR_RETURN(SettlementPlan plan, PlanSettlement(in));
  for (const auto& t : plan.transfers) {
    VT_RETURN_IF_ERROR(Transfer(t.from, t.to, t.amount.value(), t.reason, task.id));
  }
  if (plan.fees_unpaid > Amount(0)) {
    spdlog::warn(
        "arbiter: {}: the jackpot paid {} of the real trace's verifier "
        "fees; {} unpaid (settlement fees_unpaid)",
        task.id, plan.fees_from_jackpot.value(), plan.fees_unpaid.value());
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
  VT_RETURN_IF_ERROR(outbox_->SignHeads(ledger_));
  task.settled_ms = Now();
  spdlog::info("arbiter: {} settled: {} ({})", task.id, outcome, reason);
  VT_RETURN_IF_ERROR(Publish(Pack(settled, task.id)));
  ReleaseSettled(task);
  return Status::Ok();
}

}  // namespace veritrain
