// ArbiterCore (arbiter/arbiter_core.h): the challenge game on the
// arbiter's side — opening a dispute, moves, evidence and the ruling on
// the disputed node, the ruling on checkpoint 0, and a task voided when
// the arbiter cannot rule.
#include <spdlog/spdlog.h>

#include <chrono>

#include "arbiter/arbiter_core.h"
#include "arbiter/task_rules.h"
#include "core/state/state_hash.h"
#include "core/train/node_arbitration.h"
#include "core/train/node_compare.h"
#include "core/train/torch_bridge.h"

namespace veritrain {

Status ArbiterCore::RuleOnInitialState(Task& task, const std::string& challenger,
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
    if (!initial.ok())
      return VoidTask(task, "hashing the initial state: " + initial.status().ToString());
    computed[dtype] = initial->Hex();
    if (*initial == hashes.start_hash) {
      upheld = false;
      break;
    }
  }
  StartRuling(task, challenger);
  VT_RETURN_IF_ERROR(
      Log(task.id, InitialStateRulingEvent{challenger, hashes.start_hash, computed, upheld}));
  if (!upheld) {
    return AfterRejected(task, challenger,
                         "challenge rejected: checkpoint 0 is the task's initial state "
                         "(the arbiter recomputed it)", /*ruled=*/true);
  }
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kChallengeUpheld));
  return Settle(task, UpheldReason(task, "checkpoint 0 is not the task's initial state (the "
                                         "arbiter recomputed it)"));
}

std::string ArbiterCore::UpheldReason(const Task& task, const std::string& why) {
  if (task.rejected.empty()) return "challenge upheld: " + why;
  return "challenge upheld (after " + std::to_string(task.rejected.size()) +
         " rejected game(s) on the trace): " + why;
}

Status ArbiterCore::PlayChallenge(Task& task, const Conclusion& next) {
  const ChallengedInterval* hashes = NextIntervalOf(task, next.challenger);
  if (hashes == nullptr) {
    return Status::Internal(task.id + ": " + next.challenger + " has no interval left to play");
  }
  if (next.kind == Conclusion::kInitialState) {
    return RuleOnInitialState(task, next.challenger, *hashes);
  }
  return OpenDispute(task, next.challenger, hashes->interval, *hashes);
}

Status ArbiterCore::AfterRejected(Task& task, const std::string& challenger,
                                  const std::string& why, bool ruled) {
  NoteRejected(task, challenger, ruled);
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kChallengeRejected));
  const std::optional<Conclusion> next = NextChallenge(task);
  if (!next) {
    if (task.rejected.size() == 1) return Settle(task, why);
    return Settle(task, "every challenge rejected (" + std::to_string(task.rejected.size()) +
                            " games played); the last: " + why);
  }
  if (next->challenger == challenger) {
    spdlog::info("arbiter: {}: {}'s game rejected; the next interval it disputes is played",
                 task.id, challenger);
  } else {
    spdlog::info("arbiter: {}: {}'s challenge rejected; {}'s is played next", task.id, challenger,
                 next->challenger);
  }
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kNextChallenge));
  return PlayChallenge(task, *next);
}

Status ArbiterCore::VoidTask(Task& task, const std::string& why) {
  spdlog::error("arbiter: {}: cannot rule: {}", task.id, why);
  VT_RETURN_IF_ERROR(Log(task.id, ArbiterErrorEvent{why}));
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kArbiterFailed));
  return Settle(task, "void: the arbiter could not rule (" + why +
                          "); the reward goes back and every stake is returned");
}

Status ArbiterCore::OpenDispute(Task& task, const std::string& challenger, int64_t interval,
                                const ChallengedInterval& hashes) {
  DisputeOpened opened;
  opened.solver = task.spec.solver;
  opened.challenger = challenger;
  opened.game = NextGameNumber(task);
  opened.interval = interval;
  opened.first_step = interval * task.spec.checkpoint_interval;
  opened.steps = task.spec.checkpoint_interval;
  opened.arity = task.spec.arity;
  opened.clock_ms = task.clock_ms;
  opened.start_hash = hashes.start_hash;
  opened.solver_end_hash = hashes.end_hash;
  task.dispute = DisputeFromOpened(task.id, opened, Now());
  spdlog::info("arbiter: {}: {} disputes interval {} (steps {}..{})", task.id, challenger, interval,
               opened.first_step, opened.first_step + opened.steps);
  VT_RETURN_IF_ERROR(Log(task.id, DisputeOpenedEvent{opened}));
  VT_RETURN_IF_ERROR(Publish(Pack(opened, task.id)));
  return AfterMove(task);
}

