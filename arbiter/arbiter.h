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
// A challenge opens a game over the disputed interval (one game at a time
// per task, each challenger's in turn); the arbiter checks
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
// selection order goes to the game, or the task is accepted. A challenge
// rejected gives the game to the next challenger in selection order, until
// one is upheld or every challenge was played and rejected (docs/protocol.md,
// "Several challengers"); the task settles once. A transfer that would overdraw
// an account is refused, logged ("transfer_refused") and counted; the task
// goes on without that stake.
//
// Lossy networks (docs/reliability.md): every reply carries the request's
// id, and the arbiter keeps its recent replies by (sender, request id); a
// resent request it has already handled gets the same reply again and
// changes nothing. Events are republished: every republish_ms, the latest
// task_assigned, proof_posted, dispute_opened and game_update (those of the
// game being played) of each task
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
// Structure (docs/architecture.md, "The arbiter"): this class is the server
// around ArbiterCore (arbiter/arbiter_core.h), which holds the state and
// takes every decision with no socket and no clock. The server binds the
// sockets, drops what is not a request, gives each request and the time to
// the core and sends its reply, ticks the core's deadlines, republishes,
// sends heartbeats, reaches crash points, and is the core's outbox: an
// event is appended to events.jsonl (fdatasync) and ledger.jsonl follows
// before the core goes on, so that whatever it publishes or replies after
// is on disk first.
//
// Thread-safety: one Arbiter runs on one thread (Run()); construct it on
// the thread that runs it. Its heartbeat thread touches only the event
// socket, under events_mu_ (every send on it takes the lock: ZeroMQ allows
// a socket to pass between threads with a full memory barrier, which the
// mutex gives), and Messenger::Send, which is safe from two threads.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "arbiter/arbiter_core.h"
#include "core/protocol/clock.h"
#include "core/protocol/event_log.h"
#include "core/protocol/ledger.h"
#include "core/protocol/ledger_file.h"
#include "core/role/crash_point.h"
#include "core/role/role_config.h"
#include "core/transport/heartbeat_thread.h"
#include "core/transport/messenger.h"
#include "core/transport/role_curve.h"
#include "core/wire/messages/all.h"

namespace veritrain {

class Arbiter : private ArbiterOutbox {
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
  Arbiter(zmq::context_t& ctx, RoleConfig config, const Clock* clock,
          Messenger messenger, EventLog log, const ArbiterCoreConfig& core);

  // The ledger's genesis (a first start): the core's, with the arbiter's
  // key and the hash of the run's manifest.
  Status Genesis();
  // A request from the socket: dropped unless it is one (counted), given to
  // the core with the time, its reply sent, crash points reached.
  Status HandleRequest(const Message& m, const std::string& routing_id);
  // Republishes the latest events of open (and recently settled) tasks.
  void Republish();
  // ArbiterOutbox: the event log (write-ahead, fdatasync), then ledger.jsonl.
  Result<int64_t> Append(const std::string& type, const std::string& task,
                         const nlohmann::json& data) override;
  Status SignHeads(const Ledger& ledger) override;
  void Publish(const Message& m) override;
  // Sends `m` on the event socket, under events_mu_.
  Status SendEvent(const Message& m);
  void StartHeartbeats();

  RoleConfig config_;
  const Clock* clock_;
  Messenger messenger_;
  EventLog log_;
  LedgerFile ledger_file_;  // ledger.jsonl, synced after every event logged
  ArbiterCore core_;
  // CURVE (core/transport/role_curve.h), when the run has it on. The ZAP
  // handler is declared before the sockets: it outlives them.
  std::optional<RoleCurve> curve_;
  std::unique_ptr<ZapHandler> zap_;
  zmq::socket_t requests_;
  zmq::socket_t events_;
  std::mutex events_mu_;  // every use of events_ once the heartbeat thread runs
  ReplayGuard request_guard_;
  int64_t heartbeat_ms_ = 200;
  int64_t republish_ms_ = 500;
  int64_t closing_ms_ = 0;  // the longest the shutdown event is repeated
  std::unique_ptr<OffsetClock> resumed_clock_;  // after a restart: clock_ points here
  // Last: stopped before the sockets it publishes on are closed.
  std::unique_ptr<HeartbeatThread> heart_;
  CrashPoint crash_;  // a scenario's crash test, if any
  int64_t verdicts_handled_ = 0;
  int64_t moves_handled_ = 0;
};

}  // namespace veritrain
