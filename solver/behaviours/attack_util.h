// Shared pieces of the solver attacks (solver/behaviours/): the state
// manipulations the attacks are made of (their parameters are read with
// core/util/behaviour_params.h).
//
// Thread-safety: pure functions and values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/train/job.h"
#include "core/util/behaviour_params.h"
#include "core/util/status.h"

namespace veritrain {

// The int64 scalar meta/step of a state; InvalidArgument if it has none.
Result<int64_t> StepOf(const TensorMap& state);

// `state` with meta/step = step (the other tensors shared, not copied).
TensorMap WithStep(TensorMap state, int64_t step);

// A step that trains nothing: `state` with its step counter moved on by
// one. What attacks that fabricate their checkpoints do instead of a step.
Result<TensorMap> SkipStep(const TensorMap& state);

// a + t·(b − a) for every floating tensor (parameters and optimizer state),
// in the dtype of a; every other tensor (meta/step) taken from a.
// REQUIRES: a and b have the same names and shapes.
TensorMap Lerp(const TensorMap& a, const TensorMap& b, double t);

// The job of another task that differs from `config` only in its data
// order (data_seed): what a replayed proof or a stolen model was trained on.
Result<std::unique_ptr<TrainingJob>> JobWithDataSeed(const JobConfig& config,
                                                     uint64_t data_seed);

// Honest training of `job` from `state` for `steps` steps, keeping the
// state after every k steps: result[i] is the state after i·k steps
// (result[0] = state). REQUIRES: k >= 1, k divides steps.
Result<std::vector<TensorMap>> HonestTrace(const TrainingJob& job,
                                           TensorMap state, int64_t steps,
                                           int64_t k);

// The data seed of "another task" for an attack, when the scenario names
// none: derived from the task's data seed and `purpose`.
uint64_t OtherDataSeed(uint64_t task_data_seed, const std::string& purpose);

// The l2 norm over the parameter tensors ("param/...") of b − a.
double ParamUpdateNorm(const TensorMap& a, const TensorMap& b);

}  // namespace veritrain
