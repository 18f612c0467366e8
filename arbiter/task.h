// ArbiterTask: what the arbiter holds of one task — its spec and state
// machine, the commit-reveal secret, the trace, the verifiers drawn and
// their verdicts, the deadline of the current stage, the game being
// played (or the last one played) and the challenges rejected before it,
// the checkpoint demands, and the latest event of each kind it
// republishes. The decisions taken on it are in arbiter/task_rules.h.
//
// Thread-safety: a value owned by the arbiter's one thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arbiter/dispute.h"
#include "core/protocol/availability.h"
#include "core/protocol/commit_reveal.h"
#include "core/protocol/task_machine.h"
#include "core/state/tensor_data.h"
#include "core/train/job.h"
#include "core/wire/message.h"
#include "core/wire/messages/all.h"

namespace veritrain {

// The events of a task that are republished, in this order.
enum TaskSlot {
  kAssignedSlot,
  kProofSlot,
  kDisputeSlot,
  kUpdateSlot,
  kRevealSlot,  // forced_error_revealed, until the solver opens its real trace
  kSettledSlot,
  kSlots
};

struct ArbiterTask {
  std::string id;
  TaskSpec spec;
  TaskMachine machine;
  Commitment randomness;
  std::optional<TraceCommit> trace;
  // The most steps a restarted solver has said it computed for the task
  // since (solver_recomputed): a resent commit is logged once.
  int64_t recomputed_steps = 0;
  std::map<std::string, Verdict> verdicts;
  int64_t deadline_ms = 0;  // of the current stage
  std::optional<Dispute> dispute;  // the current (or last) game
  std::unique_ptr<TrainingJob> job;  // built only to arbitrate a node
  // The job in another precision than the arbiter's: a node is evaluated
  // in the precision the solver committed in.
  std::map<std::string, std::unique_ptr<TrainingJob>> jobs_in_dtype;
  bool forced_error = false;           // the solver was told to err
  std::vector<std::string> selected;   // verifiers drawn at the reveal
  // By challenger: the intervals its challenge disputes, in the order they
  // are played (Verdict::further).
  std::map<std::string, std::vector<ChallengedInterval>> challenges;
  // The challenger of every game of the trace being verified that was
  // played and rejected (a game the solver won, or a ruling that
  // checkpoint 0 is the initial state), in the order played: a challenger
  // appears once per interval of its lost. Its next interval is played
  // next; one whose every interval was rejected forfeits its challenge
  // stake at settlement, and the next challenger in selection order plays
  // (NextChallenge, arbiter/task_rules.h).
  std::vector<std::string> rejected;
  // The challengers that lost a game other than on the merits (their
  // clock ran out, or they moved invalidly): the rest of their intervals
  // is not played. A stalling challenger listing many intervals would
  // otherwise hold the task for a whole clock per interval.
  std::set<std::string> forfeited;
  // The challenger of a ruling made without a game (checkpoint 0), while
  // that ruling is the task's latest.
  std::string ruled_challenger;
  std::optional<Message> published[kSlots];  // the latest event of each slot
  int64_t settled_ms = 0;  // when the task settled (once machine.done())
  // The spec's durations in ms (core/protocol/duration.h), checked when
  // the task is posted (SetDurations, arbiter/task_rules.h).
  int64_t training_ms = 0;
  int64_t verification_ms = 0;
  int64_t clock_ms = 0;
  // Data-availability challenges (core/protocol/availability.h): the
  // demands, the checkpoints delivered (kept in memory and in a file of
  // the work dir, which a restarted arbiter reads). Who wins a withheld
  // task is read from the demands (WithheldChallengers,
  // arbiter/task_rules.h); `withheld_challenger` names the winner only
  // when a forced error's real trace is never opened (RealTraceWithheld).
  AvailabilityBook availability;
  std::map<int64_t, State> delivered;
  std::map<int64_t, std::string> delivered_files;
  std::map<int64_t, InclusionProof> delivered_proofs;
  std::map<int64_t, Message> demand_events;  // the latest event of each demand
  std::string withheld_challenger;
  // A forced error (Truebit's dual commitment, core/protocol/real_trace.h):
  // the verifiers' settlement of the posted trace (the data of its
  // forced_error_settlement event), kept for the task's final settlement,
  // and whether the solver's real trace is now the one being verified.
  nlohmann::json forced_round;
  bool real_round = false;

  // The task has left `posted`: its solver and verifiers have joined.
  bool assigned() const { return machine.state() != TaskState::kPosted; }
};

}  // namespace veritrain
