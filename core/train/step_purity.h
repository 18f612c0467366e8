// Whether a job's step graph is a pure function of its inputs.
//
// The protocol rests on it: a verifier re-executing an interval and the
// arbiter evaluating one node must get the bits the solver got. A model
// whose forward draws random numbers (torch.randn_like, dropout in training
// mode) breaks that, and an honest solver would then lose its disputes.
// CheckStepIsPure runs step 0 twice from the initial state and compares
// every node's outputs bit for bit; the first node that differs is the one
// to blame, since every node before it gave the same values.
//
// Thread-safety: thread-compatible, like the job (it only calls its const
// methods).
#pragma once

#include <cstdint>

#include "core/train/job.h"
#include "core/util/status.h"

namespace veritrain {

// FailedPrecondition naming the first node whose outputs differ between two
// evaluations of step 0 from InitialState(init_seed), and the value; the
// job's own errors otherwise.
Status CheckStepIsPure(const TrainingJob& job, uint64_t init_seed);

}  // namespace veritrain
