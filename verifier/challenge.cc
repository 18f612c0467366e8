// The challenger's side of the challenge game (see verifier/verifier.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>

#include "core/pol/distance_dissection.h"
#include "core/protocol/dissection.h"
#include "core/protocol/node_chain.h"
#include "core/state/state_hash.h"
#include "core/train/allocator_tuning.h"
#include "core/train/torch_bridge.h"
#include "core/transport/zmq_frames.h"
#include "verifier/kept_states.h"
#include "verifier/verifier.h"

namespace veritrain {
namespace {

torch::ScalarType ScalarTypeOfDtype(const std::string& dtype) {
  return dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
}

// Node outputs from a dispute_data answer: tensor "<j>/<name>" is output
// <name> of game node j.
Result<std::vector<TensorMap>> SplitStepOutputs(const DisputeData& data) {
  std::vector<TensorMap> out(static_cast<size_t>(data.nodes));
  for (const auto& t : data.tensors) {
    const size_t slash = t.name.find('/');
    int64_t j = -1;
    if (slash != std::string::npos && slash > 0 &&
        t.name.find_first_not_of("0123456789") == slash && slash < 10) {
      j = std::stoll(t.name.substr(0, slash));
    }
    if (j < 0 || j >= data.nodes) {
      return Status::InvalidArgument("tensor '" + t.name + "' names no node of the step");
    }
    VT_ASSIGN_OR_RETURN(torch::Tensor tensor, FromTensorData(t));
    if (!out[static_cast<size_t>(j)].emplace(t.name.substr(slash + 1), std::move(tensor)).second) {
      return Status::InvalidArgument("tensor '" + t.name + "' is repeated");
    }
  }
  return out;
}

}  // namespace

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
  const bool tolerance = a.spec.mode == "tolerance";
  // The states its challenge kept for a game on this interval (a
  // restarted challenger's earlier process kept them too). A verifier that
  // listed it without re-executing it, on its first start, has none.
  std::optional<GameStates> states;
  if (a.disputed.count(d.interval) > 0 || config_.restarts > 0) {
    Result<GameStates> loaded = DisputedStatesOf(task, a, d);
    if (!loaded.ok()) {
      // Until they are back the dispute is left for its republication.
      spdlog::warn("verifier {}: dispute on {}: {}", config_.name, task,
                   loaded.status().ToString());
      return Status::Ok();
    }
    states = std::move(loaded).value();
  }
  Challenge c;
  c.task = task;
  c.game = d.game;
  c.interval = d.interval;
  c.first_step = d.first_step;
  c.length = d.steps;
  c.tolerance = tolerance;
  c.clock_left_ms = d.clock_ms;
  c.solver_hashes[0] = d.start_hash;
  c.solver_hashes[d.steps] = d.solver_end_hash;
  if (tolerance) {
    // The solver's own states at both ends, fetched when verifying and
    // proven against the trace root; the rest are fetched as the game asks.
    if (states) c.solver_states[0] = states->start;
    if (states && states->end) c.solver_states[d.steps] = std::move(*states->end);
  } else if (states && a.job) {
    // Exact mode: its own trajectory from the agreed start (when it has it:
    // a verifier that never re-executed has nothing to compare with), in
    // the precision the solver committed in, computed as the game asks for
    // states and hashes at its split points (core/train/trajectory.h).
    VT_ASSIGN_OR_RETURN(const TrainingJob* job, JobInDtype(a, CommittedDtype(states->start)));
    auto step = [this, job, task](TensorMap from) -> Result<TensorMap> {
      VT_ASSIGN_OR_RETURN(TensorMap next, TrainStep(*job, std::move(from)));
      // Resends pending requests, and holds the events, while recomputing.
      VT_RETURN_IF_ERROR(WatchArbiter(task));
      return next;
    };
    if (states->kept) {
      // Loaded again from where it is kept whenever the game goes back to
      // it, rather than held beside the states computed (trajectory.h);
      // the first time, the state just loaded.
      auto loaded = std::make_shared<std::optional<TensorMap>>(std::move(states->start));
      const std::string dir = KeptDir(task);
      const Digest start_hash = d.start_hash;
      auto load = [dir, start_hash, loaded]() -> Result<TensorMap> {
        if (*loaded) {
          TensorMap first = std::move(**loaded);
          loaded->reset();
          return first;
        }
        // The states the trajectory just let go for it leave the process
        // before the start's pages come in (allocator_tuning.h).
        ReleaseFreedMemory();
        return LoadKeptState(dir, start_hash);
      };
      c.trajectory = Trajectory(load, d.steps, step, d.start_hash);
    } else {
      c.trajectory = Trajectory(std::move(states->start), d.steps, step, d.start_hash);
    }
    // The first round's hashes now, while the solver posts its own: the
    // states as far as its last split point.
    if (d.steps >= 1 && d.arity >= 2) {
      for (int64_t p : Dissection(d.steps, d.arity).PositionsToPost()) {
        VT_RETURN_IF_ERROR(c.trajectory.Hash(static_cast<size_t>(p)).status());
      }
    }
  }
  spdlog::info("verifier {}: challenging interval {} of {}", config_.name, d.interval, task);
  challenges_[task] = std::move(c);
  ReleaseFreedMemory();  // the first round's steps (allocator_tuning.h)
  crash_.Reached("dispute", 0);
  return Status::Ok();
}

