// The arbiter's recovery after a crash: its state rebuilt from the event
// log its previous process wrote ahead of every reply and event.
//
// Everything the arbiter decides is in the log or follows from it: the
// ledger from the "transfer" entries; each task's spec, state transitions,
// trace, selected verifiers, verdicts and deadlines from its events; the
// per-task secret (and so the forced-error draw) from the run seed; each
// game by applying the logged moves, rulings and clock checks to a new
// Game at their logged times. Replies the clients may still be waiting for
// (a posted task's id, a game move's acceptance) are rebuilt from the
// logged request ids. The replay is checked against the log before the
// arbiter goes on: each game's state must be the last one it published.
#include <spdlog/spdlog.h>

#include "arbiter/arbiter.h"
#include "core/protocol/duration.h"
#include "core/protocol/task_draws.h"

namespace veritrain {
namespace {

Status Diverged(const Event& e, const std::string& why) {
  return Status::Corruption("event " + std::to_string(e.seq) + " (" + e.type + " of '" + e.task +
                            "'): " + why);
}

}  // namespace

Status Arbiter::Recover(const std::vector<Event>& events) {
  std::vector<LedgerEntry> entries;
  std::map<std::string, nlohmann::json> last_update;  // by task: the last game_update logged
  auto remember = [&](const std::string& from, const nlohmann::json& rid, Message reply) {
    if (!rid.is_number_unsigned() || rid.get<uint64_t>() == 0) return;
    reply.rid = rid.get<uint64_t>();
    RememberReply(from, reply);
  };
  for (const Event& e : events) {
    const nlohmann::json& d = e.data;
    if (e.type == "transfer") {
      VT_ASSIGN_OR_RETURN(LedgerEntry entry, Ledger::EntryFromJson(d));
      entries.push_back(std::move(entry));
      continue;
    }
    if (e.type == "transfer_refused") {
      ++refused_transfers_;
      continue;
    }
    if (e.type == "participant_joined") {
      participants_[d.value("name", std::string())] =
          Participant{d.value("role", std::string()), "", "", e.time_ms, false};
      continue;
    }
    if (e.type == "task_posted") {
      Task t;
      t.id = e.task;
      auto spec = TaskSpec::FromJson(d.value("spec", nlohmann::json::object()));
      if (!spec.ok()) return Diverged(e, spec.status().message());
      t.spec = *spec;
      if (Status d = SetDurations(t.spec, &t); !d.ok()) return Diverged(e, d.message());
      tasks_.emplace(t.id, std::move(t));
      ++next_task_;
      remember(d.value("submitter", submitter_), d.value("rid", nlohmann::json()),
               Pack(Ack{true, "", {{"task", e.task}}}, ""));
      continue;
    }
    // genesis, shutdown, participant_silent, ...; and refused requests,
    // which change nothing (and may name a task that does not exist).
    if (e.task.empty() || e.type == "request_refused") continue;
    auto it = tasks_.find(e.task);
    if (it == tasks_.end()) return Diverged(e, "the task was never posted");
    Task& task = it->second;
    if (e.type == "task_state") {
      VT_ASSIGN_OR_RETURN(TaskEvent ev, ParseTaskEvent(d.value("event", std::string())));
      Status applied = task.machine.Apply(ev);
      if (!applied.ok()) return Diverged(e, applied.message());
    } else if (e.type == "task_assigned") {
      task.assigned = true;
      task.randomness = MakeCommitment(SecretFromSeed(config_.seed, task.id));
      task.forced_error =
          ForcedErrorDrawn(task.randomness.secret, task.spec.economics.forced_error_rate);
      task.deadline_ms = AddMs(e.time_ms, task.training_ms);
      task.published[kAssignedSlot] =
          Pack(TaskAssigned{task.spec, task.randomness.commitment}, task.id);
    } else if (e.type == "trace_committed") {
      auto trace = TraceCommit::FromBody(d.value("body", nlohmann::json::object()));
      if (!trace.ok()) return Diverged(e, trace.status().message());
      task.trace = *trace;
    } else if (e.type == "randomness_revealed") {
      if (!task.trace) return Diverged(e, "revealed before a trace was committed");
      task.published[kProofSlot] = Pack(PostedProof(task), task.id);
    } else if (e.type == "forced_error_settlement") {
      task.forced_round = d;
      task.selected.clear();
      task.verdicts.clear();
      task.challenges.clear();
    } else if (e.type == "forced_error_revealed") {
      // Logged for every task; for a forced error when its verification
      // ended, with the deadline of the solver's real trace.
      if (d.value("forced", false) && task.machine.state() == TaskState::kForcedError) {
        task.deadline_ms = d.value("deadline_ms", e.time_ms);
        task.published[kRevealSlot] =
            Pack(ForcedErrorRevealed{true, task.deadline_ms}, task.id);
      }
    } else if (e.type == "real_trace_revealed") {
      if (!task.trace) return Diverged(e, "a real trace before a trace was committed");
      if (d.value("opens", false)) {
        auto real = RealTrace::FromBody(d.value("body", nlohmann::json::object()));
        if (!real.ok()) return Diverged(e, real.status().message());
        AdoptRealTrace(task, *real);
        task.published[kProofSlot] = Pack(PostedProof(task), task.id);
      }
    } else if (e.type == "verifiers_selected") {
      task.selected = d.value("verifiers", std::vector<std::string>());
      task.deadline_ms = AddMs(e.time_ms, task.verification_ms);
    } else if (e.type == "verdict") {
      auto verdict = Verdict::FromBody(d.value("body", nlohmann::json::object()));
      if (!verdict.ok() || !task.trace) return Diverged(e, "not a verdict on a committed trace");
      const std::string from = d.value("verifier", std::string());
      task.verdicts[from] = *verdict;
      if (!verdict->accept && !verdict->abstain) {
        auto c = CheckChallengeEvidence(*verdict, task.trace->trace_root,
                                        task.trace->num_checkpoints);
        if (!c.ok()) return Diverged(e, c.status().message());
        task.challenges[from] = *c;
      }
    } else if (e.type == "availability_challenge") {
      if (!task.trace) return Diverged(e, "a checkpoint demand before a trace was committed");
      auto opened = task.availability.Open(d.value("challenger", std::string()),
                                           d.value("index", int64_t{-1}),
                                           task.trace->num_checkpoints,
                                           d.value("opened_ms", e.time_ms),
                                           d.value("deadline_ms", e.time_ms));
      if (!opened.ok()) return Diverged(e, opened.status().message());
      const Demand& demand = **opened;
      task.demand_events[demand.index] =
          Pack(CheckpointDemand{task.spec.solver, demand.index, DemandStateName(demand.state),
                                demand.deadline_ms, demand.reason},
               task.id);
    } else if (e.type == "checkpoint_delivered") {
      const int64_t index = d.value("index", int64_t{-1});
      const bool valid = d.value("valid", false);
      auto hash = Digest::FromHex(d.value("state_hash", std::string()));
      auto proof = ProofFromJson(d.value("proof", nlohmann::json::object()), "proof");
      if (!hash || !proof.ok()) return Diverged(e, "a delivery without its hash and proof");
      Status resolved =
          task.availability.Resolve(index, valid, *hash, d.value("error", std::string()));
      if (!resolved.ok()) return Diverged(e, resolved.message());
      if (valid) {
        task.delivered_proofs[index] = *proof;
        const std::string file = d.value("file", std::string());
        if (!file.empty()) task.delivered_files[index] = file;
        task.deadline_ms = std::max(task.deadline_ms, AddMs(e.time_ms, task.verification_ms));
      }
      const Demand& demand = *task.availability.Find(index);
      task.demand_events[index] =
          Pack(CheckpointDemand{task.spec.solver, index, DemandStateName(demand.state),
                                demand.deadline_ms, demand.reason},
               task.id);
    } else if (e.type == "availability_failed") {
      task.withheld_challenger = d.value("challenger", std::string());
      // An expired demand (an invalid delivery was resolved above).
      const Demand* demand = task.availability.Find(d.value("index", int64_t{-1}));
      if (demand == nullptr) return Diverged(e, "no such checkpoint demand");
      if (demand->state == DemandState::kOpen) {
        if (!task.availability.Expire(demand->deadline_ms).has_value()) {
          return Diverged(e, "the demand had not expired");
        }
      }
    } else if (e.type == "initial_state_ruling") {
      task.ruled_challenger = d.value("challenger", std::string());
    } else if (e.type == "dispute_opened") {
      auto opened = DisputeOpened::FromBody(d);
      if (!opened.ok()) return Diverged(e, opened.status().message());
      task.dispute = DisputeFromOpened(task.id, *opened, e.time_ms);
      task.published[kDisputeSlot] = Pack(*opened, task.id);
    } else if (!task.dispute && (e.type == "game_move" || e.type == "game_move_rejected" ||
                                 e.type == "node_ruling" || e.type == "game_update" ||
                                 e.type == "dispute_resolved")) {
      return Diverged(e, "no dispute is open");
    } else if (e.type == "game_move") {
      Dispute& dispute = *task.dispute;
      const std::string from = d.value("from", std::string());
      nlohmann::json body = d.value("body", nlohmann::json::object());
      auto move = GameMove::FromBody(body);
      if (!move.ok()) return Diverged(e, move.status().message());
      const Status applied = ApplyMove(dispute, dispute.PartyOf(from), *move, e.time_ms);
      if (applied.ok() != d.value("accepted", false)) {
        return Diverged(e, "the move was " +
                               std::string(d.value("accepted", false) ? "accepted" : "refused") +
                               " but replays " + (applied.ok() ? "accepted" : "refused"));
      }
      if (!applied.ok() && !dispute.game->resolved()) {
        ++dispute.rejected[from];
      } else {
        ++dispute.moves;
      }
      remember(from, d.value("rid", nlohmann::json()),
               Pack(Ack{applied.ok(), applied.ok() ? "" : applied.message(), {}}, task.id));
    } else if (e.type == "game_move_rejected") {
      ++task.dispute->rejected[d.value("from", std::string())];
    } else if (e.type == "node_ruling") {
      Dispute& dispute = *task.dispute;
      NodeRuling ruling;
      ruling.solver_correct = d.value("solver_correct", false);
      ruling.reason = d.value("reason", std::string());
      ruling.node_name = d.value("node", std::string());
      ruling.node_flops = d.value("node_flops", 0.0);
      ruling.step_flops = d.value("step_flops", 0.0);
      ruling.deviation = DeviationFromJson(d.value("deviation", nlohmann::json(0.0)));
      ruling.tolerance = d.value("tolerance", 0.0);
      ruling.seconds = d.value("timings", nlohmann::json::object()).value("node_seconds", 0.0);
      if (auto h = Digest::FromHex(d.value("arbiter_output_hash", std::string()))) {
        ruling.arbiter_output_hash = *h;
      }
      dispute.ruling = ruling;
      Status ruled = dispute.game->Rule(ruling.solver_correct, ruling.reason, e.time_ms);
      if (!ruled.ok()) return Diverged(e, ruled.message());
      ++dispute.moves;
    } else if (e.type == "game_update") {
      // A clock that ran out shows only as the update that follows it.
      if (task.dispute->game->Tick(e.time_ms)) ++task.dispute->moves;
      auto update = GameUpdate::FromBody(d);
      if (!update.ok()) return Diverged(e, update.status().message());
      task.published[kUpdateSlot] = Pack(*update, task.id);
      last_update[task.id] = d;
    } else if (e.type == "dispute_resolved") {
      task.dispute->resolved_ms = e.time_ms;
    } else if (e.type == "task_settled") {
      auto settled = TaskSettled::FromBody(d);
      if (!settled.ok()) return Diverged(e, settled.status().message());
      task.settled_ms = e.time_ms;
      task.published[kSettledSlot] = Pack(*settled, task.id);
    }
  }
  VT_ASSIGN_OR_RETURN(ledger_, Ledger::Replay(entries));
  VT_RETURN_IF_ERROR(ledger_.CheckConservation());
  // The replayed games must stand where the log says they stood.
  for (auto& [id, task] : tasks_) {
    if (!task.dispute) continue;
    const nlohmann::json replayed = task.dispute->Update().ToBody();
    if (last_update.count(id) == 0 || replayed != last_update.at(id)) {
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
  nlohmann::json states = nlohmann::json::object();
  for (const auto& [id, task] : tasks_) states[id] = TaskStateName(task.machine.state());
  // Settled tasks keep only their outcome, as in a process that never
  // stopped; those settled long ago are forgotten.
  for (auto& [id, task] : tasks_) {
    if (task.machine.done()) ReleaseSettled(task);
  }
  ForgetSettled();
  spdlog::info("arbiter: recovered from {} logged events: {} tasks, ledger head {}",
               events.size(), tasks_.size(), ledger_.head().Hex());
  return Log("arbiter_recovered", "", {{"events", events.size()},
                                       {"tasks", states},
                                       {"ledger_head", ledger_.head().Hex()},
                                       {"replies_rebuilt", replies_.size()}});
}

}  // namespace veritrain
