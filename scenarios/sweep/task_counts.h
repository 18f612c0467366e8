// What a run's tasks came to, counted over every task of the run: the
// figures a sweep's rates are built from (sweep_table.h).
//
// A run of a scenario with "tasks": N, or of a market, settles many tasks;
// each is judged by its own summary.json entry (runner/summary.h), never by
// the behaviour the scenario gave the solver:
//   honest          the solver committed the honest training
//                   (solver_trace_honest) and no misbehaviour was detected
//                   (a withholding that the arbiter confirmed is one)
//   flagged         a verifier challenged, or the outcome is not accepted
//   detected        summary "detected": a cheating solver was challenged
//                   (whether or not a challenge was upheld)
//   caught          detected and not escaped: the cheat was challenged and
//                   did not pay off. A challenge of a cheating trace that
//                   its challenger lost (a false or mis-aimed challenge:
//                   outcome challenge_rejected) is detected AND escaped, so
//                   "detected" alone overstates what was caught; the sweep's
//                   detection rate counts these
//   false_positive  summary "false_positive": an honest one was
//   escaped         summary "escaped": a cheating solver was paid
//   rejected        the task did not pay its solver (an outcome other than
//                   accepted and challenge_rejected)
//   missed          summary "missed": a cheating trace some verifier judged
//                   and none challenged
//   diverged        summary "diverged": the trace's update norms are not
//                   finite (a training gone to NaN or infinity, which may
//                   be honest and accepted: what was trained is no model)
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace veritrain {

struct TaskCounts {
  int64_t tasks = 0;
  int64_t honest = 0;
  int64_t flagged = 0;
  int64_t detected = 0;
  int64_t caught = 0;  // detected and not escaped; caught <= detected
  int64_t false_positive = 0;
  int64_t escaped = 0;
  int64_t rejected = 0;
  int64_t missed = 0;
  int64_t diverged = 0;
  int64_t unsettled = 0;  // tasks whose outcome is "unsettled"
  // Tasks whose solver committed no trace (summary.json's
  // solver_trace_honest null, or absent with no final_state_hash: it timed
  // out or gave up before posting its proof): neither honest nor cheating,
  // so in no rate's denominator but the flagged and rejected ones.
  int64_t untraced = 0;

  TaskCounts& operator+=(const TaskCounts& o);
};

// The counts over summary.json's "tasks" array (entries that are not
// objects are skipped).
TaskCounts CountTasks(const nlohmann::json& tasks);

// The counts as a sweep row's metrics: "tasks", "tasks.honest",
// "tasks.flagged", "tasks.detected", "tasks.caught", "tasks.false_positive",
// "tasks.escaped", "tasks.rejected", "tasks.untraced", "tasks.missed",
// "tasks.diverged" (unsettled tasks show in the row's status instead).
void AddTaskCountMetrics(const TaskCounts& counts, nlohmann::json* metrics);

// The counts a sweep row's metrics hold. A row written before rows
// counted tasks is one task: flagged as its "flagged", rejected by its
// "outcome", honest as its "solver_honest", detected or a false positive
// as that flag says, caught when detected and not paid. A row written
// before rows counted caught tasks ("tasks" without "tasks.caught") has
// the fewest caught tasks its counts allow, max(0, detected - escaped):
// exact for a run of one task, and never more than were caught.
TaskCounts TaskCountsOfRow(const nlohmann::json& metrics);

}  // namespace veritrain
