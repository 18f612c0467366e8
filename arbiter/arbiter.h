// Arbiter: the referee that stands in for the smart contract.
//
// It owns the ledger (escrow and payments), the task state machines and
// their deadlines, the challenge games and their clocks, and the
// hash-chained event log (events.jsonl in the run's results folder). It
// binds a ROUTER for requests (post_task, hello, trace_commit, verdict,
// game_move, node_evidence, training_failed, real_trace, shutdown) and a PUB
// for events (heartbeat, task_assigned, proof_posted, dispute_opened,
// game_update, forced_error_revealed, task_settled, shutdown). With CURVE on (core/transport/role_curve.h) both are CURVE
// servers that admit only the run's participants' keys.
//
// A challenge opens a game over the disputed interval; the arbiter checks
// every move's shape, keeps both chess clocks, and when the dissection is
// down to one node it checks the solver's evidence and evaluates that node
// itself — its only training compute.
//
// For every task it commits to a secret when the task is assigned and
// reveals it only after the solver has posted its trace root, so the
// intervals verifiers draw at random cannot be known while training. From
// the same secret it decides whether the solver must post a wrong result
// (a forced error; told to the solver alone, made public after
// verification) and, once the trace root is posted, which of the task's
// verifiers verify it (core/protocol/task_draws.h).
//
// Money (core/protocol/settlement.h): the reward and the verifier fees go to
// escrow when the task is posted; the solver locks its stake when the task
// is assigned, each selected verifier its stake at selection, a challenger
// its challenge stake with its challenge. Verification ends when every
// selected verifier has voted (or at the deadline): a forced error is then
// revealed and the verifiers' part of it settled, and the solver opens the
// real trace it committed to beside the wrong one, which is verified next
// (docs/protocol.md, "Forced errors"); otherwise the first challenger in
// selection order goes to the game, or the task is accepted. A transfer that would overdraw
// an account is refused, logged ("transfer_refused") and counted; the task
// goes on without that stake.
//
// Lossy networks (docs/reliability.md): every reply carries the request's
// id, and the arbiter keeps its recent replies by (sender, request id); a
// resent request it has already handled gets the same reply again and
// changes nothing. Events are republished: every republish_ms, the latest
// task_assigned, proof_posted, dispute_opened and game_update of each task
// still open, and a settled task's task_settled for a while, so a
// participant that missed one, or restarted, catches up. A settled task
// keeps only its outcome, and is forgotten once it is no longer
// republished, so that memory and time per task stay flat over thousands
// of tasks (the event log on disk keeps everything). Participants send
// heartbeats; one not heard from for silence_ms is logged as
// "participant_silent" (and "participant_returned" when it is heard again).
// The outcome never depends on this: deadlines and game clocks settle a
// task whoever is silent. At shutdown the arbiter repeats the shutdown
// event until every participant still heard from has said goodbye (at most
// closing_ms).
//
// Outsiders (docs/reliability.md): only requests are handled. A message
// signed with the arbiter's own key (one of its events sent back) or of a
// type that is not a request (an event, a reply) is dropped and counted
// ("own_key", "not_a_request" in the role report): never answered, never
// logged as request_refused. A participant's refused requests are recorded
// (request_refused) and written to the role's log rate-limited.
//
// Deadlines and game clocks are the posted spec's seconds converted by
// core/protocol/duration.h; a post whose durations are NaN, negative or
// longer than 365 days is refused.
//
// Crashes (docs/reliability.md): the event log is written ahead — every
// event is on disk (fdatasync) before the reply or event that announces it
// goes out. An arbiter started again after a crash (RoleConfig::restarts >
// 0) replays its log (arbiter/recovery.cc): the ledger from the transfers,
// each task from its events, each game by applying the logged moves at
// their logged times; it checks the replay against the log (the ledger's
// head, each game's last update), logs "arbiter_recovered" and goes on from
// there, its clock continuing from the last event's time (the downtime
// does not count against deadlines or game clocks). ledger.jsonl is written
// as the ledger grows (core/protocol/ledger_file.h): after a crash it holds
// every transfer logged, and a restart rewrites it from the replay.
//
// Audit (docs/reliability.md, `veritrain audit`): the first event
// ("genesis") records the arbiter's public key and the SHA-256 of the run's
// manifest.json; after every settled task and after the shutdown event the
// arbiter logs a "chain_head" event, the heads of the event log and the
// ledger signed with its key (core/protocol/chain_head.h), so that a
// rewritten and re-chained log no longer verifies.
//
// Heartbeat events go out every heartbeat_ms from a HeartbeatThread
// (core/transport/heartbeat_thread.h) started by Run(), so that they go on
// while the arbiter builds a task's job or evaluates the disputed node.
//
// Structure (docs/architecture.md, "The arbiter"): the decisions on a task
// (escrow, verdicts, conclusions, deadlines, settlement inputs) are pure
// functions in arbiter/task_rules.h; what it holds of a task is
// arbiter/task.h; every event it logs is a type of core/protocol/events.h;
// whom it has heard from is arbiter/participants.h, the replies kept for
// resent requests arbiter/reply_cache.h. This class binds the sockets,
// republishes, reaches crash points, and applies those decisions: it logs,
// transfers and publishes.
//
// Thread-safety: one Arbiter runs on one thread (Run()); construct it on
// the thread that runs it. Its heartbeat thread touches only the event
// socket, under events_mu_ (every send on it takes the lock: ZeroMQ allows
// a socket to pass between threads with a full memory barrier, which the
// mutex gives), and Messenger::Send, which is safe from two threads.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "arbiter/dispute.h"
#include "arbiter/participants.h"
#include "arbiter/reply_cache.h"
#include "arbiter/task.h"
#include "core/protocol/availability.h"
#include "core/protocol/clock.h"
#include "core/protocol/commit_reveal.h"
#include "core/protocol/event_log.h"
#include "core/protocol/events.h"
#include "core/protocol/ledger.h"
#include "core/protocol/ledger_file.h"
#include "core/protocol/settlement.h"
#include "core/protocol/task_machine.h"
#include "core/train/job.h"
#include "core/role/crash_point.h"
#include "core/transport/heartbeat_thread.h"
#include "core/transport/log_limiter.h"
#include "core/transport/messenger.h"
#include "core/role/role_config.h"
#include "core/transport/role_curve.h"
#include "core/wire/messages/all.h"

