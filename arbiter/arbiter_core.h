// ArbiterCore: the arbiter's state and decisions with no socket and no
// clock of its own (docs/architecture.md, "The arbiter"). Requests and time
// go in; replies come back from Handle, and events to log, ledger
// transfers (logged as "transfer" events) and events to publish go out
// through an ArbiterOutbox. Arbiter (arbiter/arbiter.h) is the server
// around it: it decodes and authenticates requests, gives them to the core
// with the time, sends the replies, republishes, sends heartbeats and
// reaches the crash points.
//
// What it holds: the ledger, every task (arbiter/task.h) with its machine,
// deadlines, game and checkpoint demands, whom it has heard from
// (arbiter/participants.h) and the replies kept for resent requests
// (arbiter/reply_cache.h). The decisions on a task are the pure functions
// of arbiter/task_rules.h; the core applies them, in the order of the
// protocol (docs/protocol.md), and writes each step to the outbox as it
// takes it: an event is logged before anything that announces it is
// published or replied, because the outbox's Append is durable when it
// returns.
//
// Time: the core's time is the time of its input (Handle, Tick,
// CheckSilence), moved on to the time the log stamped on each event it
// appends (ArbiterOutbox::Append returns it): what it decides after a long
// evaluation (a node's ruling) is timed as the log records it, which is
// the time a recovery replays (arbiter/recovery.cc).
//
// Recovery (arbiter/recovery.cc): Recover rebuilds this state from the
// previous process's event log — from the events the core wrote, each
// applied with the state changes the live path makes (arbiter/task_rules.h),
// not by handling the logged requests again.
//
// Compute: ruling on a dispute's last node and on a challenged checkpoint 0
// builds the task's job (core/train/job.h) and evaluates it; a delivered
// checkpoint is kept in a file under config.work_dir. These are the only
// things it does besides deciding.
//
// Thread-safety: none; one thread drives a core. The outbox outlives it.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "arbiter/participants.h"
#include "arbiter/reply_cache.h"
#include "arbiter/task.h"
#include "arbiter/task_rules.h"
#include "core/protocol/event_log.h"
#include "core/protocol/events.h"
#include "core/protocol/ledger.h"
#include "core/protocol/settlement.h"
#include "core/transport/log_limiter.h"
#include "core/util/status.h"
#include "core/wire/messages/all.h"

namespace veritrain {

// Where the core's output goes. The server's implementation appends to the
// event log (fdatasync) and ledger.jsonl, and sends on the event socket; a
// test's outbox records what it is given.
class ArbiterOutbox {
 public:
  virtual ~ArbiterOutbox() = default;
  // Appends an event (one of core/protocol/events.h) to the log, durably,
  // and then the ledger's entries not yet written; returns the time the
  // event was stamped with. Nothing is published or replied after it
  // before it is on disk. An error is a failure of the arbiter itself.
  virtual Result<int64_t> Append(const std::string& type, const std::string& task,
                                 const nlohmann::json& data) = 0;
  // Logs a chain_head event: the heads of the event log and of `ledger`,
  // signed with the arbiter's key (core/protocol/chain_head.h).
  virtual Status SignHeads(const Ledger& ledger) = 0;
  // Sends an event to the subscribers. A subscriber that cannot keep up is
  // not the arbiter's failure: nothing is returned.
  virtual void Publish(const Message& m) = 0;
};

struct ArbiterCoreConfig {
  std::string name = "arbiter";  // the arbiter's own name
  std::string submitter = "submitter";
  uint64_t seed = 0;              // the run seed: each task's secret
  std::string dtype = "float32";  // the precision the arbiter computes in
  // A delivered checkpoint is kept in <work_dir>/<name>-deliveries.
  std::string work_dir;
  // The participants whose keys the run has: a task naming another is refused.
  std::set<std::string> known;
  // How long a settled task's outcome is republished (at most kSettledKeptMs).
  int64_t settled_republish_ms = 30000;
  int64_t silence_ms = 0;  // a participant not heard from this long is silent
};

// What the core answers to a request.
struct ArbiterReply {
  std::optional<Message> reply;  // none: nothing is sent back (a heartbeat)
  bool taken = false;            // handled and accepted (not refused, not a resend)
};

class ArbiterCore {
 public:
  // How long a settled task is kept (its outcome republished) at most.
  static constexpr int64_t kSettledKeptMs = 30000;

