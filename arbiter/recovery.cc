// The arbiter's recovery after a crash: its state rebuilt from the event
// log its previous process wrote ahead of every reply and event.
//
// Everything the arbiter decides is in the log or follows from it: the
// ledger from the "transfer" entries; each task's spec, state transitions,
// trace, selected verifiers, verdicts and deadlines from its events; the
// per-task secret (and so the forced-error draw) from the run seed; each
// game by applying the logged moves, rulings and clock checks to a new
// Game at their logged times (a task whose challenges are played in turn
// has one dispute_opened ... dispute_resolved run per game; the rejected
// ones are noted as the live path notes them). Replies the clients may
// still be waiting for (a posted task's id, a game move's acceptance) are
// rebuilt from the logged request ids. The replay is checked against the log before the
// arbiter goes on: each game's state must be the last one it published.
// Every event is read through its type in core/protocol/events.h: a
// malformed one stops the recovery, naming the event.
#include <spdlog/spdlog.h>

#include "arbiter/arbiter_core.h"
#include "arbiter/task_rules.h"
#include "core/protocol/duration.h"
#include "core/protocol/events.h"
#include "core/protocol/task_draws.h"
#include "core/train/node_compare.h"

namespace veritrain {
namespace {

Status Diverged(const Event& e, const std::string& why) {
  return Status::Corruption("event " + std::to_string(e.seq) + " (" + e.type + " of '" + e.task +
                            "'): " + why);
}

// The data of `e` read as an E, or Corruption naming the event.
template <class E>
Result<E> Read(const Event& e) {
  auto r = E::FromJson(e.data);
  if (!r.ok()) return Diverged(e, r.status().message());
  return r;
}

}  // namespace

// What the replay carries from one event to the next.
struct ArbiterCore::Replay {
  std::vector<LedgerEntry> entries;
  std::map<std::string, nlohmann::json> last_update;  // by task: the last game_update logged
};

void ArbiterCore::RememberLoggedReply(const std::string& from, uint64_t rid, Message reply) {
  if (rid == 0) return;
  reply.rid = rid;
  replies_.Remember(from, reply);
}

Status ArbiterCore::Recover(const std::vector<Event>& events, int64_t now_ms) {
  At(now_ms);
  Replay replay;
  for (const Event& e : events) VT_RETURN_IF_ERROR(ReplayEvent(e, replay));
  participants_.Restarted(Now());
  VT_ASSIGN_OR_RETURN(ledger_, Ledger::Replay(replay.entries));
  VT_RETURN_IF_ERROR(ledger_.CheckConservation());
  // The replayed games must stand where the log says they stood.
  for (auto& [id, task] : tasks_) {
    if (!task.dispute) continue;
    const nlohmann::json replayed = task.dispute->Update().ToBody();
    if (replay.last_update.count(id) == 0 || replayed != replay.last_update.at(id)) {
      return Status::Corruption("replaying the dispute on " + id + " gives " + replayed.dump() +
                                ", not the last update logged");
    }
    const GameState s = task.dispute->game->state();
    // The job names and evaluates the disputed node; a settled task needs
    // neither (its data would be loaded for nothing).
    if ((s == GameState::kEvidence || s == GameState::kResolved) && !task.machine.done()) {
      VT_RETURN_IF_ERROR(EnsureJob(task));
    }
  }
  ArbiterRecoveredEvent recovered;
  recovered.events = events.size();
  for (const auto& [id, task] : tasks_) recovered.tasks[id] = TaskStateName(task.machine.state());
  // Settled tasks keep only their outcome, as in a process that never
  // stopped; those settled long ago are forgotten.
  for (auto& [id, task] : tasks_) {
    if (task.machine.done()) ReleaseSettled(task);
  }
  ForgetSettled(Now());
  spdlog::info("arbiter: recovered from {} logged events: {} tasks, ledger head {}",
               events.size(), tasks_.size(), ledger_.head().Hex());
  recovered.ledger_head = ledger_.head().Hex();
  recovered.replies_rebuilt = replies_.size();
  return Log("", recovered);
}

Status ArbiterCore::ReplayEvent(const Event& e, Replay& replay) {
  if (e.type == TransferEvent::kType) {
    VT_ASSIGN_OR_RETURN(TransferEvent t, Read<TransferEvent>(e));
    replay.entries.push_back(std::move(t.entry));
    return Status::Ok();
  }
  if (e.type == TransferRefusedEvent::kType) {
    ++refused_transfers_;
    return Status::Ok();
  }
  if (e.type == ParticipantJoinedEvent::kType) {
    VT_ASSIGN_OR_RETURN(ParticipantJoinedEvent joined, Read<ParticipantJoinedEvent>(e));
    participants_.Join(joined.name, {joined.role, "", "", e.time_ms, false});
    return Status::Ok();
  }
  if (e.type == ParticipantSilentEvent::kType) {
    VT_ASSIGN_OR_RETURN(ParticipantSilentEvent silent, Read<ParticipantSilentEvent>(e));
    participants_.MarkSilent(silent.name);
    return Status::Ok();
  }
  if (e.type == ParticipantReturnedEvent::kType) {
    VT_ASSIGN_OR_RETURN(ParticipantReturnedEvent back, Read<ParticipantReturnedEvent>(e));
    participants_.Heard(back.name, e.time_ms);
    return Status::Ok();
  }
  if (e.type == TaskPostedEvent::kType) {
    VT_ASSIGN_OR_RETURN(TaskPostedEvent posted, Read<TaskPostedEvent>(e));
    Task t;
    t.id = e.task;
    t.spec = posted.spec;
    if (Status d = SetDurations(t.spec, &t); !d.ok()) return Diverged(e, d.message());
    tasks_.emplace(t.id, std::move(t));
    ++next_task_;
    RememberLoggedReply(posted.submitter, posted.rid, Pack(Ack{true, "", {{"task", e.task}}}, ""));
    return Status::Ok();
  }
  // genesis, shutdown, participant_silent, ...; and refused requests,
  // which change nothing (and may name a task that does not exist).
  if (e.task.empty() || e.type == RequestRefusedEvent::kType) return Status::Ok();
  auto it = tasks_.find(e.task);
  if (it == tasks_.end()) return Diverged(e, "the task was never posted");
  Task& task = it->second;
  if (e.type == DisputeOpenedEvent::kType || e.type == GameMoveEvent::kType ||
      e.type == GameMoveRejectedEvent::kType || e.type == NodeRulingEvent::kType ||
      e.type == GameUpdateEvent::kType || e.type == DisputeResolvedEvent::kType) {
    return ReplayGameEvent(e, task, replay);
  }
  if (e.type == AvailabilityChallengeEvent::kType ||
      e.type == CheckpointDeliveredEvent::kType || e.type == AvailabilityFailedEvent::kType) {
    return ReplayDemandEvent(e, task);
  }
  return ReplayTaskEvent(e, task);
}

Status ArbiterCore::ReplayTaskEvent(const Event& e, Task& task) {
  if (e.type == TaskStateEvent::kType) {
    VT_ASSIGN_OR_RETURN(TaskStateEvent s, Read<TaskStateEvent>(e));
    VT_ASSIGN_OR_RETURN(TaskEvent ev, ParseTaskEvent(s.event));
    Status applied = task.machine.Apply(ev);
    if (!applied.ok()) return Diverged(e, applied.message());
  } else if (e.type == TaskAssignedEvent::kType) {
    AssignTask(task, config_.seed, e.time_ms);
  } else if (e.type == TraceCommittedEvent::kType) {
    VT_ASSIGN_OR_RETURN(TraceCommittedEvent committed, Read<TraceCommittedEvent>(e));
    task.trace = committed.body;
  } else if (e.type == RandomnessRevealedEvent::kType) {
    if (!task.trace) return Diverged(e, "revealed before a trace was committed");
    task.published[kProofSlot] = Pack(PostedProof(task), task.id);
  } else if (e.type == ForcedErrorSettlementEvent::kType) {
    VT_ASSIGN_OR_RETURN(ForcedErrorSettlementEvent round, Read<ForcedErrorSettlementEvent>(e));
    task.forced_round = round.ToJson();
    EndPostedRound(task);
  } else if (e.type == ForcedErrorRevealedEvent::kType) {
    VT_ASSIGN_OR_RETURN(ForcedErrorRevealedEvent revealed, Read<ForcedErrorRevealedEvent>(e));
    // Logged for every task; for a forced error when its verification
    // ended, with the deadline of the solver's real trace.
    if (revealed.forced && task.machine.state() == TaskState::kForcedError) {
      task.deadline_ms = revealed.deadline_ms.value_or(e.time_ms);
      task.published[kRevealSlot] = Pack(ForcedErrorRevealed{true, task.deadline_ms}, task.id);
    }
  } else if (e.type == RealTraceRevealedEvent::kType) {
    if (!task.trace) return Diverged(e, "a real trace before a trace was committed");
    VT_ASSIGN_OR_RETURN(RealTraceRevealedEvent real, Read<RealTraceRevealedEvent>(e));
    if (real.opens) {
      AdoptRealTrace(task, real.body);
      task.published[kProofSlot] = Pack(PostedProof(task), task.id);
    }
  } else if (e.type == VerifiersSelectedEvent::kType) {
    VT_ASSIGN_OR_RETURN(VerifiersSelectedEvent selected, Read<VerifiersSelectedEvent>(e));
    StartVerification(task, selected.verifiers, e.time_ms);
  } else if (e.type == VerdictEvent::kType) {
    VT_ASSIGN_OR_RETURN(VerdictEvent verdict, Read<VerdictEvent>(e));
    if (!task.trace) return Diverged(e, "not a verdict on a committed trace");
    task.verdicts[verdict.verifier] = verdict.body;
    if (!verdict.body.accept && !verdict.body.abstain) {
      auto c = CheckChallengeEvidence(verdict.body, task.trace->trace_root,
                                      task.trace->num_checkpoints);
      if (!c.ok()) return Diverged(e, c.status().message());
      task.challenges[verdict.verifier] = *c;
    }
  } else if (e.type == InitialStateRulingEvent::kType) {
    VT_ASSIGN_OR_RETURN(InitialStateRulingEvent ruling, Read<InitialStateRulingEvent>(e));
    StartRuling(task, ruling.challenger);
    if (!ruling.upheld) NoteRejected(task, ruling.challenger);
  } else if (e.type == TaskSettledEvent::kType) {
    VT_ASSIGN_OR_RETURN(TaskSettledEvent settled, Read<TaskSettledEvent>(e));
    task.settled_ms = e.time_ms;
    task.published[kSettledSlot] = Pack(settled.settled, task.id);
  }
  return Status::Ok();
}

Status ArbiterCore::ReplayDemandEvent(const Event& e, Task& task) {
  if (!task.trace) return Diverged(e, "a checkpoint demand before a trace was committed");
  if (e.type == AvailabilityChallengeEvent::kType) {
    VT_ASSIGN_OR_RETURN(AvailabilityChallengeEvent c, Read<AvailabilityChallengeEvent>(e));
    auto opened = task.availability.Open(
        c.challenger, c.index, task.trace->num_checkpoints,
        DemandsPerVerifier(task.spec.top_q, task.spec.random_samples, task.trace->num_checkpoints),
        c.opened_ms, c.deadline_ms);
    if (!opened.ok()) return Diverged(e, opened.status().message());
    NoteDemand(task, **opened);
  } else if (e.type == CheckpointDeliveredEvent::kType) {
    VT_ASSIGN_OR_RETURN(CheckpointDeliveredEvent d, Read<CheckpointDeliveredEvent>(e));
    Status resolved = task.availability.Resolve(d.index, d.valid, d.state_hash, d.error);
    if (!resolved.ok()) return Diverged(e, resolved.message());
    if (d.valid) NoteDelivery(task, d.index, d.proof, d.file, e.time_ms);
    NoteDemand(task, *task.availability.Find(d.index));
  } else if (e.type == AvailabilityFailedEvent::kType) {
    VT_ASSIGN_OR_RETURN(AvailabilityFailedEvent failed, Read<AvailabilityFailedEvent>(e));
    // Who wins is read from the demands at settlement (WithheldChallengers).
    // An expired demand (an invalid delivery was resolved above).
    const Demand* demand = task.availability.Find(failed.index);
    if (demand == nullptr) return Diverged(e, "no such checkpoint demand");
    if (demand->state == DemandState::kOpen &&
        !task.availability.Expire(demand->deadline_ms).has_value()) {
      return Diverged(e, "the demand had not expired");
    }
    // Republished as failed: the task may wait for other verifiers before
    // it settles.
    NoteDemand(task, *task.availability.Find(failed.index));
  }
  return Status::Ok();
}

Status ArbiterCore::ReplayGameEvent(const Event& e, Task& task, Replay& replay) {
  if (e.type == DisputeOpenedEvent::kType) {
    VT_ASSIGN_OR_RETURN(DisputeOpenedEvent opened, Read<DisputeOpenedEvent>(e));
    if (opened.opened.game != NextGameNumber(task)) {
      return Diverged(e, "game " + std::to_string(opened.opened.game) + " replays as game " +
                             std::to_string(NextGameNumber(task)));
    }
    task.dispute = DisputeFromOpened(task.id, opened.opened, e.time_ms);
    task.published[kDisputeSlot] = Pack(opened.opened, task.id);
    return Status::Ok();
  }
  if (!task.dispute) return Diverged(e, "no dispute is open");
  Dispute& dispute = *task.dispute;
  if (e.type == GameMoveEvent::kType) {
    VT_ASSIGN_OR_RETURN(GameMoveEvent logged, Read<GameMoveEvent>(e));
    dispute.bytes[logged.from] += logged.bytes;
    const Status applied = ApplyGameMove(dispute, dispute.PartyOf(logged.from), logged.body, e.time_ms);
    if (applied.ok() != logged.accepted) {
      return Diverged(e, "the move was " + std::string(logged.accepted ? "accepted" : "refused") +
                             " but replays " + (applied.ok() ? "accepted" : "refused"));
    }
    if (!applied.ok() && !dispute.game->resolved()) {
      ++dispute.rejected[logged.from];
    } else {
      ++dispute.moves;
    }
    RememberLoggedReply(logged.from, logged.rid,
                        Pack(Ack{applied.ok(), applied.ok() ? "" : applied.message(), {}},
                             task.id));
  } else if (e.type == GameMoveRejectedEvent::kType) {
    VT_ASSIGN_OR_RETURN(GameMoveRejectedEvent rejected, Read<GameMoveRejectedEvent>(e));
    dispute.bytes[rejected.from] += rejected.bytes;
    ++dispute.rejected[rejected.from];
  } else if (e.type == NodeRulingEvent::kType) {
    VT_ASSIGN_OR_RETURN(NodeRulingEvent r, Read<NodeRulingEvent>(e));
    dispute.bytes[task.spec.solver] += r.evidence_bytes;
    NodeRuling ruling;
    ruling.solver_correct = r.solver_correct;
    ruling.evaluated = r.evaluated;
    ruling.reason = r.reason;
    ruling.node_name = r.node;
    ruling.node_flops = r.node_flops;
    ruling.step_flops = r.step_flops;
    ruling.deviation = DeviationFromJson(r.deviation);
    ruling.tolerance = r.tolerance;
    ruling.tolerance_mode = task.spec.mode == "tolerance";
    ruling.seconds = r.node_seconds;
    ruling.arbiter_output_hash = r.arbiter_output_hash;
    dispute.ruling = ruling;
    Status ruled = dispute.game->Rule(ruling.solver_correct, ruling.reason, e.time_ms);
    if (!ruled.ok()) return Diverged(e, ruled.message());
    ++dispute.moves;
  } else if (e.type == GameUpdateEvent::kType) {
    // A clock that ran out shows only as the update that follows it.
    if (dispute.game->Tick(e.time_ms)) ++dispute.moves;
    VT_ASSIGN_OR_RETURN(GameUpdateEvent update, Read<GameUpdateEvent>(e));
    task.published[kUpdateSlot] = Pack(update.update, task.id);
    replay.last_update[task.id] = e.data;
  } else if (e.type == DisputeResolvedEvent::kType) {
    if (!dispute.game->resolved()) return Diverged(e, "the game replays unresolved");
    dispute.resolved_ms = e.time_ms;
    // The solver won: the next challenge of the trace (if any) is played
    // next, as the dispute_opened that follows in the log says.
    if (dispute.game->winner() != Party::kChallenger) {
      NoteRejected(task, dispute.challenger, dispute.game->ruled());
    }
  }
  return Status::Ok();
}

}  // namespace veritrain
