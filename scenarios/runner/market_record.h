// What the market needs to know of one settled task, read from the
// arbiter's event log (events.jsonl) as the run goes: EventTail reads the
// events appended since its last call, MarketTaskFromEvents condenses those
// of one task.
//
// The arbiter writes each event (write(2)) before it publishes what the
// event announces, so once the submitter has seen a task's task_settled the
// file holds every event of that task.
//
// Profit is counted as summary.json counts it (scenarios/runner/money.h):
// the task's ledger transfers to a participant minus those from it, minus
// its compute cost (steps trained or re-executed × compute_cost_per_step).
// A test checks the two agree over whole runs.
//
// Thread-safety: EventTail is used by one thread; the rest are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/protocol/event_log.h"
#include "core/util/status.h"

namespace veritrain {

// Reads a growing events.jsonl from where it stopped: each call returns the
// complete lines appended since (type, task and data only; the audit at
// the end of the run checks the chain). A line cut short by a write in
// progress is left for the next call.
class EventTail {
 public:
  explicit EventTail(std::string path) : path_(std::move(path)) {}
  // IOError when the file cannot be read; Corruption naming the line when a
  // complete line is not an event object.
  Result<std::vector<Event>> ReadNew();

 private:
  std::string path_;
  uint64_t offset_ = 0;
  uint64_t line_ = 0;
};

struct MarketVerdict {
  bool accept = false;
  bool abstain = false;
  int64_t steps_reexecuted = 0;
};

struct MarketTaskRecord {
  std::string task;
  std::string outcome;   // the task state it settled in ("accepted", ...)
  std::string solver;
  std::string solver_behaviour;  // as the solver's training report names it; "" without a trace
  int64_t solver_steps = 0;      // steps the solver computed
  std::vector<std::string> selected;
  std::map<std::string, MarketVerdict> verdicts;
  std::map<std::string, int64_t> flows;     // net ledger flow per participant account
  std::map<std::string, int64_t> balances;  // after the task (task_settled)
  std::map<std::string, int64_t> cost;      // compute cost per participant
  bool forced_error = false;
  // A forced error's verifiers' round was settled (forced_error_settlement):
  // the forced error was judged, not cut short.
  bool forced_round = false;
  // ... in which every selected verifier abstained or stayed silent: no
  // verifier judged it (ForcedRoundJudged, money.h).
  bool forced_round_unjudged = false;
  std::vector<std::string> caught;  // verifiers that caught a forced error
  std::vector<std::string> lazy;    // verifiers exposed as lazy
  int64_t fees_paid = 0;            // verifier fees paid out of escrow
  int64_t tax = 0;                  // jackpot tax on the reward
  int64_t whistleblower_paid = 0;
  int64_t whistleblower_reward = 0;  // per catch, as the task's economics say
  // A forced error's real trace: the verifier fees the jackpot could not
  // pay.
  int64_t fees_unpaid = 0;
  int64_t jackpot = 0;               // after the task
  std::optional<Digest> secret;      // the arbiter's revealed randomness

  // Ledger flow minus compute cost.
  int64_t Profit(const std::string& participant) const;
};

// The record of task `task` from `events` (any superset of its events).
// InvalidArgument naming what is missing when the task has not settled or
// an event lacks a field the arbiter always writes.
Result<MarketTaskRecord> MarketTaskFromEvents(const std::vector<Event>& events,
                                              const std::string& task);

}  // namespace veritrain