  // REQUIRES: `outbox` outlives the core.
  ArbiterCore(ArbiterCoreConfig config, ArbiterOutbox* outbox);

  // A first start: mints the submitter's, every participant's (participant
  // funds, or its own in settings "funds"), the jackpot's and the burn
  // account's funds, and logs the genesis event and its transfers.
  // `settings` is the arbiter's RoleConfig::settings, `roster` every
  // participant's name. InvalidArgument for a participant named like a
  // system account.
  Status Genesis(const nlohmann::json& settings, const std::vector<std::string>& roster,
                 const std::string& public_key_hex,
                 const std::optional<std::string>& manifest_sha256, int64_t now_ms);
  // A restart: the state replayed from the previous process's log
  // (arbiter/recovery.cc); Corruption naming the event where it diverges.
  Status Recover(const std::vector<Event>& events, int64_t now_ms);

  // One authenticated request from `m.from`, which arrived as `bytes` bytes
  // from `routing_id`, at `now_ms`. A resent request (same sender and
  // request id) gets its first reply again and changes nothing. An error is
  // a failure of the arbiter itself (it cannot log); a refused request is a
  // reply.
  Result<ArbiterReply> Handle(const Message& m, const std::string& routing_id, int64_t bytes,
                              int64_t now_ms);
  // Time passes: checkpoint demands, stage deadlines and game clocks that
  // are due at `now_ms` fire.
  Status Tick(int64_t now_ms);
  // The earliest time after `now_ms` at which Tick has something to fire
  // (a stage deadline, an open demand's deadline, a game clock running
  // out); INT64_MAX when nothing is ahead. The serving loop wakes then.
  int64_t NextDueMs(int64_t now_ms) const;
  // Logs participants that have gone silent by `now_ms`.
  Status CheckSilence(int64_t now_ms);
  // Calls `send` with every event to repeat at `now_ms`: the latest events
  // of open tasks, and a recently settled task's outcome.
  void Republish(int64_t now_ms, const std::function<void(const Message&)>& send) const;
  // Drops the tasks settled longer ago than kSettledKeptMs: memory and the
  // time of every pass over the tasks stay flat over a long run.
  void ForgetSettled(int64_t now_ms);

  // The types of message the core handles: any other is not a request
  // (an event or a reply sent back), and is the server's to drop.
  static bool IsRequest(const std::string& type);

  bool shutting_down() const { return shutting_down_; }
  const Ledger& ledger() const { return ledger_; }
  const Participants& participants() const { return participants_; }
  int64_t refused_transfers() const { return refused_transfers_; }
  int64_t repeated_requests() const { return repeated_requests_; }
  // The task `id` while it is held (open, or settled recently); nullptr
  // otherwise.
  const ArbiterTask* task(const std::string& id) const;

 private:
  using Task = ArbiterTask;

  // The core's time: the input's, moved on by the log's stamps.
  int64_t Now() const { return now_ms_; }
  void At(int64_t now_ms) { now_ms_ = std::max(now_ms_, now_ms); }

  struct Replay;
  Status ReplayEvent(const Event& e, Replay& replay);
  // The events of one task: its states, trace, verdicts, settlement.
  Status ReplayTaskEvent(const Event& e, Task& task);
  // availability_challenge, checkpoint_delivered, availability_failed.
  Status ReplayDemandEvent(const Event& e, Task& task);
  // dispute_opened and the game's moves, rulings, updates.
  Status ReplayGameEvent(const Event& e, Task& task, Replay& replay);
  // A logged request's reply, kept for its resend (rid 0: none).
  void RememberLoggedReply(const std::string& from, uint64_t rid, Message reply);

