// Solver: trains a task, checkpoints every k steps, commits to the trace,
// and serves checkpoints with their inclusion proofs (design stages 3–4).
//
// When a verifier's challenge opens a dispute it plays the challenge game:
// it recomputes its trajectory over the interval from the agreed
// checkpoint with its own behaviour (so its answers stay consistent with
// its trace), posts state hashes at the split points, commits to the
// disputed step's node outputs, and sends the disputed node's evidence.
// In tolerance mode it also serves the challenger what it posted hashes
// of — its states at the split points and the disputed step's node
// outputs (fetch_dispute_data) — which the challenger compares under δ
// and the node thresholds. A task's challenges are played one after
// another (docs/protocol.md): a dispute_opened naming another challenger
// than the one it defends against is the task's next game, defended
// afresh over its own interval; game updates of another game are ignored.
//
// Checkpoints are written crash-safely to the role's work directory in the
// checkpoint file format; each is hashed (state hash = Merkle root over its
// tensors) and the trace root is the Merkle root over those hashes. The
// per-interval update norms (l2 over the parameters) are posted as the
// top-Q hint. While training it keeps answering its sockets between steps.
//
// Forced errors (Truebit): for every task the arbiter tells the solver
// privately whether it must post a wrong result. When it must, the solver
// trains honestly but commits to a perturbed copy of every checkpoint after
// the first (VisibleForcedErrorState: +1 on the first element of the first
// parameter tensor, or more in tolerance mode until it leaves δ), so every
// interval fails re-execution, whichever one a verifier checks; training
// continues from the true states. It records
// the true checkpoints beside them (folder real/) and commits to that real
// trace with a hiding commitment in its trace_commit
// (core/protocol/real_trace.h). When the arbiter reveals the forced error
// (forced_error_revealed) it opens the commitment (real_trace) and from
// then on serves, defends and delivers the real trace, which verifiers
// check like any other: a cheating solver gains nothing from a forced
// error.
//
// After a crash (docs/reliability.md) a restarted solver trains a task it
// is assigned again from its last intact checkpoint on disk
// (solver/resume.h) when it trains honestly and without a forced error,
// and from the start otherwise (attacks and forced errors commit states
// that are not the ones training continues from); either way it commits
// to the trace an uncrashed run commits to. Its dispute defence is
// recomputed from those checkpoints when the arbiter republishes the
// dispute.
//
// When the arbiter demands one of its checkpoints (checkpoint_demand, a
// verifier's data-availability challenge) it delivers it to the arbiter
// with its proof (checkpoint_delivery), once per checkpoint, as its
// behaviour serves checkpoints (SolverBehaviour::ServesCheckpoint).
//
// Its checkpoint socket answers only the verifiers of the tasks it has been
// assigned (from task_assigned): a fetch from anyone else — an outsider
// replaying captured messages, the arbiter's key, its own — or a message
// that is not a fetch is dropped and counted ("not_a_peer",
// "not_a_request", "own_key" in its role report), never answered.
//
// Memory: when a task settles the solver drops its job (and the data the
// job loaded), trace and defence, so that a long run of tasks does not grow
// (docs/reliability.md, "Memory over many tasks").
//
// A task it cannot train (a checkpoint it cannot write on a full disk, a job
// it cannot build) it reports at once with training_failed, naming the
// cause; the arbiter settles the task as at the training deadline.
//
// Thread-safety: one Solver runs on one thread (Run()).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <zmq.hpp>

#include "core/crypto/merkle.h"
#include "core/state/env.h"
#include "core/state/verified_checkpoints.h"
#include "core/train/job.h"
#include "core/train/node_arbitration.h"
#include "core/train/trajectory.h"
#include "core/transport/arbiter_link.h"
#include "core/role/crash_point.h"
#include "core/transport/messenger.h"
#include "core/role/role_config.h"
#include "core/transport/role_curve.h"
#include "core/wire/messages/all.h"
#include "solver/behaviour.h"
#include "solver/forced_error.h"

namespace veritrain {

class CheckpointRecorder;

class Solver {
 public:
  // REQUIRES: the hardware profile has been applied to this process.
  static Result<std::unique_ptr<Solver>> Create(zmq::context_t& ctx,
                                                const RoleConfig& config);
  // Joins the run and works until the arbiter's shutdown event.
  Status Run();

 private:
  struct Trace {
    std::vector<std::string> files;  // checkpoint i's file
    std::vector<Digest> hashes;      // checkpoint i's state hash
    std::unique_ptr<MerkleTree> tree;
    std::unique_ptr<TrainingJob> job;
    TaskSpec spec;
  };
  // What the solver keeps to answer a dispute over one interval: its
  // trajectory recomputed from the agreed checkpoint with its behaviour,
  // and the record of the disputed step once the game gets there.
  struct Defence {
    std::string challenger;
    int64_t game = 0;  // the game's number on the task (core/protocol/game_order.h)
    int64_t first_step = 0;
    Trajectory trajectory;  // state(p) = state at first_step + p
    std::optional<StepTranscript> transcript;
    // The step the game holds the solver's graph commitment for (from the
    // arbiter's updates; it outlives a restart, the transcript does not).
    std::optional<int64_t> committed_step;
    int64_t answered = -1;          // last game move answered
  };

  Solver(zmq::context_t& ctx, RoleConfig config, Messenger messenger,
         std::unique_ptr<SolverBehaviour> behaviour, RetryPolicy retry);

