// blindfold-topq: the blindfolded top-Q spoof of Fang et al. ("Proof-of-
// learning is currently more broken than you think", EuroS&P 2023).
// Proof-of-learning as published re-executes only the Q intervals with the
// largest updates. The solver, without knowing Q, trains honestly only the
// first `honest_intervals` intervals — early in training, where updates are
// largest — and fabricates the rest: each later checkpoint moves from the
// one before by `fake_scale` times the smallest honest update, along the
// last honest update's direction, and claims a near-zero learning rate for
// those intervals. The update norms it posts are true; they simply put the
// honest intervals on top.
//
// So top-Q re-executes honest intervals only and passes, whatever δ. An
// interval drawn at random after the commitment is fabricated with
// probability (n − h)/n; re-executing it at the task's learning rate gives
// an honest update where the checkpoint moved `fake_scale` of one. (At the
// claimed rate, re-execution stays put and the fabricated step passes any
// δ above it: random sampling alone is not enough without the task fixing
// the learning rate, unless δ is calibrated below the fabricated step.)
//
// Parameters:
//   honest_intervals  h, the intervals trained honestly, >= 1 and < n;
//                     default 1.
//   fake_scale        size of a fabricated update relative to the smallest
//                     honest one, in [0, 1); default 0.01.
//   claimed_lr        the learning rate claimed for fabricated intervals,
//                     > 0; default 1e-12.
// Cost: h·k steps computed.
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeBlindfoldTopQSolver(
    const nlohmann::json& params);

// params.honest_intervals as MakeBlindfoldTopQSolver reads it (default 1),
// or the parameter's error.
Result<int64_t> BlindfoldHonestIntervals(const nlohmann::json& params);

// InvalidArgument when `honest` intervals leave none of a task's
// `intervals` to fabricate. The rule Begin applies to each task (the task
// then settles as a solver timeout); check applies it too.
Status BlindfoldHonestIntervalsFit(int64_t honest, int64_t intervals);

}  // namespace veritrain
