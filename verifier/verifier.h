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
// VerificationPolicy against its δ (core/pol/check_interval.h), after fetching
// the end checkpoint's tensors too. Every selected interval is checked and
// reported (distances, δ, the update's size, the hyper-parameters the start
// checkpoint claims and how they differ from the task's); the verifier posts
// `accept`, or a challenge listing every interval that disagrees, the one
// a game can best prove first (KeepDisputed).
// Re-executed steps are exactly (intervals checked) × k.
//
// Hyper-parameters come from the task; a checkpoint's claim is only
// reported, unless the task's policy says "prover" (proof-of-learning as
// published, kept to reproduce the attacks on it). In tolerance mode, a
// posted update norm that does not match the checked interval's checkpoints
// is a challenge: top-Q relies on those norms.
//
// Precision: exact mode re-executes in the precision the solver committed
// in (bits can only agree there, whatever the verifier's own profile);
// tolerance mode computes in the verifier's own dtype from the committed
// state cast to it, and checkpoint 0 is checked in the committed precision.
//
// A verifier that cannot verify for a reason of its own — it cannot build
// the job, its computation fails on a well-formed state — abstains: a
// verdict that neither accepts nor challenges and says why, which the
// arbiter settles without slashing it for silence.
//
// When the solver does not serve a checkpoint (a refusal, a bad inclusion
// proof, no answer within the task's game clock) or serves one whose step
// counter is not the step it stands for, the verifier asks the arbiter for
// it (a data-availability challenge, DemandFromArbiter): the arbiter
// demands it from the solver and relays it, and the verifier goes on with
// it; or the solver does not deliver a valid one in time and the task
// settles as `withheld`, without this verifier's verdict.
//
// If it challenges, it plays the challenge game as the challenger
// (verifier/challenge.cc) when the arbiter opens its dispute. The
// challenges of a task are played one after another, in selection order,
// each challenger's intervals in the order its challenge lists them, until
// one game is upheld (docs/protocol.md): when a game of its own is lost
// and the next interval it listed is played, it drops the lost one's
// states and plays the next from the states it kept. A challenger waits, holding the
// states it checked, while another's game is played (there is no deadline
// on that wait: the task settles, or its own dispute_opened comes), acts
// only on the game updates that name it, and drops its side of its own
// game once the next challenger's dispute opens. In exact mode, at every round it names the first
// sub-range whose end hash disagrees with its own re-execution, first over
// the interval's steps, then over the disputed step's node-output chain.
// In tolerance mode hashes differ across profiles, so it compares with the
// solver's own committed data instead, which it fetches from the solver
// (fetch_dispute_data) and checks against the solver's posted hashes: over
// the steps, it re-executes each sub-range from the solver's state at its
// start and names the first landing outside δ for that many steps
// (core/pol/distance_dissection.h); over the nodes, it evaluates every node
// of the disputed step from the solver's committed inputs and names the
// first outside its node threshold (core/pol/step_scan.h). Its reasons go
// on the record with each move (the move's note).
//
// A check, a demand or a move is computed inside the handling of one
// event, and takes seconds to minutes; the events that arrive meanwhile
// are held (WatchArbiter) and handled in order once it ends. When one of
// them settles the task or shuts the run down, the computation stops: a
// verifier still asking a solver that has left for a checkpoint would
// otherwise hold the whole run up until its process was killed.
//
// Of a task's verifiers, only those the arbiter's revealed randomness
// selects (core/protocol/task_draws.h, economics.verifiers_per_task) verify;
// the others stay silent.
//
// Durable state (docs/reliability.md, verifier/kept_verdict.h): before
// posting a verdict the verifier writes it to
// <work_dir>/<name>/<task>/verdict.json, with the run's id
// (RoleConfig::run_id) and the task. A restarted verifier (and
// only a restarted one) that is shown the proof again re-posts that verdict
// instead of verifying anew, if the record is this run's (the arbiter
// refuses it if the first copy arrived); a record from another run is
// never posted (a later run once re-posted an earlier run's acceptance of
// a cheating solver). The solver's states at the start (and, in tolerance
// mode, the end) of every interval its challenge lists are kept as
// checkpoint files named by their hashes in <work_dir>/<name>/<task>/kept
// (verifier/kept_states.h): a game loads its own, and a restarted
// challenger finds them there, checked against the dispute's hashes,
// rather than asking a solver that may withhold them; it fetches them
// from the solver again only when they are not there.
//
// Memory: when a task settles the verifier drops its assignment (the job
// and the data it loaded, the jobs built for claimed hyper-parameters) and
// its challenge, so that a long run of tasks does not grow. Within an
// interval it holds about two states: the fetched start goes as the
// re-execution replaces it (CheckInterval takes it by value), the state
// re-executed goes once compared, and only an interval that fails fetches
// its start again, to keep on disk for the game (so a challenge listing many
// intervals holds no more memory than one).
//
// Thread-safety: one Verifier runs on one thread (Run()).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <zmq.hpp>

