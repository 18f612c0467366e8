// infinitesimal: the infinitesimal-update spoof of Fang et al. ("Proof-of-
// learning is currently more broken than you think", EuroS&P 2023). The
// solver trains nothing. It commits to checkpoints that walk from the
// initial state to a target model it did not train (a stolen one) in n =
// T/k equal segments, and claims a near-zero learning rate for every
// interval in its checkpoints' metadata.
//
// A verifier that takes the prover's hyper-parameters (VerificationPolicy
// "prover", proof-of-learning as published) re-executes k steps at that
// rate, reproduces W_i all but exactly, and measures only the segment
// length |W_target − W_0| / n: any fixed δ above it passes, whichever
// intervals are checked. When the task fixes the learning rate, re-execution
// moves by an honest update instead, and the segment no longer matches.
//
// Parameters:
//   claimed_lr        the learning rate claimed, > 0; default 1e-12.
//   source_data_seed  data seed of the target's training (same job and
//                     initial weights); default: derived from the task's.
// Cost: 0 steps computed; the target took T steps by someone else
// (target_steps). The report gives the segment length (l2).
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeInfinitesimalSolver(
    const nlohmann::json& params);

}  // namespace veritrain
