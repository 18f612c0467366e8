// ArbiterCore (arbiter/arbiter_core.h): genesis, the request's way in
// (resends, dispatch, refusals), republishing and silence, and what every
// step writes through the outbox (events, transfers, publications).
#include "arbiter/arbiter_core.h"

#include <spdlog/spdlog.h>

#include "arbiter/task_rules.h"
#include "core/protocol/participant_name.h"

namespace veritrain {

ArbiterCore::ArbiterCore(ArbiterCoreConfig config, ArbiterOutbox* outbox)
    : config_(std::move(config)), outbox_(outbox) {
  config_.settled_republish_ms = std::min(kSettledKeptMs, config_.settled_republish_ms);
}

Status ArbiterCore::Genesis(const nlohmann::json& settings, const std::vector<std::string>& roster,
                            const std::string& public_key_hex,
                            const std::optional<std::string>& manifest_sha256, int64_t now_ms) {
  At(now_ms);
  const int64_t funds = settings.value("submitter_funds", int64_t{0});
  const int64_t participant_funds = settings.value("participant_funds", int64_t{0});
  const int64_t jackpot = settings.value("jackpot_initial", int64_t{0});
  VT_RETURN_IF_ERROR(ledger_.Mint(config_.submitter, Amount(funds), "genesis"));
  // Every participant has an account from the start, so balances list them
  // all; each starts with participant_funds to stake from, or with its own
  // amount in "funds" (a market's pool entries).
  const nlohmann::json funds_by_name = settings.value("funds", nlohmann::json::object());
  for (const auto& name : roster) {
    if (name == config_.name || name == config_.submitter) continue;
    // A participant named like a system account would share its balance.
    VT_RETURN_IF_ERROR(CheckParticipantName(name).WithContext("roster"));
    const int64_t own = funds_by_name.value(name, participant_funds);
    VT_RETURN_IF_ERROR(ledger_.Mint(name, Amount(own), "genesis"));
  }
  VT_RETURN_IF_ERROR(ledger_.Mint(kJackpotAccount, Amount(jackpot), "genesis"));
  VT_RETURN_IF_ERROR(ledger_.Mint(kBurnAccount, Amount(0), "genesis"));
  // The run's manifest (written before the roles start) is bound to the
  // log: its hash is in the first event, which every signed head covers.
  const GenesisEvent genesis{config_.submitter, funds,          participant_funds, jackpot,
                             config_.name,      public_key_hex, manifest_sha256};
  VT_RETURN_IF_ERROR(Log("", genesis));
  for (const auto& e : ledger_.entries()) VT_RETURN_IF_ERROR(Log("", TransferEvent{e}));
  return Status::Ok();
}

bool ArbiterCore::IsRequest(const std::string& type) {
  static const std::set<std::string, std::less<>> kRequests = {Hello::kType,
                                                               PostTask::kType,
                                                               TraceCommit::kType,
                                                               Verdict::kType,
                                                               GameMove::kType,
                                                               NodeEvidence::kType,
                                                               ForcedErrorQuery::kType,
                                                               Goodbye::kType,
                                                               Shutdown::kType,
                                                               Heartbeat::kType,
                                                               TrainingFailed::kType,
                                                               AvailabilityChallenge::kType,
                                                               CheckpointDelivery::kType,
                                                               RealTrace::kType};
  return kRequests.count(type) > 0;
}

const ArbiterTask* ArbiterCore::task(const std::string& id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : &it->second;
}

void ArbiterCore::Republish(int64_t now, const std::function<void(const Message&)>& send) const {
  for (const auto& [id, task] : tasks_) {
    const bool settled = task.machine.done();
    // A settled task's outcome is repeated for a while (the submitter waits
    // for it); an open task's latest events until it settles.
    if (settled && now - task.settled_ms > config_.settled_republish_ms) continue;
    for (int slot = settled ? kSettledSlot : 0; slot < kSlots; ++slot) {
      if (task.published[slot]) send(*task.published[slot]);
    }
    for (const auto& [index, event] : task.demand_events) send(event);
  }
}

Status ArbiterCore::CheckSilence(int64_t now_ms) {
  At(now_ms);
  for (const auto& [name, silent_ms] : participants_.NewlySilent(now_ms, config_.silence_ms)) {
    spdlog::warn("arbiter: nothing from {} for {} ms", name, silent_ms);
    VT_RETURN_IF_ERROR(Log("", ParticipantSilentEvent{name, silent_ms}));
  }
  return Status::Ok();
}

Result<ArbiterReply> ArbiterCore::Handle(const Message& m, const std::string& routing_id,
                                         int64_t bytes, int64_t now_ms) {
  At(now_ms);
  if (participants_.Heard(m.from, Now())) {
    spdlog::info("arbiter: {} is back", m.from);
    VT_RETURN_IF_ERROR(Log("", ParticipantReturnedEvent{m.from}));
  }
  if (m.type == Heartbeat::kType) return ArbiterReply{};  // alive; no reply
  // Deadlines and game clocks that passed before this message are judged
  // first: a verdict or a move that comes after its deadline is late
  // however soon the serving loop would have got to the deadline.
  VT_RETURN_IF_ERROR(Tick(now_ms));
  if (m.type == Goodbye::kType) participants_.Left(m.from);
  if (m.rid != 0) {
    // A resent request: answered again, handled once.
    if (const Message* cached = replies_.Find(m.from, m.rid)) {
      ++repeated_requests_;
      return ArbiterReply{*cached, false};
    }
  }
  Ack reply;
  std::optional<Message> answer;  // a reply other than an ack
  VT_RETURN_IF_ERROR(Dispatch(m, routing_id, bytes, &reply, &answer));
  if (!reply.ok) VT_RETURN_IF_ERROR(LogRefusal(m, reply.error));
  Message out = answer ? *std::move(answer) : Pack(reply, m.task);
  out.rid = m.rid;
  // A relayed checkpoint is not kept for resends (memory): a resend is
  // handled again, and counted against the relay limit.
  if (m.rid != 0 && out.tensors.empty()) replies_.Remember(m.from, out);
  return ArbiterReply{std::move(out), reply.ok};
}

Status ArbiterCore::Dispatch(const Message& m, const std::string& routing_id, int64_t bytes,
                             Ack* reply, std::optional<Message>* answer) {
  if (m.type == Hello::kType) return OnHello(m, routing_id, reply);
  if (m.type == PostTask::kType) return OnPostTask(m, reply);
  if (m.type == TraceCommit::kType) return OnTraceCommit(m, reply);
  if (m.type == Verdict::kType) return OnVerdict(m, reply);
  if (m.type == GameMove::kType) return OnGameMove(m, bytes, reply);
  if (m.type == NodeEvidence::kType) return OnNodeEvidence(m, bytes, reply);
  if (m.type == ForcedErrorQuery::kType) return OnForcedErrorQuery(m, reply, answer);
  if (m.type == TrainingFailed::kType) return OnTrainingFailed(m, reply);
  if (m.type == AvailabilityChallenge::kType) return OnAvailabilityChallenge(m, reply, answer);
  if (m.type == CheckpointDelivery::kType) return OnCheckpointDelivery(m, reply);
  if (m.type == RealTrace::kType) return OnRealTrace(m, reply);
  if (m.type == Shutdown::kType) {
    if (m.from != config_.submitter) {
      *reply = Ack{false, "only the submitter may shut the run down", {}};
    } else {
      shutting_down_ = true;
    }
    return Status::Ok();
  }
  // A goodbye is acknowledged (noted in Handle, also when resent); the
  // server passes only requests.
  if (m.type != Goodbye::kType) {
    *reply = Ack{false, "a " + m.type + " message is not a request the arbiter handles", {}};
  }
  return Status::Ok();
}

Status ArbiterCore::LogRefusal(const Message& m, const std::string& error) {
  const LogLimiter::Decision d = refusal_log_.Note(m.from, Now());
  if (d.log) {
    spdlog::warn("arbiter: refused {} from {}: {}", m.type, m.from, error);
  } else if (d.unlogged > 0) {
    spdlog::warn(
        "arbiter: refused {} more requests from {} without logging each ({} in "
        "all)",
        d.unlogged, m.from, refusal_log_.count(m.from));
  }
  // A participant's signed request: recorded, whoever sends how many.
  return Log(m.task, RequestRefusedEvent{m.type, m.from, error});
}

ArbiterCore::Task* ArbiterCore::TaskOf(const Message& m, Ack* reply) {
  auto it = tasks_.find(m.task);
  if (it != tasks_.end()) return &it->second;
  *reply = Ack{false, NoSuchTask(m.task), {}};
  return nullptr;
}

bool ArbiterCore::FromSolver(const Task& task, const Message& m, Ack* reply) {
  if (m.from == task.spec.solver) return true;
  *reply = Ack{false, m.from + " is not the solver of " + m.task, {}};
  return false;
}

bool ArbiterCore::InState(const Task& task, TaskState want, const char* doing, Ack* reply) {
  // Past training, a task has its trace (checked too: the handlers use it).
  if (task.machine.state() == want && (want == TaskState::kTraining || task.trace)) return true;
  *reply = Ack{
      false, std::string("task is ") + TaskStateName(task.machine.state()) + ", not " + doing, {}};
  return false;
}

void ArbiterCore::ReleaseSettled(Task& task) {
  // Nothing can change a settled task: no verdict, move or deadline is
  // taken any more. Only its outcome is still republished.
  task.job.reset();
  task.dispute.reset();
  task.trace.reset();
  task.verdicts.clear();
  task.challenges.clear();
  task.rejected.clear();
  task.forfeited.clear();
  task.selected.clear();
  for (int slot = 0; slot < kSettledSlot; ++slot) task.published[slot].reset();
  // The book (a few small records) stays: a verifier that asked learns
  // how its demand ended.
  task.delivered.clear();
  task.delivered_proofs.clear();
  task.demand_events.clear();
}

void ArbiterCore::ForgetSettled(int64_t now) {
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    const Task& task = it->second;
    if (task.machine.done() && now - task.settled_ms > kSettledKeptMs) {
      forgotten_.insert(it->first);
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string ArbiterCore::NoSuchTask(const std::string& id) const {
  if (forgotten_.count(id) > 0) return "task '" + id + "' is settled";
  return "unknown task '" + id + "'";
}

Status ArbiterCore::Transfer(const std::string& from, const std::string& to, int64_t amount,
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

Status ArbiterCore::Publish(const Message& m) {
  auto task = tasks_.find(m.task);
  if (!m.task.empty() && task != tasks_.end()) {
    static const std::map<std::string, TaskSlot> kSlotOf = {
        {TaskAssigned::kType, kAssignedSlot},      {ProofPosted::kType, kProofSlot},
        {DisputeOpened::kType, kDisputeSlot},      {GameUpdate::kType, kUpdateSlot},
        {ForcedErrorRevealed::kType, kRevealSlot}, {TaskSettled::kType, kSettledSlot}};
    auto slot = kSlotOf.find(m.type);
    if (slot != kSlotOf.end()) task->second.published[slot->second] = m;
  }
  outbox_->Publish(m);
  return Status::Ok();
}

Status ArbiterCore::Append(const std::string& type, const std::string& task,
                           const nlohmann::json& data) {
  VT_ASSIGN_OR_RETURN(int64_t stamped, outbox_->Append(type, task, data));
  At(stamped);
  return Status::Ok();
}

Status ArbiterCore::Transition(Task& task, TaskEvent e) {
  const TaskState before = task.machine.state();
  VT_RETURN_IF_ERROR(task.machine.Apply(e).WithContext(task.id));
  return Log(task.id, TaskStateEvent{TaskStateName(before), TaskEventName(e),
                                     TaskStateName(task.machine.state())});
}

nlohmann::json ArbiterCore::BalancesJson() const {
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
