#include "solver/behaviours/attack_util.h"

#include <torch/types.h>

#include "core/train/rng.h"
#include "solver/checkpoint_recorder.h"

namespace veritrain {

Result<int64_t> StepOf(const TensorMap& state) {
  auto it = state.find("meta/step");
  if (it == state.end() || !it->second.defined() || it->second.numel() != 1 ||
      it->second.scalar_type() != torch::kInt64) {
    return Status::InvalidArgument("state has no int64 scalar 'meta/step'");
  }
  return it->second.item<int64_t>();
}

TensorMap WithStep(TensorMap state, int64_t step) {
  state["meta/step"] = torch::full({}, step, torch::kInt64);
  return state;
}

TensorMap Lerp(const TensorMap& a, const TensorMap& b, double t) {
  TensorMap out;
  for (const auto& [name, ta] : a) {
    if (!ta.is_floating_point()) {
      out.emplace(name, ta);
      continue;
    }
    const torch::Tensor tb = b.at(name).to(ta.scalar_type());
    out.emplace(name, ta + (tb - ta) * t);
  }
  return out;
}

Result<std::unique_ptr<TrainingJob>> JobWithDataSeed(const JobConfig& config,
                                                     uint64_t data_seed) {
  JobConfig other = config;
  other.data_seed = data_seed;
  return MakeJob(other);
}

Result<std::vector<TensorMap>> HonestTrace(const TrainingJob& job,
                                           TensorMap state, int64_t steps,
                                           int64_t k) {
  if (k < 1 || steps % k != 0) {
    return Status::InvalidArgument(
        "HonestTrace: k must divide the number of steps");
  }
  std::vector<TensorMap> trace = {state};
  for (int64_t s = 0; s < steps; ++s) {
    VT_ASSIGN_OR_RETURN(state, TrainStep(job, state));
    if ((s + 1) % k == 0) trace.push_back(state);
  }
  return trace;
}

uint64_t OtherDataSeed(uint64_t task_data_seed, const std::string& purpose) {
  return DeriveSeed(task_data_seed, "attack/" + purpose) >> 1;
}

Result<TensorMap> SkipStep(const TensorMap& state) {
  VT_ASSIGN_OR_RETURN(int64_t step, StepOf(state));
  return WithStep(state, step + 1);
}

double ParamUpdateNorm(const TensorMap& a, const TensorMap& b) {
  // The very norm the solver posts per interval, so that attacks shaping
  // their updates for top-Q see what the verifiers will see.
  return UpdateNorm(a, b);
}

}  // namespace veritrain
