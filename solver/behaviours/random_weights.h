// random-weights: a solver that trains nothing and commits to random
// weights — a fresh initialisation (same shapes and distribution as the
// task's, another seed) at every checkpoint after the first. Checkpoint 0
// is the task's initial state, which costs nothing to produce. The trivial
// spoof of Jia et al. (S&P 2021), against which every check must hold.
//
// Parameters: "initial": "task" (default) keeps checkpoint 0 the task's
// initial state; "random" replaces it too, so the trace starts from
// weights the task did not give (caught only by the check of checkpoint 0,
// which the arbiter rules on without a game).
// Cost: 0 steps computed.
//
// What to expect: caught by any check of any interval, in exact mode and
// in tolerance mode with any δ below the distance between two
// initialisations.
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeRandomWeightsSolver(
    const nlohmann::json& params);

}  // namespace veritrain
