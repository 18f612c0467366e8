// withhold (solver): trains honestly and commits its trace, then makes
// its checkpoints from `from_index` on unavailable — the ways a solver can
// leave verifiers without the data to check (docs/protocol.md,
// "Data-availability challenge"):
//   "refuse"       it refuses them (to verifiers and to the arbiter);
//   "bad-proof"    it serves them with a corrupted inclusion proof;
//   "unreachable"  it answers no fetch and no demand at all;
//   "wrong-step"   it serves them as committed, but commits them with a
//                  step counter (meta/step) one too high, so they are not
//                  the states of the steps they stand for;
//   "verifiers"    it refuses them to verifiers but delivers them when the
//                  arbiter demands them (the arbiter relays them: the
//                  withholding gains it nothing).
//
// Parameters: {"how": "refuse" | "bad-proof" | "unreachable" | "wrong-step" |
// "verifiers" (default "refuse"), "from_index": int >= 1 (default 1)}.
#pragma once

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeWithholdSolver(const nlohmann::json& params);

// params.from_index as MakeWithholdSolver reads it (default 1), or the
// parameter's error.
Result<int64_t> WithholdFromIndex(const nlohmann::json& params);

// InvalidArgument when `from_index` is past the last checkpoint of a task
// of `intervals` intervals (checkpoints 0 .. intervals): the solver would
// never withhold anything, and the run would count an attack that never
// happened.
Status WithholdFromIndexFits(int64_t from_index, int64_t intervals);

}  // namespace veritrain