#include "core/pol/check_interval.h"
#include "core/pol/step_scan.h"
#include "core/protocol/interval_selection.h"
#include "core/train/job.h"
#include "core/train/node_arbitration.h"
#include "core/train/trajectory.h"
#include "core/transport/arbiter_link.h"
#include "core/role/crash_point.h"
#include "core/transport/messenger.h"
#include "core/role/role_config.h"
#include "core/transport/role_curve.h"
#include "core/wire/messages/all.h"
#include "verifier/behaviour.h"

namespace veritrain {

// A verdict that neither accepts nor challenges: the verifier could not
// verify, for `reason`.
Verdict Abstention(const std::string& reason, nlohmann::json intervals, int64_t steps,
                   double seconds);

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
    std::string job_error;  // why `job` could not be built
    JobConfig job_config;
    nlohmann::json task_optimizer;  // the task's hyper-parameters
    // Jobs built with a checkpoint's claimed hyper-parameters (policy
    // "prover") or in another precision than the verifier's, by the claim's
    // JSON text (or "task") and the dtype.
    std::map<std::string, std::unique_ptr<TrainingJob>> other_jobs;
    // The traces taken up: the posted one, and after a forced error the
    // solver's real trace (proof_posted again, with real_trace).
    std::set<Digest> roots_done;
    std::optional<ProofPosted> posted;
    // The solver's committed states at the start and (tolerance mode) the
    // end of every interval its challenge lists, by interval: a game on any
    // of them may be played (Verdict::further). Kept rather than fetched
    // again when the game opens, since a solver could withhold them then;
    // kept on disk (verifier/kept_states.h, in KeptDir), by their hashes,
    // so that memory holds none of them until a game loads its own.
    struct DisputedStates {
      Digest start;
      std::optional<Digest> end;
    };
    std::map<int64_t, DisputedStates> disputed;
    // The solver lost a data-availability challenge of this verifier's:
    // the task settles without its verdict.
    bool withheld = false;
    // Game moves answered over all its games on the task: what a crash
    // point "dispute" after N counts.
    int64_t moves_answered = 0;
  };
  // What the challenger keeps during a dispute.
  struct Challenge {
    std::string task;
    int64_t game = 0;  // the game's number on the task (core/protocol/game_order.h)
    int64_t interval = 0;  // the interval the game is on
    int64_t first_step = 0;
    int64_t length = 0;  // L, the disputed interval's steps
    bool tolerance = false;
    // Exact mode: its own trajectory over the interval (empty when it never
    // re-executed it) and, once there, its own record of the disputed step.
    Trajectory trajectory;
    std::optional<StepTranscript> transcript;
    // Tolerance mode: the hashes the solver posted (relative step position
    // -> state hash), the solver's states fetched and checked against them,
    // its connection for fetching, and the scan of the disputed step.
    std::map<int64_t, Digest> solver_hashes;
    std::map<int64_t, TensorMap> solver_states;
    std::unique_ptr<zmq::socket_t> solver;
    std::optional<StepScan> scan;
    nlohmann::json scan_note;
    int64_t answered = -1;
    // Its chess clock as far as it can tell (the dispute's clock less the
    // time it took over its moves), and when the move in hand started: a
    // fetch from the solver during a move may take a quarter of what is
    // left, so a solver that never answers cannot run the challenger out
    // of time (an unanswered fetch counts against the solver).
    int64_t clock_left_ms = 0;
    std::chrono::steady_clock::time_point move_started;
    // A move asked of it before it has seen the solver's proof again (a
    // restarted challenger, whose proof the arbiter re-sends behind the
    // game's updates): without the proof it can neither fetch the solver's
    // states nor compare them, and a blind choice loses the game. It
    // waits for the proof, and answers blind only when half of what is
    // left of its clock has gone (AnswerDeferredMoves).
    std::optional<GameUpdate> deferred;
    std::chrono::steady_clock::time_point deferred_since;
  };
  // How long a fetch from the solver may wait during the current move.
  static std::chrono::milliseconds FetchBudget(const Challenge& c);

  Verifier(zmq::context_t& ctx, RoleConfig config, Messenger messenger,
           std::unique_ptr<VerifierBehaviour> behaviour, RetryPolicy retry);

  Status Pump(int64_t timeout_ms);
  Status OnEvent(const Message& m);
  // What a long computation for `task` calls as it goes: ticks the arbiter
  // link and holds the events that have arrived (Pump handles them, in
  // order, once the computation is over). FailedPrecondition when a held
  // event settles `task` or shuts the run down: nothing computed for the
  // task is asked for any more.
  Status WatchArbiter(const std::string& task);
  // Whether a held event settles `task` or shuts the run down.
  bool EndedWhileHeld(const std::string& task) const;
  Status OnAssigned(const std::string& task, const TaskAssigned& assigned);
  // Builds the assignment's job (and loads its data) unless it is built or
  // could not be: when the task is assigned if this verifier is sure to be
  // drawn, else once it is.
  void BuildJob(const std::string& task, Assignment& a);
  Status OnProofPosted(const std::string& task, const ProofPosted& posted);
  // The honest procedure for one task; returns the verdict to post.
  Result<Verdict> Check(const std::string& task, Assignment& a, const ProofPosted& posted);
  // One Check in progress (verifier.cc).
  struct CheckRun;
  // Checks one selected interval: fetches its checkpoints, rules on
  // checkpoint 0 and on the checkpoints' step counters, re-executes and
  // compares it (core/pol/check_interval.h), adds its entry to the report
  // and words what it found. Returns the verdict to post at once (an
  // abstention, or a challenge of checkpoint 0), or nullopt to go on.
  Result<std::optional<Verdict>> CheckOneInterval(CheckRun& run,
                                                  const SelectedInterval& interval);
  // One interval in hand: its report entry and checkpoints (verifier.cc).
  struct IntervalInHand;
  // The verifier's words for what the check of an interval found, with
  // the interval's report entry; the verdict to post at once, if any.
  Result<std::optional<Verdict>> Conclude(IntervalInHand& h, const IntervalCheck& check);
  // Checkpoint `index` does not record its step: a data-availability
  // challenge because of `why`. An abstention when the solver withholds it
  // (the task settles as withheld), else the interval fails.
  std::optional<Verdict> DemandStep(IntervalInHand& h, int64_t index, const std::string& why);
  // Fetches checkpoint `index` from the solver, or else demands it from the
  // arbiter (DemandFromArbiter).
  Result<CheckpointReply> FetchOrDemand(CheckRun& run, int64_t index, bool with_tensors);
  // Records a failing interval for the challenge, keeping its committed
  // states for a game on it. The challenge lists every failing interval,
  // clear departures (strength >= kClearDeparture, earliest interval
  // first) and then the others strongest first: `strength` ranks what a
  // game can prove (a tolerance-mode interval by its largest distance / δ,
  // ranked against `rank_norm`: core/pol/departure_rank.h; a finding the
  // game proves outright, such as a hash that differs, +inf; a posted
  // update norm that does not match, which no game rules on, 0). Ties keep
  // the earlier interval first. When the game on one is lost the arbiter
  // plays the next: honest rounding just past δ may rank above a cheat.
  static void KeepDisputed(CheckRun& run, int64_t interval, const std::string& why,
                           const CheckpointReply& begin, const CheckpointReply& end,
                           double strength, std::optional<double> rank_norm = std::nullopt);
  // The norm a tolerance-mode interval outside δ is ranked against
  // (core/pol/departure_rank.h): its end's parameter norm, +inf when its
  // start or end is beyond this verifier's precision, nullopt without the
  // end's tensors.
  static std::optional<double> RankNormOf(const IntervalInHand& h);
  // The job to re-execute an interval with, computing in `dtype`
  // ("float32" | "float64"): the task's, or (policy "prover") one built
  // with the start checkpoint's claimed optimizer.
  Result<const TrainingJob*> JobFor(Assignment& a, const nlohmann::json& claimed,
                                    const std::string& dtype);
  // The task's job in precision `dtype`.
  Result<const TrainingJob*> JobInDtype(Assignment& a, const std::string& dtype);
  // Fetches checkpoint `index` and checks it against the trace root,
  // waiting at most `timeout` for the solver.
  Result<CheckpointReply> Fetch(zmq::socket_t& solver, const std::string& task,
                                const ProofPosted& posted, int64_t index, bool with_tensors,
                                std::chrono::milliseconds timeout = kFetchTimeout);
  // A data-availability challenge: asks the arbiter for checkpoint `index`
  // (availability_challenge), because of `why`, and asks again on the
  // retry back-off until the demand ends. Returns the checkpoint the
  // solver delivered (relayed by the arbiter, checked against the trace
  // root as Fetch does); FailedPrecondition with `a.withheld` set when the
  // solver did not deliver a valid one (the task settles as `withheld`);
  // Unavailable when the arbiter refuses.
  Result<CheckpointReply> DemandFromArbiter(const std::string& task, Assignment& a,
                                            const ProofPosted& posted, int64_t index,
                                            const std::string& why);
  // Checks a checkpoint answer for position `index` against the trace.
  static Status CheckFetched(const CheckpointReply& reply, const ProofPosted& posted,
                             int64_t index, bool with_tensors);
  // Sends `request` to the solver and waits for its answer (same request
  // id), resending on the retry policy's back-off; Unavailable with the
  // solver's reason when it refuses, Timeout when it never answers.
  // `timeout` bounds the whole wait.
  Result<Message> AskSolver(zmq::socket_t& solver, const std::string& task,
                            const std::string& solver_name, Message request,
                            const std::string& what,
                            std::chrono::milliseconds timeout = kFetchTimeout);
  static constexpr std::chrono::milliseconds kFetchTimeout{120000};

  // Where the verdict on `task` is kept (see the durable state above); the
  // verdict on a forced error's real trace is kept apart.
  std::string VerdictRecord(const std::string& task, bool real_trace) const;
  // Where the count of steps re-executed on `task` is kept
  // (KeepStepsReexecuted), with its folders made.
  std::string StepsRecord(const std::string& task, bool real_trace) const;
  // Where the states a challenge lists are kept on disk
  // (<work_dir>/<name>/<task>/kept, verifier/kept_states.h), the folders made.
  std::string KeptDir(const std::string& task) const;
  // Drops the kept states of `a`'s listed interval `interval` (all of them
  // when nullopt), keeping a file another listed interval still needs.
  void DropDisputed(const std::string& task, Assignment& a, std::optional<int64_t> interval);
  // The states a game on d.interval plays from: the start and (tolerance
  // mode) the end, checked against the dispute's hashes.
  struct GameStates {
    TensorMap start;
    std::optional<TensorMap> end;
    bool kept = false;  // they are kept in KeptDir: the start can be loaded again
  };
  // Loaded from where they were kept (KeepDisputed), or, when they are
  // not there (a restarted challenger whose disk was lost, a kept file
  // that is damaged, a write that failed), fetched from the solver again.
  Result<GameStates> DisputedStatesOf(const std::string& task, Assignment& a,
                                      const DisputeOpened& d);
  // The states fetched from the solver and checked against the dispute's
  // agreed start and disputed end hashes, and kept for the game's reloads
  // and a later restart.
  Result<GameStates> RefetchDisputedStates(const std::string& task, Assignment& a,
                                           const DisputeOpened& d);

  // The challenge game (verifier/challenge.cc).
  Status OnDisputeOpened(const std::string& task, const DisputeOpened& d);
  Status OnGameUpdate(const std::string& task, const GameUpdate& u);
  // Answers the move of `u` (OnGameUpdate, once it is this side's to make).
  Status AnswerMove(const std::string& task, Challenge& c, const GameUpdate& u);
  // Answers each deferred move whose proof has come, or whose wait has
  // used half of what was left of its clock (then blind).
  Status AnswerDeferredMoves();
  Result<GameMove> ChooseMove(Assignment& a, Challenge& c, const GameUpdate& u);
  // Exact mode: the first sub-range whose end hash differs from its own.
  Result<int64_t> ChooseByHash(Assignment& a, Challenge& c, const GameUpdate& u,
                               const std::vector<int64_t>& legal);
  // Tolerance mode, phase 1 and phase 2 (see the header comment).
  Result<int64_t> ChooseStepByDistance(Assignment& a, Challenge& c, const GameUpdate& u,
                                       const std::vector<int64_t>& legal, nlohmann::json* note);
  Result<int64_t> ChooseNodeByScan(Assignment& a, Challenge& c, const GameUpdate& u,
                                   const std::vector<int64_t>& legal, nlohmann::json* note);
  // The solver's committed state `p` steps into the disputed interval,
  // fetched once and checked against the hash it posted.
  Result<TensorMap> SolverStateAt(Assignment& a, Challenge& c, const std::string& task,
                                  int64_t p);
  // The challenger's connection to the solver for fetching dispute data.
  Result<zmq::socket_t*> SolverSocket(Assignment& a, Challenge& c);
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
  // The latest game of each task a dispute_opened was seen for: an event
  // of an earlier game (late, or duplicated) belongs to a game that is over.
  std::map<std::string, int64_t> latest_games_;
  std::set<std::string> settled_;  // tasks settled: their state is dropped
  bool shutdown_ = false;
  // Events received during a computation, not handled yet (WatchArbiter).
  std::deque<Message> held_events_;
};

}  // namespace veritrain