namespace veritrain {

class Arbiter {
 public:
  // REQUIRES: config.role == "arbiter"; `clock` outlives the Arbiter.
  static Result<std::unique_ptr<Arbiter>> Create(zmq::context_t& ctx,
                                                 const RoleConfig& config,
                                                 const Clock* clock);

  // Serves until a shutdown request from the submitter. Returns an error
  // only for failures of the arbiter itself (cannot bind, cannot write the
  // event log, ledger conservation violated).
  Status Run();

 private:
  using Task = ArbiterTask;

  Arbiter(zmq::context_t& ctx, RoleConfig config, const Clock* clock,
          Messenger messenger, EventLog log);

  // The ledger's genesis (a first start).
  Status Genesis();
  // Rebuilds the state from the previous process's event log
  // (arbiter/recovery.cc): each event read through its type in
  // core/protocol/events.h.
  Status Recover(const std::vector<Event>& events);
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
  Status HandleRequest(const Message& m, const std::string& routing_id);
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
  // Republishes the latest events of open (and recently settled) tasks.
  Status Republish();
  // Logs participants that have gone silent, or come back.
  Status CheckSilence();
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
  // checkpoint_delivery: the solver's answer to a demand, checked once.
  Status OnCheckpointDelivery(const Message& m, Ack* reply);
  // Publishes (and keeps for republishing) the state of `demand`.
  Status PublishDemand(Task& task, const Demand& demand);
  // The solver lost a data-availability challenge: the task goes to
  // `withheld` and settles, the stake to the verifier that asked first.
  Status Withhold(Task& task, const Demand& demand);
  // Where a delivered checkpoint is kept.
  std::string DeliveryFile(const std::string& task, int64_t index) const;
  Status OpenDispute(Task& task, const std::string& challenger, int64_t interval,
                     const ChallengedInterval& hashes);
  Status OnGameMove(const Message& m, Ack* reply);
  Status OnNodeEvidence(const Message& m, Ack* reply);
  // Publishes the dispute's state; settles the task once it is resolved.
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
  Status CheckDeadlines();
  // Verification is over (every selected verifier voted, or the deadline
  // passed with some verdicts): a forced error, a dispute, or acceptance.
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
  // Rules on a challenge that checkpoint 0 is not the task's initial state:
  // the arbiter builds the task's initial state itself and compares its hash
  // with the committed one (proven against the trace root), then settles.
  Status RuleOnInitialState(Task& task, const std::string& challenger,
                            const ChallengedInterval& hashes);
  Status Settle(Task& task, const std::string& reason);
  // Frees what a settled task no longer needs (its job and data, game,
  // trace, verdicts, events other than task_settled).
  static void ReleaseSettled(Task& task);
  // Drops the tasks settled longer ago than kSettledRepublishMs: memory and
  // the time of every pass over the tasks stay flat over a long run.
  void ForgetSettled();
  // The refusal for a request about a task that is not held: settled and
  // forgotten, or never posted.
  std::string NoSuchTask(const std::string& id) const;
  // A ledger transfer logged as a "transfer" event; a refused one is logged
  // as "transfer_refused" and counted, and is not an arbiter failure.
  // (Named for the ledger: not a game move.)
  Status Transfer(const std::string& from, const std::string& to, int64_t amount,
                  const std::string& reason, const std::string& task);
  Status Publish(const Message& m);
  // Sends `m` on the event socket, under events_mu_.
  Status SendEvent(const Message& m);
  void StartHeartbeats();
  // Logs `event` (one of core/protocol/events.h) for `task` ("" for none).
  template <class E>
  Status Log(const std::string& task, const E& event) {
    return Append(E::kType, task, event.ToJson());
  }
  // Appends to the event log; ledger.jsonl follows.
  Status Append(const std::string& type, const std::string& task, const nlohmann::json& data);
  // A participant's refused request: recorded as request_refused, and
  // written to the role's log rate-limited by sender.
  Status LogRefusal(const Message& m, const std::string& error);
  Status Transition(Task& task, TaskEvent e);
  // Logs the heads of the event log and the ledger signed with the
  // arbiter's key (core/protocol/chain_head.h): after each settled task and
  // after the shutdown event.
  Status SignHeads();
  // Every account's balance but the empty escrow, stake and challenge
  // accounts of tasks (task_settled's "balances").
  nlohmann::json BalancesJson() const;

