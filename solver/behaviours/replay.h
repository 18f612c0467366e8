// replay: a solver that re-submits the proof of another task instead of
// training. The other task has the same job and initial weights but its own
// data order (data seed) — the same model posted again with a new data
// order, say, or another submitter's task the solver trained before. Every
// checkpoint is the other trace's; checkpoint 0, the shared initial state,
// is the task's own.
//
// Parameters:
//   source_data_seed  the other task's data seed; default: derived from this
//                     task's.
// Cost: 0 steps computed for this task. The replayed proof took T steps paid
// for elsewhere (reported as replayed_steps); the run computes them before
// training starts so that there is a proof to replay.
//
// What to expect: caught wherever an interval is checked, in both modes:
// re-executing on the batches the task fixes does not reproduce a trace
// computed on other batches. A source_data_seed equal to the task's own
// replays the task's honest training: the trace is reported honest
// (TrainsHonestly), so a challenge of it is a false positive, not a
// detection, and its acceptance no escape; `check` warns about it. So is
// another data seed whose every batch equals the task's (a one-row
// dataset): the batches are compared once, before training.
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeReplaySolver(
    const nlohmann::json& params);

}  // namespace veritrain