  // Handles whatever is waiting on the sockets, waiting at most timeout_ms.
  Status Pump(int64_t timeout_ms);
  Status OnEvent(const Message& m);
  Status Train(const std::string& task, const TaskSpec& spec);
  // After training: the trace (and a forced error's real trace) from the
  // recorders, kept for serving, and its trace_commit, carrying `training`
  // (what summary.json reports of the run), sent to the arbiter.
  // REQUIRES: recorder.Finish() has returned (its files, hashes and norms
  // are final).
  Status CommitTrace(const std::string& task, const TaskSpec& spec,
                     std::unique_ptr<TrainingJob> job, CheckpointRecorder& recorder,
                     CheckpointRecorder* real_recorder, nlohmann::json training);
  // Frees what the solver kept for `task` once it has settled; a task_assigned
  // for it that arrives late is ignored from then on.
  void Forget(const std::string& task);
  // A message the arbiter sent this solver alone (a forced_error_notice).
  void OnDirect(const Message& m);
  // The real trace of `task` replaces the posted one (fetches, demands and
  // disputes are about it from now on); its opening, or nullopt when there
  // is no real trace kept for the task.
  std::optional<RealTrace> SwitchToRealTrace(const std::string& task);
  // The arbiter revealed the forced error of `task`: the real trace
  // replaces the posted one and its commitment is opened (real_trace).
  Status OnForcedErrorRevealed(const std::string& task);
  // Asks the arbiter whether the task is a forced error and waits (polling
  // the arbiter connection; the query is resent until answered) for the
  // notice. Timeout when none arrives in time.
  Status AwaitNotice(const std::string& task);
  // Answers a request on the serving socket: a checkpoint, or (to the
  // challenger of a dispute) the data the solver committed to in the game.
  void Serve(const Message& m, const std::string& routing_id);
  Result<CheckpointReply> CheckpointFor(const Message& m);
  // Checkpoint `fetch.index` of `task` as committed, with its proof.
  Result<CheckpointReply> ReadCommitted(const std::string& task, const FetchCheckpoint& fetch);
  // The arbiter demands checkpoint `index` (a data-availability
  // challenge): delivered once, as the behaviour serves it.
  void OnDemand(const std::string& task, int64_t index);
  // A state of the disputed interval, or the disputed step's node outputs
  // (solver/defence.cc). FailedPrecondition when there is no such dispute
  // or `from` is not its challenger.
  Result<DisputeData> DisputeDataFor(const std::string& task, const std::string& from,
                                     const FetchDisputeData& fetch);
  // The challenge game (solver/defence.cc).
  Status OnDisputeOpened(const std::string& task, const DisputeOpened& d);
  Status OnGameUpdate(const std::string& task, const GameUpdate& u);
  Result<Message> AnswerMove(const std::string& task, Defence& defence, const GameUpdate& u);
  // The recorded step `step` (global) of the disputed interval, recorded
  // now (from the trajectory, with the behaviour's hook) unless it is the
  // one already held. A solver restarted during the node dissection has
  // lost the step it committed to in graph_commit; recording it again gives
  // the same transcript, since a step is reproducible bit for bit.
  Result<const StepTranscript*> RecordedStep(const Trace& trace, Defence& defence, int64_t step);

  RoleConfig config_;
  Messenger messenger_;
  std::unique_ptr<SolverBehaviour> behaviour_;
  ArbiterLink link_;
  // CURVE (core/transport/role_curve.h), when the run has it on. The ZAP
  // handler is declared before the socket it guards: it outlives it.
  std::optional<RoleCurve> curve_;
  std::unique_ptr<ZapHandler> zap_;
  zmq::socket_t serve_;
  ReplayGuard serve_guard_;
  std::string serve_endpoint_;
  std::map<std::string, Trace> traces_;
  // The trace files served: each verified in full on its first read.
  VerifiedCheckpoints checkpoints_;
  // Answers with tensors still on their way, by (peer, request id): alive
  // while the transport holds any of the answer's frames (Serve).
  std::map<std::pair<std::string, uint64_t>, std::weak_ptr<const void>> sending_;
  std::map<std::string, Defence> defences_;
  // Game moves answered on each task, over all its games: what a crash
  // point "dispute" after N counts (a task may play several games).
  std::map<std::string, int64_t> moves_answered_;
  std::map<std::string, bool> forced_errors_;  // task -> must post a wrong result
  // A forced error's real trace, until the arbiter reveals the forced
  // error and it replaces the posted one in traces_; with its opening.
  struct RealTraceKept {
    Trace trace;
    RealTrace opening;
  };
  std::map<std::string, RealTraceKept> real_traces_;
  std::map<std::string, std::set<int64_t>> delivered_;  // checkpoints delivered, by task
  std::set<std::string> failed_;  // tasks this process could not train (not tried again)
  // Steps computed for the task being trained, by this process and any
  // earlier one (solver/resume.h): told to the arbiter if training fails.
  int64_t steps_computed_ = 0;
  std::set<std::string> peers_;   // the verifiers of the tasks assigned to it
  std::set<std::string> settled_;  // tasks settled: forgotten (see Forget)
  CrashPoint crash_;  // a scenario's crash test, if any
  // Where checkpoints are written: a disk that fills up (a scenario's disk
  // fault, core/state/disk_full_env.h), or null for the real one.
  std::unique_ptr<Env> disk_;
  // Where checkpoints are written: disk_, or the real disk with or without
  // fsync (settings "durable_files").
  Env* env_ = nullptr;
  bool training_ = false;
  bool shutdown_ = false;
};

}  // namespace veritrain
