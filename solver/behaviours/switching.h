// switching: a solver that plays one of several strategies, the one its
// strategy file names when a task begins (core/util/strategy_file.h). The
// market runner uses it for an adaptive solver (docs/market.md): it decides
// from what the solver has earned whether it trains honestly or cheats on
// the next task, writes the file, then posts the task.
//
// Parameters:
//   strategies  {"<behaviour>": {params}, ...}: at least two solver
//               behaviours (not "switching"), each built once with its
//               params (a bad one is refused here, naming it).
//   initial     the strategy played while there is no file (required; one
//               of `strategies`).
//   file        path of the strategy file (required).
// A file that names a strategy not in `strategies`, or cannot be read,
// fails the task's training with that reason, never a silent fallback.
//
// Everything the role asks of a behaviour goes to the strategy of the
// current task; name() is its name, and so is the training report's
// "behaviour". steps_computed() counts the steps the strategy computed.
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeSwitchingSolver(const nlohmann::json& params);

}  // namespace veritrain