Result<Verifier::GameStates> Verifier::DisputedStatesOf(const std::string& task, Assignment& a,
                                                       const DisputeOpened& d) {
  const bool tolerance = a.spec.mode == "tolerance";
  const std::string dir = KeptDir(task);
  Result<TensorMap> start = LoadKeptState(dir, d.start_hash);
  Result<TensorMap> end = tolerance ? LoadKeptState(dir, d.solver_end_hash) : TensorMap();
  if (start.ok() && end.ok()) {
    GameStates states{std::move(start).value(), std::nullopt, /*kept=*/true};
    if (tolerance) states.end = std::move(end).value();
    return states;
  }
  const Status missing = !start.ok() ? start.status() : end.status();
  if (missing.code() != Status::Code::kNotFound) {
    spdlog::warn("verifier {}: {}; fetching it from the solver again", config_.name,
                 missing.ToString());
  }
  return RefetchDisputedStates(task, a, d);
}

Result<Verifier::GameStates> Verifier::RefetchDisputedStates(const std::string& task,
                                                             Assignment& a,
                                                             const DisputeOpened& d) {
  if (!a.posted) return Status::Unavailable("the proof has not been seen yet");
  zmq::socket_t solver(ctx_, zmq::socket_type::dealer);
  ConfigureSocket(solver);
  if (curve_) VT_RETURN_IF_ERROR(curve_->SecureClientOf(solver, a.posted->solver));
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
  GameStates states;
  VT_ASSIGN_OR_RETURN(states.start, ViewState(start.tensors));
  const std::string dir = KeptDir(task);
  Status kept = KeepState(dir, start.state_hash, start.tensors, start.tensor_hashes, start.meta);
  if (a.spec.mode == "tolerance") {
    VT_ASSIGN_OR_RETURN(CheckpointReply end, Fetch(solver, task, *a.posted, d.interval + 1, true));
    if (end.state_hash != d.solver_end_hash) {
      return Status::Corruption("checkpoint " + std::to_string(d.interval + 1) +
                                " is not the dispute's disputed end");
    }
    VT_ASSIGN_OR_RETURN(states.end, ViewState(end.tensors));
    if (kept.ok()) kept = KeepState(dir, end.state_hash, end.tensors, end.tensor_hashes, end.meta);
  }
  if (!kept.ok()) {
    spdlog::warn("verifier {}: cannot keep the disputed interval of {}: {}", config_.name, task,
                 kept.ToString());
  }
  states.kept = kept.ok();
  spdlog::info("verifier {}: fetched the disputed interval of {} again", config_.name, task);
  return states;
}

