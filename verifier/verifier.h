// Verifier: checks a solver's proof of learning by re-execution (design
// stage 5), in exact or tolerance mode.
//
// When the arbiter reveals its randomness it picks intervals — the top-Q
// largest updates and R drawn at random from a seed derived from the
// revealed secret and the trace root — fetches each interval's start
// checkpoint (tensors) and end checkpoint (hash; tensors too in tolerance
// mode, or when exact mode finds a mismatch), checks both against
// the trace root with their inclusion proofs and recomputes the start's
// state hash from the tensors it received, re-executes k steps of the
// task's step graph, and compares the result with the committed end: state
// hashes in exact mode; in tolerance mode the distances of the task's
// VerificationPolicy against its δ (verifier/tolerance.h), after fetching
// the end checkpoint's tensors too. Every selected interval is checked and
// reported (distances, δ, the update's size, the hyper-parameters the start
// checkpoint claims and how they differ from the task's); the verifier posts
// `accept`, or a challenge naming the first interval that disagrees.
// Re-executed steps are exactly (intervals checked) × k.
//
// Hyper-parameters come from the task; a checkpoint's claim is only
// reported, unless the task's policy says "prover" (proof-of-learning as
// published, kept to reproduce the attacks on it). In tolerance mode, a
// posted update norm that does not match the checked interval's checkpoints
// is a challenge: top-Q relies on those norms.
//
// If it challenges, it plays the challenge game as the challenger: at
// every round it names the first sub-range whose end disagrees with its
// own re-execution, first over the interval's steps, then over the
// disputed step's node-output chain.
//
// Of a task's verifiers, only those the arbiter's revealed randomness
// selects (core/protocol/task_draws.h, economics.verifiers_per_task) verify;
// the others stay silent.
//
// Durable state (docs/reliability.md): before posting a verdict the
// verifier writes it to <work_dir>/<name>/<task>/verdict.json. A restarted
// verifier that is shown the proof again re-posts that verdict instead of
// verifying anew (the arbiter refuses it if the first copy arrived), and,
// in a dispute it had opened, fetches the disputed interval's agreed start
// checkpoint from the solver again (checked against the dispute's start
// hash) to recompute its side of the game.
//
// Memory: when a task settles the verifier drops its assignment (the job
// and the data it loaded, the jobs built for claimed hyper-parameters) and
// its challenge, so that a long run of tasks does not grow.
//
// Thread-safety: one Verifier runs on one thread (Run()).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include <zmq.hpp>

#include "core/train/job.h"
#include "core/train/node_arbitration.h"
#include "core/train/trajectory.h"
#include "core/transport/arbiter_link.h"
#include "core/transport/crash_point.h"
#include "core/transport/messenger.h"
#include "core/transport/role_config.h"
#include "core/transport/role_curve.h"
#include "core/wire/messages/all.h"
#include "verifier/behaviour.h"

namespace veritrain {

class Verifier {
 public:
  // REQUIRES: the hardware profile has been applied to this process.
  static Result<std::unique_ptr<Verifier>> Create(zmq::context_t& ctx,
                                                  const RoleConfig& config);
  Status Run();

 private:
  struct Assignment {
    TaskSpec spec;
    Digest commitment;
    std::unique_ptr<TrainingJob> job;
    JobConfig job_config;
    nlohmann::json task_optimizer;  // the task's hyper-parameters
    // Jobs built with a checkpoint's claimed hyper-parameters (policy
    // "prover"), by the claim's JSON text, and in another precision than the
    // verifier's (by "dtype:<name>").
    std::map<std::string, std::unique_ptr<TrainingJob>> claimed_jobs;
    bool done = false;
    std::optional<ProofPosted> posted;
    std::optional<TensorMap> disputed_start;  // start state of the interval it challenged
  };
  // What the challenger keeps during a dispute: its own trajectory over the
  // interval and, once there, its own record of the disputed step.
  struct Challenge {
    int64_t first_step = 0;
    Trajectory trajectory;  // empty when it never re-executed the interval
    std::optional<StepTranscript> transcript;
    int64_t answered = -1;
    int64_t moves_answered = 0;
  };

  Verifier(zmq::context_t& ctx, RoleConfig config, Messenger messenger,
           std::unique_ptr<VerifierBehaviour> behaviour, RetryPolicy retry);

  Status Pump(int64_t timeout_ms);
  Status OnEvent(const Message& m);
  Status OnAssigned(const std::string& task, const TaskAssigned& assigned);
  Status OnProofPosted(const std::string& task, const ProofPosted& posted);
  // The honest procedure for one task; returns the verdict to post.
  Result<Verdict> Check(const std::string& task, Assignment& a, const ProofPosted& posted);
  // The job to re-execute an interval with: the task's, or (policy
  // "prover") one built with the start checkpoint's claimed optimizer.
  Result<const TrainingJob*> JobFor(Assignment& a, const nlohmann::json& claimed);
  // The task's job in precision `dtype` ("float32" or "float64"): the
  // verifier's own when its profile computes in that precision. Checkpoint
  // 0 is checked against the initial state in the precision the solver
  // committed in, whatever this verifier computes in.
  Result<const TrainingJob*> JobInDtype(Assignment& a, const std::string& dtype);
  // Fetches checkpoint `index` and checks it against the trace root. The
  // request is resent on the retry policy's back-off until answered.
  Result<CheckpointReply> Fetch(zmq::socket_t& solver, const std::string& task,
                                const ProofPosted& posted, int64_t index, bool with_tensors);

  // Where the verdict on `task` is kept (see the durable state above).
  std::string VerdictRecord(const std::string& task) const;
  // A restarted challenger's start state for the dispute: fetched from the
  // solver and checked against the dispute's agreed start hash.
  Status RefetchDisputedStart(const std::string& task, Assignment& a, const DisputeOpened& d);

  // The challenge game (verifier/challenge.cc).
  Status OnDisputeOpened(const std::string& task, const DisputeOpened& d);
  Status OnGameUpdate(const std::string& task, const GameUpdate& u);
  Result<GameMove> ChooseMove(Assignment& a, Challenge& c, const GameUpdate& u);
  // A challenge of `interval` with both checkpoint hashes and their proofs.
  Result<Verdict> ChallengeWithProofs(zmq::socket_t& solver, const std::string& task,
                                      const ProofPosted& posted, int64_t interval,
                                      const std::string& reason);

  zmq::context_t& ctx_;
  RoleConfig config_;
  Messenger messenger_;
  std::unique_ptr<VerifierBehaviour> behaviour_;
  RetryPolicy retry_;
  CrashPoint crash_;  // a scenario's crash test, if any
  ArbiterLink link_;
  // CURVE (core/transport/role_curve.h), when the run has it on.
  std::optional<RoleCurve> curve_;
  ReplayGuard solver_guard_;
  std::map<std::string, Assignment> assignments_;
  std::map<std::string, Challenge> challenges_;
  std::set<std::string> settled_;  // tasks settled: their state is dropped
  bool shutdown_ = false;
};

}  // namespace veritrain
