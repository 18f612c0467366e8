// lazy: a solver that skips a fraction of its training steps and commits to
// checkpoints as if it had computed them — the lazy worker that verifiable
// training protocols pay verifiers to catch. A skipped step leaves the state
// as it was, but for meta/step.
//
// Parameters:
//   fraction  share of the T steps skipped, in (0, 1]; default 0.5.
//   pattern   "random": each step is skipped with probability `fraction`,
//             drawn from the run seed (default);
//             "tail":   the last ceil(fraction·T) steps are skipped: the
//             solver stops early and pads its trace with copies of its last
//             state.
// Cost: T − skipped steps computed (reported as steps_computed and
// steps_skipped).
//
// What to expect: any checked interval with a skipped step is off by at
// least one update, which exact mode and a calibrated δ catch. With
// "tail", the padded intervals have zero update norm, so top-Q never
// checks them: only intervals drawn at random after the commitment do.
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeLazySolver(
    const nlohmann::json& params);

}  // namespace veritrain
