// interpolate: a solver that trains nothing and commits to checkpoints on
// the straight line from the task's initial state to a target model it did
// not train — in the proof-of-learning setting a stolen model. Jia et al.
// (S&P 2021, §VI) use this path as the baseline spoof; Zhang et al. (S&P
// 2022) start from the same path and add crafted data to make each segment
// look like training (not reproduced here: the task fixes the batches).
//
//   W_i = W_0 + (i / n)·(W_target − W_0)   for i = 0..n, n = T / k,
// for every parameter and optimizer tensor; meta/step is i·k. The claimed
// hyper-parameters are the task's.
//
// Parameters:
//   source_data_seed  data seed of the target's training (the same job and
//                     initial weights, another data order); default:
//                     derived from the task's.
// Cost: 0 steps computed. The target took T steps by someone else
// (target_steps); the run computes them before training starts.
//
// What to expect: an honest k-step update from W_i differs from the line
// segment by about an update's size, so exact mode catches any interval
// and tolerance mode any δ below that (a calibrated δ is far below).
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeInterpolateSolver(
    const nlohmann::json& params);

}  // namespace veritrain
