// Shared pieces of the solver attacks (solver/behaviours/): reading a
// behaviour's parameters with errors that name them, and the state
// manipulations the attacks are made of.
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
#include "core/util/status.h"

namespace veritrain {

// A behaviour's "params" object. Errors read "<behaviour>.<param> ...".
class BehaviourParams {
 public:
  BehaviourParams(std::string behaviour, const nlohmann::json& params)
      : behaviour_(std::move(behaviour)), params_(params) {}

  // InvalidArgument unless params is an object whose fields are all in
  // `known` (naming the first other one and the known ones).
  Status Only(std::initializer_list<const char*> known) const;
  // A finite number in [min, max] (min excluded when min_exclusive), or
  // `fallback` when absent.
  Result<double> Number(const char* key, double fallback, double min,
                        double max, bool min_exclusive = false) const;
  // An integer in [min, max], or `fallback` when absent.
  Result<int64_t> Int(const char* key, int64_t fallback, int64_t min,
                      int64_t max) const;
  // One of `allowed`, or `fallback` when absent.
  Result<std::string> Choice(const char* key, const std::string& fallback,
                             const std::vector<std::string>& allowed) const;
  // A non-negative integer (a seed), or `fallback` when absent.
  Result<uint64_t> Seed(const char* key, uint64_t fallback) const;

 private:
  std::string Name(const char* key) const { return behaviour_ + "." + key; }
  std::string behaviour_;
  nlohmann::json params_;
};

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