  // Runs the handler of a request that is not a resend: the reply's Ack
  // (or a reply other than an ack in `answer`).
  Status Dispatch(const Message& m, const std::string& routing_id, int64_t bytes, Ack* reply,
                  std::optional<Message>* answer);
  // The preamble of the handlers of requests about a task, in one place:
  // each check that fails puts its refusal in `reply`. The task `m` names
  // (NoSuchTask otherwise);
  Task* TaskOf(const Message& m, Ack* reply);
  // the request's body;
  template <class M>
  static std::optional<M> BodyOf(const Message& m, Ack* reply) {
    auto body = Unpack<M>(m);
    if (body.ok()) return *std::move(body);
    *reply = Ack{false, body.status().message(), {}};
    return std::nullopt;
  }
  // the sender is the task's solver;
  static bool FromSolver(const Task& task, const Message& m, Ack* reply);
  // the task is in `want` ("task is <state>, not <doing>").
  static bool InState(const Task& task, TaskState want, const char* doing, Ack* reply);
  // A forced_error_query: the answer (a forced_error_notice) for the
  // task's solver, or a refusal in `reply`.
  Status OnForcedErrorQuery(const Message& m, Ack* reply, std::optional<Message>* answer);
  Status OnHello(const Message& m, const std::string& routing_id, Ack* reply);
  Status OnPostTask(const Message& m, Ack* reply);
  Status OnTraceCommit(const Message& m, Ack* reply);
  // training_failed: the task's solver cannot train it (a full disk, a job
  // it cannot build); settled at once as at the training deadline.
  Status OnTrainingFailed(const Message& m, Ack* reply);
  Status OnVerdict(const Message& m, Ack* reply);
  // availability_challenge: opens or joins a demand for a checkpoint, and
  // answers with its state or (delivered) the checkpoint itself.
  Status OnAvailabilityChallenge(const Message& m, Ack* reply, std::optional<Message>* answer);
  // The checkpoint relayed for a delivered demand, or a refusal in `reply`.
  void RelayCheckpoint(Task& task, const Demand& d, const std::string& to, Ack* reply,
                       std::optional<Message>* answer);
  // checkpoint_delivery: the solver's answer to a demand, checked once.
  Status OnCheckpointDelivery(const Message& m, Ack* reply);
  // Publishes (and keeps for republishing) the state of `demand`.
  Status PublishDemand(Task& task, const Demand& demand);
  // The solver lost a data-availability challenge and the verification is
  // over (Conclusion::kWithheld): the task goes to `withheld` and settles,
  // the stake to the first withheld challenger in selection order
  // (WithheldChallengers, arbiter/task_rules.h).
  Status Withhold(Task& task, const std::string& reason);
  // Where a delivered checkpoint is kept.
  std::string DeliveryFile(const std::string& task, int64_t index) const;
  Status OpenDispute(Task& task, const std::string& challenger, int64_t interval,
                     const ChallengedInterval& hashes);
  Status OnGameMove(const Message& m, int64_t bytes, Ack* reply);
  Status OnNodeEvidence(const Message& m, int64_t bytes, Ack* reply);
  // Publishes the dispute's state; once it is resolved, settles the task
  // (upheld) or plays the next challenge (rejected, AfterRejected).
  Status AfterMove(Task& task);
  // Builds the task's job (loading its data) for naming and evaluating nodes.
  Status EnsureJob(Task& task);
  // The task's job computing in `dtype` ("float32" | "float64").
  Result<const TrainingJob*> JobIn(Task& task, const std::string& dtype);
  // The arbiter cannot rule on the task's challenge — a failure of its own
  // (it cannot build the job, its evaluation fails): logged as
  // "arbiter_error", the task goes to `void` and settles with every stake
  // returned, never as a crash or a guess.
  Status VoidTask(Task& task, const std::string& why);
  // The task whose dispute `m` is about, with `m.from` a party to it.
  Task* DisputeFor(const Message& m, Ack* reply);
  Status AssignReadyTasks();
  // Draws the verifiers of the task's trace (the posted one, or the real
  // one after a forced error), logs them, locks their stakes, and starts
  // verification.
  Status DrawVerifiers(Task& task);
  // Logs solver_recomputed for a commit of a task past training that says
  // more steps computed (training["steps_computed"]) than any before it,
  // within twice the task's steps; anything else is ignored.
  Status NoteRecomputed(Task& task, const std::string& solver, const nlohmann::json& training);
  // The most steps a solver's word may charge to `task` (training_failed,
  // solver_recomputed).
  static int64_t MostStepsComputed(const Task& task);
  // The deadline of `task` that is due at `now`, if any, fired.
  Status FireDeadline(Task& task, int64_t now);
  // Verification is over (every selected verifier voted, or the deadline
  // passed with some verdicts): a forced error, the first challenge in
  // selection order played, or acceptance.
  Status Conclude(Task& task);
  // Verification of a forced error's posted trace is over: the verifiers'
  // part is settled (catchers, lazy, fees), the draw made public, and the
  // solver has until the reveal deadline to open its real trace.
  Status ForcedRound(Task& task);
  // real_trace: the solver opens the commitment to its real trace, which is
  // then verified as a posted trace would be.
  Status OnRealTrace(const Message& m, Ack* reply);
  // The solver did not open its real trace (in time, or with the trace it
  // committed to): the task goes to `withheld`, the solver's stake to the
  // first verifier that caught the forced error (or the submitter).
  Status RealTraceWithheld(Task& task, const std::string& why);
  // The solver's opened real trace becomes the task's trace: verified
  // next, with the posted trace's checkpoint demands dropped.
  // REQUIRES: task.trace.
  static void AdoptRealTrace(Task& task, const RealTrace& real);
  // The proof_posted event of `task`'s trace (the real one once it is
  // being verified). REQUIRES: task.trace.
  static ProofPosted PostedProof(const Task& task);
  // Plays the challenge `next` (ConclusionOf, NextChallenge): its game
  // opens, or, on checkpoint 0 as the initial state, the arbiter rules.
  // REQUIRES: the task is challenged; next.kind is kDispute or kInitialState.
  Status PlayChallenge(Task& task, const Conclusion& next);
  // `challenger`'s game was played and rejected (`why`; `ruled`: on the
  // merits, NoteRejected): its next interval or the next challenge taken
  // on the trace is played, or, when none is left, the task settles as
  // challenge_rejected.
  Status AfterRejected(Task& task, const std::string& challenger, const std::string& why,
                       bool ruled);
  // A settlement's reason for a challenge upheld, saying how many were
  // rejected before it.
  static std::string UpheldReason(const Task& task, const std::string& why);
  // Rules on a challenge that checkpoint 0 is not the task's initial state:
  // the arbiter builds the task's initial state itself and compares its hash
  // with the committed one (proven against the trace root), then settles
  // (or, rejected, plays the next challenge).
  Status RuleOnInitialState(Task& task, const std::string& challenger,
                            const ChallengedInterval& hashes);
  Status Settle(Task& task, const std::string& reason);
  // Frees what a settled task no longer needs (its job and data, game,
  // trace, verdicts, events other than task_settled).
  static void ReleaseSettled(Task& task);
  // The refusal for a request about a task that is not held: settled and
  // forgotten, or never posted.
  std::string NoSuchTask(const std::string& id) const;
  // A ledger transfer logged as a "transfer" event; a refused one is logged
  // as "transfer_refused" and counted, and is not an arbiter failure.
  // (Named for the ledger: not a game move.)
  Status Transfer(const std::string& from, const std::string& to, int64_t amount,
                  const std::string& reason, const std::string& task);
  // Keeps a task's event for republishing, and publishes it.
  Status Publish(const Message& m);
  // Logs `event` (one of core/protocol/events.h) for `task` ("" for none).
  template <class E>
  Status Log(const std::string& task, const E& event) {
    return Append(E::kType, task, event.ToJson());
  }
  // Appends through the outbox; the core's time moves on to the stamp.
  Status Append(const std::string& type, const std::string& task, const nlohmann::json& data);
  // A participant's refused request: recorded as request_refused, and
  // written to the role's log rate-limited by sender.
  Status LogRefusal(const Message& m, const std::string& error);
  Status Transition(Task& task, TaskEvent e);
  // Every account's balance but the empty escrow, stake and challenge
  // accounts of tasks (task_settled's "balances").
  nlohmann::json BalancesJson() const;

  ArbiterCoreConfig config_;
  ArbiterOutbox* outbox_;
  int64_t now_ms_ = 0;
  Ledger ledger_;
  Participants participants_;
  std::map<std::string, Task> tasks_;  // open tasks and the recently settled
  std::set<std::string> forgotten_;    // settled tasks dropped from tasks_
  int64_t next_task_ = 1;
  int64_t refused_transfers_ = 0;
  ReplyCache replies_;  // recent replies, for resent requests
  int64_t repeated_requests_ = 0;
  // What refused requests write to the role's log, by sender (each is
  // still recorded in the event log as request_refused).
  LogLimiter refusal_log_;
  bool shutting_down_ = false;
};

}  // namespace veritrain
