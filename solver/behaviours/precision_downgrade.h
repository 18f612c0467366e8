// precision-downgrade: a solver that computes at a lower precision than the
// task's and claims the task's. Every forward, loss and backward node's
// output is rounded to bfloat16 (or float16), as mixed-precision training
// keeps activations and gradients, while the optimizer nodes and the
// parameters stay in the task's dtype. On hardware with fast low-precision
// units this roughly halves the cost of a step; here the rounding is
// emulated (computed in the task's dtype, then rounded), so the wall time
// does not drop — the report says so.
//
// The rounding is the behaviour's node hook, so a solver that re-executes a
// challenged step commits to the same rounded values.
//
// Parameters:
//   precision  "bfloat16" (default) or "float16".
// Cost: T steps computed at the lower precision (reported as precision,
// emulated: true).
//
// What to expect: exact mode catches every interval; tolerance mode catches
// it when δ is calibrated to the task's precision (the rounding error of
// bfloat16 is orders of magnitude above the thread-count noise), and
// accepts it under a loose δ.
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakePrecisionDowngradeSolver(
    const nlohmann::json& params);

}  // namespace veritrain
