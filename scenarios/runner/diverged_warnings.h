// A task whose committed training diverged (an update norm that is not
// finite: its parameters went to NaN or infinity). Verification compares
// NaN with NaN there: an honest trace and a cheat inside it look the same
// (both accepted, at distance 0, where every profile computes alike), and
// the model trained is unusable either way. The summary's `diverged` says
// it per task; the summary's warnings say it too, so that a run (or a
// sweep's row) read for its outcome is not taken as a verified training.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <vector>

#include "core/protocol/event_log.h"

namespace veritrain {

// One warning per task of `events` (the arbiter's log) with a committed
// trace (posted, or after a forced error the real one) that has an update
// norm that is not finite, in the order the traces were committed.
std::vector<std::string> DivergedTrainingWarnings(const std::vector<Event>& events);

}  // namespace veritrain