Status Verifier::OnGameUpdate(const std::string& task, const GameUpdate& u) {
  Challenge& c = challenges_.at(task);
  if (u.state == "resolved") {
    spdlog::info("verifier {}: the dispute on {} is over: the {} wins ({})", config_.name, task,
                 u.winner, u.reason);
    c.solver.reset();
    return Status::Ok();
  }
  if (u.to_move != "challenger" || u.move <= c.answered) return Status::Ok();
  if (c.deferred && c.deferred->move >= u.move) return Status::Ok();
  if (!assignments_.at(task).posted && behaviour_->AnswersGameMove(u.move)) {
    spdlog::info("verifier {}: move {} of the dispute on {} waits for the solver's proof, not "
                 "seen since this verifier started",
                 config_.name, u.move, task);
    c.deferred = u;
    c.deferred_since = std::chrono::steady_clock::now();
    return Status::Ok();
  }
  c.deferred.reset();
  return AnswerMove(task, c, u);
}

Status Verifier::AnswerDeferredMoves() {
  for (auto& [task, c] : challenges_) {
    if (!c.deferred) continue;
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - c.deferred_since);
    const bool seen = assignments_.count(task) > 0 && assignments_.at(task).posted;
    if (!seen && waited.count() < c.clock_left_ms / 2) continue;
    const GameUpdate u = *c.deferred;
    c.deferred.reset();
    if (!seen) {
      spdlog::warn("verifier {}: the solver's proof for {} has not come in {} ms; answering move "
                   "{} of the dispute without it",
                   config_.name, task, waited.count(), u.move);
    }
    c.clock_left_ms -= waited.count();
    VT_RETURN_IF_ERROR(AnswerMove(task, c, u));
  }
  return Status::Ok();
}

Status Verifier::AnswerMove(const std::string& task, Challenge& c, const GameUpdate& u) {
  c.answered = u.move;
  if (!behaviour_->AnswersGameMove(u.move)) {
    spdlog::info("verifier {}: not answering move {} of the dispute on {}", config_.name, u.move,
                 task);
    return Status::Ok();
  }
  c.move_started = std::chrono::steady_clock::now();
  auto move = ChooseMove(assignments_.at(task), c, u);
  c.clock_left_ms -= std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - c.move_started)
                         .count();
  if (!move.ok()) {
    spdlog::error("verifier: choosing move {} on {}: {}", u.move, task, move.status().ToString());
    return Status::Ok();
  }
  VT_ASSIGN_OR_RETURN(const uint64_t rid, link_.Request(Pack(*move, task)));
  crash_.ReachedOnceAnswered("dispute", ++assignments_.at(task).moves_answered, link_, rid);
  return Status::Ok();
}

Result<GameMove> Verifier::ChooseMove(Assignment& a, Challenge& c, const GameUpdate& u) {
  if (u.state != "step_choice" && u.state != "node_choice") {
    return Status::InvalidArgument("nothing to choose in state " + u.state);
  }
  const bool steps = u.state == "step_choice";
  const int64_t arity = static_cast<int64_t>(u.boundaries.size()) - 1;
  // The dissected length: the interval's steps, or the step's game nodes.
  // A sub-range starting at or past it is illegal.
  const int64_t length = steps ? c.length : u.graph_nodes;
  std::vector<int64_t> legal;
  for (int64_t i = 0; i < arity; ++i) {
    if (u.boundaries[i] < length) legal.push_back(i);
  }
  if (legal.empty()) return Status::InvalidArgument("no legal sub-range");
  GameMove move;
  move.move = u.move;
  move.kind = "choose";
  if (auto forced = behaviour_->Choose(legal)) {
    move.index = *forced;
    return move;
  }
  if (steps) {
    for (const auto& [p, h] : u.hashes) c.solver_hashes[std::min(p, c.length)] = h;
  }
  // Around the disputed step, in every node round: a challenger restarted
  // after the step rounds has no other record of them.
  for (const auto& [p, h] : u.step_hashes) c.solver_hashes[std::min(p, c.length)] = h;
  // Whatever goes wrong below, a legal move is made: the clock is running,
  // and a challenger that does not move loses.
  Result<int64_t> index = Status::Internal("no choice");
  if (!c.tolerance) {
    index = ChooseByHash(a, c, u, legal);
  } else if (steps) {
    index = ChooseStepByDistance(a, c, u, legal, &move.note);
  } else {
    index = ChooseNodeByScan(a, c, u, legal, &move.note);
  }
  if (!index.ok()) {
    spdlog::error("verifier {}: cannot compare move {} of the dispute: {}; choosing the last "
                  "legal sub-range",
                  config_.name, u.move, index.status().ToString());
    move.note["problem"] = index.status().ToString();
    move.index = legal.back();
    return move;
  }
  move.index = *index;
  return move;
}

