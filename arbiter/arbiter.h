// Arbiter: the referee that stands in for the smart contract.
//
// It owns the ledger (escrow and payments), the task state machines and
// their deadlines, the challenge games and their clocks, and the
// hash-chained event log (events.jsonl in the run's results folder). It
// binds a ROUTER for requests (post_task, hello, trace_commit, verdict,
// game_move, node_evidence, shutdown) and a PUB for events (heartbeat,
// task_assigned, proof_posted, dispute_opened, game_update, task_settled,
// shutdown).
//
// A challenge opens a game over the disputed interval; the arbiter checks
// every move's shape, keeps both chess clocks, and when the dissection is
// down to one node it checks the solver's evidence and evaluates that node
// itself — its only training compute.
//
// For every task it commits to a secret when the task is assigned and
// reveals it only after the solver has posted its trace root, so the
// intervals verifiers draw at random cannot be known while training.
//
// Thread-safety: one Arbiter runs on one thread (Run()); construct it on
// the thread that runs it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "arbiter/dispute.h"
#include "core/protocol/clock.h"
#include "core/protocol/commit_reveal.h"
#include "core/protocol/event_log.h"
#include "core/protocol/ledger.h"
#include "core/protocol/task_machine.h"
#include "core/train/job.h"
#include "core/transport/messenger.h"
#include "core/transport/role_config.h"
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
  struct Participant {
    std::string role;
    std::string serve_endpoint;
  };
  struct Task {
    std::string id;
    TaskSpec spec;
    TaskMachine machine;
    Commitment randomness;
    std::optional<TraceCommit> trace;
    std::map<std::string, Verdict> verdicts;
    int64_t deadline_ms = 0;  // of the current stage
    bool assigned = false;
    std::optional<Dispute> dispute;
    std::unique_ptr<TrainingJob> job;  // built only to arbitrate a node
  };

  Arbiter(zmq::context_t& ctx, RoleConfig config, const Clock* clock,
          Messenger messenger, EventLog log);

  Status HandleRequest(const Message& m, const std::string& routing_id);
  Status OnHello(const Message& m, Ack* reply);
  Status OnPostTask(const Message& m, Ack* reply);
  Status OnTraceCommit(const Message& m, Ack* reply);
  Status OnVerdict(const Message& m, Ack* reply);
  Status OpenDispute(Task& task, const std::string& challenger, int64_t interval,
                     const ChallengedInterval& hashes);
  Status OnGameMove(const Message& m, Ack* reply);
  Status OnNodeEvidence(const Message& m, Ack* reply);
  // Publishes the dispute's state; settles the task once it is resolved.
  Status AfterMove(Task& task);
  // Builds the task's job (loading its data) for naming and evaluating nodes.
  Status EnsureJob(Task& task);
  // The task whose dispute `m` is about, with `m.from` a party to it.
  Task* DisputeFor(const Message& m, Ack* reply);
  Status AssignReadyTasks();
  Status CheckDeadlines();
  Status Settle(Task& task, const std::string& reason);
  Status Publish(const Message& m);
  Status Log(const std::string& type, const std::string& task,
             const nlohmann::json& data);
  Status Transition(Task& task, TaskEvent e);
  nlohmann::json BalancesJson() const;

  zmq::context_t& ctx_;
  RoleConfig config_;
  const Clock* clock_;
  Messenger messenger_;
  EventLog log_;
  Ledger ledger_;
  zmq::socket_t requests_;
  zmq::socket_t events_;
  ReplayGuard request_guard_;
  std::string submitter_;
  std::map<std::string, Participant> participants_;
  std::map<std::string, Task> tasks_;
  int64_t next_task_ = 1;
  int64_t heartbeat_ms_ = 200;
  bool shutting_down_ = false;
};

}  // namespace veritrain
