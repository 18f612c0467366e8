// Whether a job's step graph is a pure function of its inputs.
//
// The protocol rests on it: a verifier re-executing an interval and the
// arbiter evaluating one node must get the bits the solver got. A model
// whose forward draws random numbers (torch.randn_like, dropout in training
// mode) breaks that, and an honest solver would then lose its disputes.
// CheckStepIsPure runs step 0 twice (or more) from the initial state and
// compares every node's outputs bit for bit; the first node that differs
// is the one to blame, since every node before it gave the same values.
//
// Thread-safety: thread-compatible, like the job (it only calls its const
// methods).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/train/job.h"
#include "core/util/status.h"

namespace veritrain {

// How many times step 0 is evaluated: at least `min_evaluations`, and then
// more while they have taken less than `seconds` in all, up to
// `max_evaluations` (a race between threads that decides the order of a
// sum shows only sometimes: the more evaluations, the likelier it shows).
struct PurityBudget {
  int min_evaluations = 2;
  int max_evaluations = 2;
  double seconds = 0;
};

// FailedPrecondition naming the first node whose outputs differ between
// evaluations of step 0 from InitialState(init_seed) (the first against
// each of the others), and the value; the job's own errors otherwise.
// `*evaluations` (when given): how many were run. REQUIRES:
// 2 <= budget.min_evaluations <= budget.max_evaluations.
Status CheckStepIsPure(const TrainingJob& job, uint64_t init_seed, PurityBudget budget = {},
                       int* evaluations = nullptr);

// The fingerprint of each output of each node of step 0 from
// InitialState(init_seed), evaluated once: "<dtype> <shape> <SHA-256 of
// the bytes>", per node in graph order. Another process computes them to
// compare (a step whose values differ between processes — a constant drawn
// when a plug-in loads, an order that follows addresses — passes the
// in-process check but not this one). The job's own errors.
Result<std::vector<std::vector<std::string>>> StepFingerprints(const TrainingJob& job,
                                                               uint64_t init_seed);

// FailedPrecondition naming the first node whose fingerprints differ
// between `mine` and `theirs` (another process's, `who`); OK when equal.
Status CompareStepFingerprints(const TrainingJob& job,
                               const std::vector<std::vector<std::string>>& mine,
                               const std::vector<std::vector<std::string>>& theirs,
                               const std::string& who);

}  // namespace veritrain