Result<int64_t> Verifier::ChooseByHash(Assignment& a, Challenge& c, const GameUpdate& u,
                                       const std::vector<int64_t>& legal) {
  const bool steps = u.state == "step_choice";
  if (steps) {
    if (c.trajectory.empty()) return Status::FailedPrecondition("no trajectory to compare with");
  } else if (!c.transcript) {
    const int64_t rel = u.disputed_step - c.first_step;
    if (rel < 0 || rel >= static_cast<int64_t>(c.trajectory.size()) - 1) {
      return Status::InvalidArgument("disputed step outside the interval");
    }
    VT_ASSIGN_OR_RETURN(TensorMap before, c.trajectory.State(static_cast<size_t>(rel)));
    VT_ASSIGN_OR_RETURN(Digest before_hash, c.trajectory.Hash(static_cast<size_t>(rel)));
    VT_ASSIGN_OR_RETURN(const TrainingJob* job, JobInDtype(a, CommittedDtype(before)));
    // Only the chain of hashes is compared from here on, and the step rounds
    // are over: the trajectory's states go, and the step is hashed as it
    // runs, freeing the state before it as it goes (at a 100-MB state, two
    // states and the gradients less at the challenger's peak).
    c.trajectory = Trajectory();
    ReleaseFreedMemory();
    VT_ASSIGN_OR_RETURN(c.transcript, HashStep(*job, std::move(before), before_hash));
  }
  std::map<int64_t, Digest> posted(u.hashes.begin(), u.hashes.end());
  const int64_t mine_end = steps ? static_cast<int64_t>(c.trajectory.size()) - 1
                                 : static_cast<int64_t>(c.transcript->chain.size()) - 1;
  auto mine = [&](int64_t b) -> Result<Digest> {
    const int64_t at = std::min(b, mine_end);
    if (steps) return c.trajectory.Hash(static_cast<size_t>(at));
    return c.transcript->chain[static_cast<size_t>(at)];
  };
  // The first sub-range whose end disagrees with mine (positions past the
  // end stand for the end).
  for (int64_t i : legal) {
    const int64_t b = u.boundaries[i + 1];
    auto theirs = posted.find(b);
    if (theirs == posted.end()) return i;
    VT_ASSIGN_OR_RETURN(Digest own, mine(b));
    if (theirs->second != own) return i;
  }
  return legal.back();
}

std::chrono::milliseconds Verifier::FetchBudget(const Challenge& c) {
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - c.move_started);
  const int64_t left = c.clock_left_ms - spent.count();
  return std::chrono::milliseconds(std::max<int64_t>(100, left / 4));
}

Result<zmq::socket_t*> Verifier::SolverSocket(Assignment& a, Challenge& c) {
  if (c.solver) return c.solver.get();
  if (!a.posted) return Status::FailedPrecondition("the proof has not been seen");
  auto socket = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::dealer);
  ConfigureSocket(*socket);
  if (curve_) VT_RETURN_IF_ERROR(curve_->SecureClientOf(*socket, a.posted->solver));
  try {
    socket->connect(a.posted->serve_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot reach the solver at " + a.posted->serve_endpoint);
  }
  c.solver = std::move(socket);
  return c.solver.get();
}

