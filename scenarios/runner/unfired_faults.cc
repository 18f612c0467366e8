#include "scenarios/runner/unfired_faults.h"

#include <set>

#include "core/protocol/events.h"

namespace veritrain {

std::vector<std::string> UnfiredFaultWarnings(const Scenario& scenario,
                                              const std::set<std::string>& crashed,
                                              const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const CrashSpec& c : scenario.crashes) {
    if (crashed.count(c.participant) > 0) continue;
    out.push_back("the crash of " + c.participant + " at " + c.at + " after " +
                  std::to_string(c.after) + " never happened: the run did not reach that point");
  }
  std::set<std::string> full;
  for (const Event& e : events) {
    if (e.type != TrainingFailedEvent::kType) continue;
    auto failed = TrainingFailedEvent::FromJson(e.data);
    if (failed.ok() && failed->reason.find("No space left on device") != std::string::npos) {
      full.insert(failed->solver);
    }
  }
  for (const auto& [solver, free_bytes] : scenario.disk_free_bytes) {
    if (full.count(solver) > 0) continue;
    out.push_back("the disk of " + solver + " never filled: its checkpoints fitted in its " +
                  std::to_string(free_bytes) +
                  " free bytes (disk_faults), so the run shows nothing of a full disk; give "
                  "free_bytes below the bytes its tasks write (summary.json's "
                  "checkpoint_file_bytes per task)");
  }
  return out;
}

}  // namespace veritrain
