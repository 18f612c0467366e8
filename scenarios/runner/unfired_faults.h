// Faults a scenario asks for that the run never met: a crash point the run
// did not reach, a simulated full disk that never filled. Either tests
// nothing while the run looks as if it had (a disk fault that never fires
// settles the task as accepted), so the summary's warnings say so
// (`veritrain check` refuses the crash points it can foresee).
//
// Thread-safety: a pure function.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/protocol/event_log.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

// One warning per fault of `scenario` that did not happen: each crash whose
// participant is not among `crashed`, each disk fault whose solver never
// told the arbiter it could not write for want of space (a training_failed
// event of `events`, the arbiter's log, naming ENOSPC's "No space left on
// device").
std::vector<std::string> UnfiredFaultWarnings(const Scenario& scenario,
                                              const std::set<std::string>& crashed,
                                              const std::vector<Event>& events);

}  // namespace veritrain