Result<TensorMap> Verifier::SolverStateAt(Assignment& a, Challenge& c, const std::string& task,
                                          int64_t p) {
  p = std::min(p, c.length);
  auto cached = c.solver_states.find(p);
  if (cached != c.solver_states.end()) return cached->second;
  auto posted = c.solver_hashes.find(p);
  if (posted == c.solver_hashes.end()) {
    return Status::FailedPrecondition("the solver has posted no hash for step " +
                                      std::to_string(p) + " of the interval");
  }
  VT_ASSIGN_OR_RETURN(zmq::socket_t * solver, SolverSocket(a, c));
  FetchDisputeData fetch;
  fetch.what = FetchDisputeData::kState;
  fetch.position = p;
  VT_ASSIGN_OR_RETURN(Message m, AskSolver(*solver, task, a.posted->solver, Pack(fetch, task),
                                           "its state at step " + std::to_string(p),
                                           FetchBudget(c)));
  VT_ASSIGN_OR_RETURN(DisputeData data, Unpack<DisputeData>(m));
  VT_ASSIGN_OR_RETURN(Digest hash, StateHashWithTensorHashes(data.tensors, data.tensor_hashes));
  if (hash != posted->second) {
    return Status::Corruption("the state it serves for step " + std::to_string(p) +
                              " does not hash to the hash it posted");
  }
  VT_ASSIGN_OR_RETURN(TensorMap state, ViewState(data.tensors));
  c.solver_states[p] = state;
  return state;
}

Result<int64_t> Verifier::ChooseStepByDistance(Assignment& a, Challenge& c, const GameUpdate& u,
                                               const std::vector<int64_t>& legal,
                                               nlohmann::json* note) {
  if (!a.job) return Status::FailedPrecondition("the task's job could not be built");
  const TrainingJob& job = *a.job;
  const torch::ScalarType own = ScalarTypeOfDtype(a.job_config.dtype);
  SolverStateFn state_at = [&](int64_t p) { return this->SolverStateAt(a, c, c.task, p); };
  ReexecuteFn reexecute = [&](const TensorMap& start, int64_t n) -> Result<TensorMap> {
    VT_RETURN_IF_ERROR(CheckStateShape(job, start).WithContext("not a state of the task's job"));
    TensorMap state = CastFloating(start, own);
    for (int64_t s = 0; s < n; ++s) {
      // Resends pending requests, and holds the events, while re-executing.
      VT_RETURN_IF_ERROR(WatchArbiter(c.task));
      VT_ASSIGN_OR_RETURN(state, TrainStep(job, std::move(state)));
    }
    return state;
  };
  BeyondPrecisionFn beyond = [own](const TensorMap& state) { return BeyondRange(state, own); };
  VT_ASSIGN_OR_RETURN(DistanceChoice choice, ChooseByDistance(u.boundaries, c.length, legal,
                                                              state_at, reexecute,
                                                              a.spec.verification, beyond));
  *note = choice.ToJson();
  spdlog::info("verifier {}: move {}: sub-range {} ({})", config_.name, u.move, choice.index,
               choice.outside          ? "outside δ"
               : choice.largest_within ? "every one within δ; the largest distance / δ"
                                       : "within δ; the only legal one");
  return choice.index;
}