ArbiterCore::Task* ArbiterCore::DisputeFor(const Message& m, Ack* reply) {
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

Status ArbiterCore::OnGameMove(const Message& m, int64_t bytes, Ack* reply) {
  Task* task = DisputeFor(m, reply);
  if (task == nullptr) return Status::Ok();
  Dispute& d = *task->dispute;
  d.bytes[m.from] += bytes;
  auto move = Unpack<GameMove>(m);
  auto refuse = [&](const std::string& why) {
    ++d.rejected[m.from];
    *reply = Ack{false, why, {}};
    return Log(task->id, GameMoveRejectedEvent{m.from, why, bytes});
  };
  if (!move.ok()) return refuse(move.status().message());
  if (move->move != d.moves) {
    return refuse("move " + std::to_string(move->move) + " is stale: the game is at move " +
                  std::to_string(d.moves));
  }
  const int64_t now = Now();
  const Status applied = ApplyGameMove(d, d.PartyOf(m.from), *move, now);
  VT_RETURN_IF_ERROR(Log(task->id, GameMoveEvent{m.from, m.rid, *move, applied.ok(),
                                                 applied.ok() ? "" : applied.message(), bytes}));
  if (!applied.ok() && !d.game->resolved()) {
    ++d.rejected[m.from];
    *reply = Ack{false, applied.message(), {}};
    return Status::Ok();
  }
  if (!applied.ok()) *reply = Ack{false, applied.message(), {}};
  ++d.moves;
  return AfterMove(*task);
}

Status ArbiterCore::OnNodeEvidence(const Message& m, int64_t bytes, Ack* reply) {
  Task* task = DisputeFor(m, reply);
  if (task == nullptr) return Status::Ok();
  Dispute& d = *task->dispute;
  auto ev = Unpack<NodeEvidence>(m);
  if (!ev.ok() || ev->move != d.moves || d.PartyOf(m.from) != Party::kSolver ||
      d.game->state() != GameState::kEvidence) {
    d.bytes[m.from] += bytes;
    ++d.rejected[m.from];
    *reply = Ack{false, ev.ok() ? "no evidence is due now" : ev.status().message(), {}};
    return Log(task->id, GameMoveRejectedEvent{m.from, reply->error, bytes});
  }
  // Evidence after the solver's clock ran out is not part of the game: its
  // bytes are not counted (no event would carry them to a recovery).
  if (d.game->Tick(Now())) {
    ++d.moves;
    return AfterMove(*task);
  }
  d.bytes[m.from] += bytes;
  // The node is evaluated in the precision the solver committed in.
  std::string dtype = config_.dtype;
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
  VT_RETURN_IF_ERROR(Log(
      task->id, NodeRulingEvent{ctx.step, ctx.node, ruling.node_name, ruling.solver_correct,
                                ruling.evaluated, ruling.reason, ruling.node_flops, ruling.step_flops,
                                DeviationJson(ruling.deviation), ruling.tolerance,
                                ruling.arbiter_output_hash, ruling.seconds, d.job_load_seconds,
                                bytes}));
  VT_RETURN_IF_ERROR(d.game->Rule(ruling.solver_correct, ruling.reason, Now()));
  ++d.moves;
  return AfterMove(*task);
}

Status ArbiterCore::EnsureJob(Task& task) {
  if (task.job) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json job_json = task.spec.job;
  job_json["dtype"] = config_.dtype;
  auto job_config = JobConfig::FromJson(job_json);
  if (!job_config.ok()) return job_config.status().WithContext("arbiter: the task's job");
  VT_ASSIGN_OR_RETURN(task.job, MakeJob(*job_config));
  if (task.dispute) {
    task.dispute->job_load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return Status::Ok();
}

Result<const TrainingJob*> ArbiterCore::JobIn(Task& task, const std::string& dtype) {
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

Status ArbiterCore::AfterMove(Task& task) {
  Dispute& d = *task.dispute;
  // Name the disputed node as soon as the dissection has found it.
  if (d.game->state() == GameState::kEvidence) VT_RETURN_IF_ERROR(EnsureJob(task));
  const GameUpdate update = d.Update();
  VT_RETURN_IF_ERROR(Log(task.id, GameUpdateEvent{update}));
  VT_RETURN_IF_ERROR(Publish(Pack(update, task.id)));
  if (!d.game->resolved()) return Status::Ok();
  d.resolved_ms = Now();
  const bool upheld = d.game->winner() == Party::kChallenger;
  spdlog::info("arbiter: {}: the {} wins the dispute: {}", task.id, PartyName(d.game->winner()),
               d.game->reason());
  VT_RETURN_IF_ERROR(Log(
      task.id, DisputeResolvedEvent{
                   d.Report(task.job ? GameNodeName(*task.job, d.game->disputed_node()) : "")}));
  // Copied: the next challenger's game replaces this one.
  const std::string challenger = d.challenger;
  const std::string reason = d.game->reason();
  if (!upheld) {
    return AfterRejected(task, challenger, "challenge rejected: " + reason, d.game->ruled());
  }
  VT_RETURN_IF_ERROR(Transition(task, TaskEvent::kChallengeUpheld));
  return Settle(task, UpheldReason(task, reason));
}

}  // namespace veritrain
