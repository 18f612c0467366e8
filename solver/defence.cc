// The solver's side of the challenge game.
#include <spdlog/spdlog.h>

#include "core/protocol/game_order.h"
#include "core/state/checkpoint_file.h"
#include "core/state/state_hash.h"
#include "core/train/allocator_tuning.h"
#include "solver/solver.h"

namespace veritrain {

Status Solver::OnDisputeOpened(const std::string& task, const DisputeOpened& d) {
  auto it = traces_.find(task);
  if (it == traces_.end()) return Status::Ok();
  // The same game again (republished) or an earlier one (a late event of a
  // game that is over) changes nothing. A later game is the task's next:
  // the challenges of a trace are played one after another
  // (docs/protocol.md), and the one defended so far was rejected.
  auto held = defences_.find(task);
  const std::optional<int64_t> defended =
      held != defences_.end() ? std::optional<int64_t>(held->second.game) : std::nullopt;
  if (SolverOnOpenedOf(defended, d.game) == SolverOnOpened::kIgnore) return Status::Ok();
  if (held != defences_.end()) {
    spdlog::info("solver {}: the game on {} against {} is over; {} challenges next (game {})",
                 config_.name, task, held->second.challenger, d.challenger, d.game);
    defences_.erase(held);
  }
  Trace& trace = it->second;
  if (d.interval < 0 || d.interval + 1 >= static_cast<int64_t>(trace.files.size())) {
    spdlog::warn("solver: dispute on {} names interval {} outside the trace", task, d.interval);
    return Status::Ok();
  }
  // Recompute the interval from the agreed checkpoint exactly as it was
  // trained: states as the game asks for them, hashes at its split points
  // (core/train/trajectory.h). The checkpoint's tensors are views into the
  // mapped file, not copies.
  auto ckpt = ReadCheckpoint(trace.files[d.interval]);
  if (!ckpt.ok()) {
    spdlog::error("solver: cannot read checkpoint {}: {}", d.interval, ckpt.status().ToString());
    return Status::Ok();
  }
  Defence defence;
  defence.challenger = d.challenger;
  defence.game = d.game;
  defence.first_step = d.first_step;
  // Verified once here; mapped again (its manifest's hash checked) when
  // the game goes back to it, rather than held beside the states computed
  // (core/train/trajectory.h).
  const std::string path = trace.files[d.interval];
  const Digest start_hash = ckpt->state_hash;
  ckpt = Status::NotFound("let go");
  auto load_start = [path, start_hash]() -> Result<TensorMap> {
    VT_ASSIGN_OR_RETURN(Checkpoint mapped, MapCheckpoint(path));
    if (mapped.state_hash != start_hash) {
      return Status::Corruption(path + " no longer holds state " + start_hash.Hex());
    }
    return ViewState(mapped.state);
  };
  const TrainingJob& job = *trace.job;
  auto step = [this, &job](const TensorMap& from) -> Result<TensorMap> {
    VT_ASSIGN_OR_RETURN(TensorMap next, behaviour_->Step(job, from));
    VT_RETURN_IF_ERROR(link_.Tick());  // resends pending requests while recomputing
    return next;
  };
  defence.trajectory = Trajectory(load_start, d.steps, step, start_hash);
  VT_ASSIGN_OR_RETURN(Digest end_hash, defence.trajectory.Hash(defence.trajectory.size() - 1));
  if (end_hash != d.solver_end_hash) {
    spdlog::warn("solver: recomputing interval {} does not reproduce its own trace", d.interval);
  }
  spdlog::info("solver {}: defending interval {} of {} against {}", config_.name, d.interval,
               task, d.challenger);
  defences_[task] = std::move(defence);
  ReleaseFreedMemory();  // the interval's steps (allocator_tuning.h)
  crash_.Reached("dispute", 0);
  return Status::Ok();
}

Status Solver::OnGameUpdate(const std::string& task, const GameUpdate& u) {
  Defence& defence = defences_.at(task);
  // Another game of the task (one already over, or the next one before its
  // dispute_opened has arrived): not the one defended.
  if (!IsUpdateOfGame(defence.game, u.game) || u.challenger != defence.challenger) {
    return Status::Ok();
  }
  if (u.graph_nodes > 0 && u.disputed_step >= 0) defence.committed_step = u.disputed_step;
  if (u.to_move != "solver" || u.move <= defence.answered) return Status::Ok();
  defence.answered = u.move;
  if (!behaviour_->AnswersGameMove(u.move)) {
    spdlog::info("solver {}: not answering move {} of the dispute on {}", config_.name, u.move,
                 task);
    return Status::Ok();
  }
  auto reply = AnswerMove(task, defence, u);
  if (!reply.ok()) {
    spdlog::error("solver: answering move {} on {}: {}", u.move, task, reply.status().ToString());
    return Status::Ok();
  }
  VT_ASSIGN_OR_RETURN(const uint64_t rid, link_.Request(*reply));
  crash_.ReachedOnceAnswered("dispute", ++moves_answered_[task], link_, rid,
                             [this](const Message& m) { OnDirect(m); });
  return Status::Ok();
}

Result<Message> Solver::AnswerMove(const std::string& task, Defence& defence,
                                   const GameUpdate& u) {
  const Trace& trace = traces_.at(task);
  GameMove move;
  move.move = u.move;
  if (u.state == "step_splits") {
    move.kind = "split_hashes";
    for (int64_t p : u.positions) {
      if (p < 0 || p >= static_cast<int64_t>(defence.trajectory.size())) {
        return Status::InvalidArgument("split position " + std::to_string(p) + " is outside");
      }
      VT_ASSIGN_OR_RETURN(Digest h, defence.trajectory.Hash(static_cast<size_t>(p)));
      move.hashes.push_back(h);
    }
    return Pack(move, task);
  }
  if (u.state != "graph_commit" && u.state != "node_splits" && u.state != "evidence") {
    return Status::InvalidArgument("nothing to answer in state " + u.state);
  }
  VT_ASSIGN_OR_RETURN(const StepTranscript* t, RecordedStep(trace, defence, u.disputed_step));
  if (u.state == "graph_commit") {
    move.kind = "graph_commit";
    move.nodes = static_cast<int64_t>(t->output_hashes.size());
    move.outputs_root = t->outputs_root;
    move.chain_end = t->chain.back();
    return Pack(move, task);
  }
  if (u.state == "node_splits") {
    move.kind = "split_hashes";
    for (int64_t p : u.positions) {
      if (p < 0 || p >= static_cast<int64_t>(t->chain.size())) {
        return Status::InvalidArgument("chain position " + std::to_string(p) + " is outside");
      }
      move.hashes.push_back(t->chain[p]);
    }
    return Pack(move, task);
  }
  VT_ASSIGN_OR_RETURN(NodeEvidence ev, BuildNodeEvidence(*trace.job, *t, u.disputed_node,
                                                         trace.spec.mode == "tolerance"));
  ev.move = u.move;
  return Pack(ev, task);
}

Result<const StepTranscript*> Solver::RecordedStep(const Trace& trace, Defence& defence,
                                                   int64_t step) {
  if (defence.transcript && defence.transcript->step == step) return &*defence.transcript;
  const int64_t rel = step - defence.first_step;
  if (rel < 0 || rel >= static_cast<int64_t>(defence.trajectory.size()) - 1) {
    return Status::InvalidArgument("step " + std::to_string(step) +
                                   " is outside the disputed interval");
  }
  defence.transcript.reset();  // one recorded step held at a time
  VT_ASSIGN_OR_RETURN(TensorMap before, defence.trajectory.State(static_cast<size_t>(rel)));
  VT_ASSIGN_OR_RETURN(StepTranscript t, RecordStep(*trace.job, before, behaviour_->Hook(step)));
  defence.transcript = std::move(t);
  return &*defence.transcript;
}

Result<DisputeData> Solver::DisputeDataFor(const std::string& task, const std::string& from,
                                           const FetchDisputeData& fetch) {
  auto it = defences_.find(task);
  if (it == defences_.end()) {
    return Status::FailedPrecondition("no dispute is open on task '" + task + "'");
  }
  Defence& defence = it->second;
  if (from != defence.challenger) {
    return Status::FailedPrecondition(from + " is not the challenger of the dispute on " + task);
  }
  DisputeData data;
  data.what = fetch.what;
  data.position = fetch.position;
  data.step = fetch.step;
  if (fetch.what == FetchDisputeData::kState) {
    if (fetch.position >= static_cast<int64_t>(defence.trajectory.size())) {
      return Status::InvalidArgument("position " + std::to_string(fetch.position) +
                                     " is past the disputed interval");
    }
    VT_ASSIGN_OR_RETURN(TensorMap state,
                        defence.trajectory.State(static_cast<size_t>(fetch.position)));
    data.tensors = ToState(state);
    return data;
  }
  if (!defence.transcript || defence.transcript->step != fetch.step) {
    // Recorded again after a restart (RecordedStep); before the solver has
    // committed to a step, the challenger has no chain to check it against.
    if (!defence.committed_step || *defence.committed_step != fetch.step) {
      return Status::FailedPrecondition("step " + std::to_string(fetch.step) +
                                        " has not been committed to in this dispute");
    }
  }
  VT_ASSIGN_OR_RETURN(const StepTranscript* recorded,
                      RecordedStep(traces_.at(task), defence, fetch.step));
  const StepTranscript& t = *recorded;
  data.nodes = static_cast<int64_t>(t.outputs.size());
  for (size_t j = 0; j < t.outputs.size(); ++j) {
    for (const auto& [name, tensor] : t.outputs[j]) {
      data.tensors.push_back(ToTensorData(std::to_string(j) + "/" + name, tensor));
    }
  }
  return data;
}

}  // namespace veritrain
