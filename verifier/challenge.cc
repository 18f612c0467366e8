// The challenger's side of the challenge game.
#include <spdlog/spdlog.h>

#include "core/state/state_hash.h"
#include "core/train/torch_bridge.h"
#include "core/transport/zmq_frames.h"
#include "verifier/verifier.h"

namespace veritrain {

Result<Verdict> Verifier::ChallengeWithProofs(zmq::socket_t& solver, const std::string& task,
                                              const ProofPosted& posted, int64_t interval,
                                              const std::string& reason) {
  VT_ASSIGN_OR_RETURN(CheckpointReply begin, Fetch(solver, task, posted, interval, false));
  VT_ASSIGN_OR_RETURN(CheckpointReply end, Fetch(solver, task, posted, interval + 1, false));
  Verdict v;
  v.accept = false;
  v.disputed_interval = interval;
  v.reason = reason;
  v.evidence = {{"start", {{"hash", begin.state_hash.Hex()}, {"proof", ProofToJson(begin.proof)}}},
                {"end", {{"hash", end.state_hash.Hex()}, {"proof", ProofToJson(end.proof)}}}};
  return v;
}

Status Verifier::OnDisputeOpened(const std::string& task, const DisputeOpened& d) {
  auto it = assignments_.find(task);
  if (it == assignments_.end() || challenges_.count(task) > 0) return Status::Ok();
  Assignment& a = it->second;
  if (!a.disputed_start && config_.restarts > 0) {
    // Restarted: the start state it re-executed from is gone with the old
    // process. Until it is back the dispute is left for its republication.
    Status back = RefetchDisputedStart(task, a, d);
    if (!back.ok()) {
      spdlog::warn("verifier {}: dispute on {}: {}", config_.name, task, back.ToString());
      return Status::Ok();
    }
  }
  Challenge c;
  c.first_step = d.first_step;
  // The challenger's own trajectory from the agreed start (when it has it:
  // a verifier that never re-executed has nothing to compare with).
  if (a.disputed_start && a.job) {
    // States only: hashes are computed at the split points the game
    // compares (core/train/trajectory.h).
    TensorMap state = *a.disputed_start;
    c.trajectory.Add(state);
    for (int64_t p = 0; p < d.steps; ++p) {
      VT_ASSIGN_OR_RETURN(state, TrainStep(*a.job, state));
      c.trajectory.Add(state);
      VT_RETURN_IF_ERROR(link_.Tick());  // heartbeats while recomputing
    }
  }
  spdlog::info("verifier {}: challenging interval {} of {}", config_.name, d.interval, task);
  challenges_[task] = std::move(c);
  crash_.Reached("dispute", 0);
  return Status::Ok();
}

Status Verifier::RefetchDisputedStart(const std::string& task, Assignment& a,
                                      const DisputeOpened& d) {
  if (!a.posted) return Status::Unavailable("the proof has not been seen yet");
  zmq::socket_t solver(ctx_, zmq::socket_type::dealer);
  ConfigureSocket(solver);
  try {
    solver.connect(a.posted->serve_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot reach the solver at " + a.posted->serve_endpoint);
  }
  VT_ASSIGN_OR_RETURN(CheckpointReply start, Fetch(solver, task, *a.posted, d.interval, true));
  if (start.state_hash != d.start_hash) {
    return Status::Corruption("checkpoint " + std::to_string(d.interval) +
                              " is not the dispute's agreed start");
  }
  VT_ASSIGN_OR_RETURN(TensorMap state, FromState(start.tensors));
  a.disputed_start = std::move(state);
  spdlog::info("verifier {}: fetched the agreed start of the dispute on {} again", config_.name,
               task);
  return Status::Ok();
}

Status Verifier::OnGameUpdate(const std::string& task, const GameUpdate& u) {
  Challenge& c = challenges_.at(task);
  if (u.state == "resolved") {
    spdlog::info("verifier {}: the dispute on {} is over: the {} wins ({})", config_.name, task,
                 u.winner, u.reason);
    return Status::Ok();
  }
  if (u.to_move != "challenger" || u.move <= c.answered) return Status::Ok();
  c.answered = u.move;
  if (!behaviour_->AnswersGameMove(u.move)) {
    spdlog::info("verifier {}: not answering move {} of the dispute on {}", config_.name, u.move,
                 task);
    return Status::Ok();
  }
  auto move = ChooseMove(assignments_.at(task), c, u);
  if (!move.ok()) {
    spdlog::error("verifier: choosing move {} on {}: {}", u.move, task, move.status().ToString());
    return Status::Ok();
  }
  VT_RETURN_IF_ERROR(link_.Request(Pack(*move, task)).status());
  crash_.Reached("dispute", ++c.moves_answered);
  return Status::Ok();
}

Result<GameMove> Verifier::ChooseMove(Assignment& a, Challenge& c, const GameUpdate& u) {
  if (u.state != "step_choice" && u.state != "node_choice") {
    return Status::InvalidArgument("nothing to choose in state " + u.state);
  }
  const bool steps = u.state == "step_choice";
  const int64_t arity = static_cast<int64_t>(u.boundaries.size()) - 1;
  // The dissected length: the interval's steps, or the step's game nodes.
  const int64_t length = steps ? static_cast<int64_t>(c.trajectory.size()) - 1 : u.graph_nodes;
  std::map<int64_t, Digest> posted(u.hashes.begin(), u.hashes.end());
  std::vector<int64_t> legal;
  for (int64_t i = 0; i < arity; ++i) {
    if (steps ? (c.trajectory.empty() || u.boundaries[i] < length) : u.boundaries[i] < length) {
      legal.push_back(i);
    }
  }
  if (legal.empty()) return Status::InvalidArgument("no legal sub-range");
  GameMove move;
  move.move = u.move;
  move.kind = "choose";
  if (auto forced = behaviour_->Choose(legal)) {
    move.index = *forced;
    return move;
  }
  // Honest: my own hash at each boundary (positions past the end stand for
  // the end), and the first sub-range whose end disagrees.
  if (steps) {
    if (c.trajectory.empty()) return Status::FailedPrecondition("no trajectory to compare with");
  } else if (!c.transcript) {
    const int64_t rel = u.disputed_step - c.first_step;
    if (rel < 0 || rel >= static_cast<int64_t>(c.trajectory.size()) - 1) {
      return Status::InvalidArgument("disputed step outside the interval");
    }
    VT_ASSIGN_OR_RETURN(c.transcript, RecordStep(*a.job, c.trajectory.state(rel), nullptr));
  }
  const int64_t mine_end = steps ? static_cast<int64_t>(c.trajectory.size()) - 1
                                 : static_cast<int64_t>(c.transcript->chain.size()) - 1;
  auto mine = [&](int64_t b) -> Result<Digest> {
    const int64_t at = std::min(b, mine_end);
    if (steps) return c.trajectory.Hash(static_cast<size_t>(at));
    return c.transcript->chain[static_cast<size_t>(at)];
  };
  move.index = legal.back();
  for (int64_t i : legal) {
    const int64_t b = u.boundaries[i + 1];
    auto theirs = posted.find(b);
    if (theirs == posted.end()) {
      move.index = i;
      break;
    }
    VT_ASSIGN_OR_RETURN(Digest own, mine(b));
    if (theirs->second != own) {
      move.index = i;
      break;
    }
  }
  return move;
}

}  // namespace veritrain
