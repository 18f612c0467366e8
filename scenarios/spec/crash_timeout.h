// A crash for good (no restart) against the run's wall-clock budget.
//
// A participant that crashes and is not restarted never answers again, so
// the arbiter settles what it was doing only when a deadline passes:
//   - a solver crashed at "training" posts no trace: each task of the run
//     (the crash comes in the first; the later ones are assigned to it
//     too) waits out protocol.deadlines.training_s and settles as
//     solver_timeout;
//   - a verifier crashed at "verification" that the arbiter draws for
//     every task (economics.verifiers_per_task 0, or every verifier)
//     posts no verdict: each task waits out protocol.deadlines.
//     verification_s for it — twice with forced errors at rate 1, whose
//     real trace is verified again.
// The crash is taken to come as the scenario asks for it (a verifier that
// ends its verification early, abstaining, would not reach it). When that
// wait alone reaches timeout_s, the runner stops the run at timeout_s,
// unfinished, and writes no summary: refused, with both numbers and what
// to change.
//
// Not counted (none of these waits is sure to come): a crash at "dispute"
// (the party's game clock, then the later tasks' deadlines; a dispute may
// not happen), and a verifier drawn for only some tasks.
//
// Thread-safety: a pure function.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/spec/scenario.h"

namespace veritrain {

// The problems above, on "/timeout_s". REQUIRES: `resolved` conforms to
// the schema, has its defaults filled in, and its crashes name known
// participants (CrashErrors) — others are skipped.
std::vector<ScenarioError> CrashTimeoutErrors(const nlohmann::json& resolved);

}  // namespace veritrain
