#include "scenarios/sweep/task_counts.h"

#include <algorithm>
#include <string>

#include "core/protocol/settlement.h"

namespace veritrain {
namespace {

using nlohmann::json;

bool TaskPaysSolver(const std::string& outcome) {
  return PaysReward(SettlementOutcomeNamed(outcome));
}

}  // namespace

TaskCounts& TaskCounts::operator+=(const TaskCounts& o) {
  tasks += o.tasks;
  honest += o.honest;
  flagged += o.flagged;
  detected += o.detected;
  caught += o.caught;
  false_positive += o.false_positive;
  escaped += o.escaped;
  rejected += o.rejected;
  missed += o.missed;
  diverged += o.diverged;
  unsettled += o.unsettled;
  untraced += o.untraced;
  return *this;
}

TaskCounts CountTasks(const json& tasks) {
  TaskCounts c;
  if (!tasks.is_array()) return c;
  for (const json& t : tasks) {
    if (!t.is_object()) continue;
    const std::string outcome = t.value("outcome", std::string());
    const bool detected = t.value("detected", false);
    const bool escaped = t.value("escaped", false);
    ++c.tasks;
    // No trace: the field null, or absent from a task without a proof (no
    // final_state_hash: the solver timed out or gave up before posting
    // one). A summary written before the field had honest traces.
    const bool proved = t.contains("final_state_hash");
    const json honest = t.contains("solver_trace_honest") ? t["solver_trace_honest"]
                        : proved                          ? json(true)
                                                          : json();
    if (honest.is_null()) {
      ++c.untraced;
    } else if (honest == true && !detected) {
      ++c.honest;
    }
    if (t.value("challenged", false) || outcome != "accepted") ++c.flagged;
    if (detected) ++c.detected;
    if (detected && !escaped) ++c.caught;
    if (t.value("false_positive", false)) ++c.false_positive;
    if (escaped) ++c.escaped;
    if (!TaskPaysSolver(outcome)) ++c.rejected;
    if (t.value("missed", false)) ++c.missed;
    if (t.value("diverged", false)) ++c.diverged;
    if (outcome == "unsettled") ++c.unsettled;
  }
  return c;
}

void AddTaskCountMetrics(const TaskCounts& c, json* m) {
  (*m)["tasks"] = c.tasks;
  (*m)["tasks.honest"] = c.honest;
  (*m)["tasks.flagged"] = c.flagged;
  (*m)["tasks.detected"] = c.detected;
  (*m)["tasks.caught"] = c.caught;
  (*m)["tasks.false_positive"] = c.false_positive;
  (*m)["tasks.escaped"] = c.escaped;
  (*m)["tasks.rejected"] = c.rejected;
  (*m)["tasks.untraced"] = c.untraced;
  (*m)["tasks.missed"] = c.missed;
  (*m)["tasks.diverged"] = c.diverged;
}

TaskCounts TaskCountsOfRow(const json& m) {
  TaskCounts c;
  if (m.contains("tasks")) {
    c.tasks = m.value("tasks", int64_t{0});
    c.honest = m.value("tasks.honest", int64_t{0});
    c.flagged = m.value("tasks.flagged", int64_t{0});
    c.detected = m.value("tasks.detected", int64_t{0});
    c.false_positive = m.value("tasks.false_positive", int64_t{0});
    c.escaped = m.value("tasks.escaped", int64_t{0});
    c.rejected = m.value("tasks.rejected", int64_t{0});
    c.untraced = m.value("tasks.untraced", int64_t{0});
    c.missed = m.value("tasks.missed", int64_t{0});
    c.diverged = m.value("tasks.diverged", int64_t{0});
    // Rows written before "tasks.caught": no task is counted caught that
    // could have escaped (a challenged cheat that was paid all the same).
    c.caught = m.contains("tasks.caught") ? m.value("tasks.caught", int64_t{0})
                                          : std::max<int64_t>(0, c.detected - c.escaped);
    return c;
  }
  // A row of an older sweep: its first task.
  const bool flagged = m.value("flagged", false);
  const bool honest = m.value("solver_honest", true);
  c.tasks = 1;
  c.honest = honest ? 1 : 0;
  c.flagged = flagged ? 1 : 0;
  c.detected = flagged && !honest ? 1 : 0;
  c.false_positive = flagged && honest ? 1 : 0;
  c.escaped = !honest && TaskPaysSolver(m.value("outcome", std::string())) ? 1 : 0;
  c.caught = c.detected == 1 && c.escaped == 0 ? 1 : 0;
  c.rejected = TaskPaysSolver(m.value("outcome", std::string())) ? 0 : 1;
  return c;
}

}  // namespace veritrain