Result<int64_t> Verifier::ChooseNodeByScan(Assignment& a, Challenge& c, const GameUpdate& u,
                                           const std::vector<int64_t>& legal,
                                           nlohmann::json* note) {
  if (!a.job) return Status::FailedPrecondition("the task's job could not be built");
  const std::string& task_id = c.task;
  const int64_t rel = u.disputed_step - c.first_step;
  if (rel < 0 || rel >= c.length) return Status::InvalidArgument("disputed step outside the interval");
  if (u.graph_nodes != GameNodeCount(*a.job)) {
    // The arbiter rules against a commitment to another graph whichever
    // node it ends on.
    *note = {{"problem", "the solver committed to " + std::to_string(u.graph_nodes) +
                             " nodes; the task's step graph has " +
                             std::to_string(GameNodeCount(*a.job))}};
    return legal.front();
  }
  if (!c.scan) {
    VT_ASSIGN_OR_RETURN(TensorMap state, SolverStateAt(a, c, task_id, rel));
    auto next_hash = c.solver_hashes.find(rel + 1);
    if (next_hash == c.solver_hashes.end()) {
      return Status::FailedPrecondition("no hash of the state after the disputed step");
    }
    // The solver's node outputs, checked against its chain.
    VT_ASSIGN_OR_RETURN(zmq::socket_t * solver, SolverSocket(a, c));
    FetchDisputeData fetch;
    fetch.what = FetchDisputeData::kStepOutputs;
    fetch.step = u.disputed_step;
    VT_ASSIGN_OR_RETURN(Message m,
                        AskSolver(*solver, task_id, a.posted->solver, Pack(fetch, task_id),
                                  "the node outputs of step " + std::to_string(u.disputed_step),
                                  FetchBudget(c)));
    VT_ASSIGN_OR_RETURN(DisputeData data, Unpack<DisputeData>(m));
    if (data.nodes != u.graph_nodes) {
      return Status::Corruption("the solver serves " + std::to_string(data.nodes) +
                                " node outputs, not the " + std::to_string(u.graph_nodes) +
                                " it committed to");
    }
    VT_ASSIGN_OR_RETURN(std::vector<TensorMap> outputs, SplitStepOutputs(data));
    std::vector<Digest> output_hashes;
    for (const auto& o : outputs) {
      VT_ASSIGN_OR_RETURN(Digest h, OutputHash(o));
      output_hashes.push_back(h);
    }
    const std::vector<Digest> chain = Chain(c.solver_hashes.at(rel), output_hashes);
    for (const auto& [position, hash] : u.hashes) {
      // Positions past the last node stand for it (the dissection is padded).
      const int64_t at = std::min<int64_t>(position, static_cast<int64_t>(chain.size()) - 1);
      if (position < 0 || chain[static_cast<size_t>(at)] != hash) {
        return Status::Corruption("the node outputs it serves do not chain to the hash it "
                                  "posted at node position " + std::to_string(position));
      }
    }
    // Evaluated in the precision the solver committed in.
    VT_ASSIGN_OR_RETURN(const TrainingJob* job, JobInDtype(a, CommittedDtype(state)));
    VT_ASSIGN_OR_RETURN(TensorMap batch, job->Batch(u.disputed_step));
    const TaskSpec& spec = a.spec;
    NodeThresholdFn tolerance_of = [&spec](const std::string& node) {
      return spec.verification.NodeTolerance(node, spec.node_tolerance);
    };
    VT_ASSIGN_OR_RETURN(c.scan, ScanStep(*job, state, batch, outputs, tolerance_of,
                                         next_hash->second));
    c.scan_note = c.scan->ToJson();
    spdlog::info("verifier {}: the disputed step's node furthest outside its threshold: {}",
                 config_.name, c.scan->disputed >= 0 ? c.scan->chosen().name
                                                     : std::string("none"));
  }
  // The node to aim for: the one furthest outside its threshold, else the
  // one closest to it.
  int64_t target = c.scan->disputed;
  if (target < 0) {
    double best = -1;
    for (const auto& check : c.scan->checked) {
      if (check.ratio() > best) {
        best = check.ratio();
        target = check.node;
      }
    }
  }
  *note = c.scan_note;
  for (int64_t i : legal) {
    if (u.boundaries[i] <= target && target < u.boundaries[i + 1]) return i;
  }
  return legal.back();
}

}  // namespace veritrain