  RoleConfig config_;
  const Clock* clock_;
  Messenger messenger_;
  EventLog log_;
  Ledger ledger_;
  LedgerFile ledger_file_;  // ledger.jsonl, synced after every event logged
  // CURVE (core/transport/role_curve.h), when the run has it on. The ZAP
  // handler is declared before the sockets: it outlives them.
  std::optional<RoleCurve> curve_;
  std::unique_ptr<ZapHandler> zap_;
  zmq::socket_t requests_;
  zmq::socket_t events_;
  std::mutex events_mu_;  // every use of events_ once the heartbeat thread runs
  ReplayGuard request_guard_;
  std::string submitter_;
  Participants participants_;
  // How long a settled task's outcome is republished, and kept.
  static constexpr int64_t kSettledRepublishMs = 30000;
  std::map<std::string, Task> tasks_;  // open tasks and the recently settled
  std::set<std::string> forgotten_;    // settled tasks dropped from tasks_
  int64_t next_task_ = 1;
  int64_t refused_transfers_ = 0;
  int64_t heartbeat_ms_ = 200;
  int64_t republish_ms_ = 500;
  // How long a settled task's outcome is repeated (settings
  // "settled_republish_ms", at most kSettledRepublishMs): every subscriber
  // verifies every repeat, so a long market of quick tasks wants it short.
  int64_t settled_republish_ms_ = kSettledRepublishMs;
  int64_t closing_ms_ = 0;  // the longest the shutdown event is repeated
  RetryPolicy retry_;
  ReplyCache replies_;  // recent replies, for resent requests
  int64_t repeated_requests_ = 0;
  // What refused requests write to the role's log, by sender (each is
  // still recorded in the event log as request_refused).
  LogLimiter refusal_log_;
  std::unique_ptr<OffsetClock> resumed_clock_;  // after a restart: clock_ points here
  // Last: stopped before the sockets it publishes on are closed.
  std::unique_ptr<HeartbeatThread> heart_;
  CrashPoint crash_;  // a scenario's crash test, if any
  int64_t verdicts_handled_ = 0;
  int64_t moves_handled_ = 0;
  bool shutting_down_ = false;
};

}  // namespace veritrain
