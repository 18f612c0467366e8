#include "solver/behaviours/attack_util.h"

#include <torch/torch.h>

#include "core/train/rng.h"
#include "solver/checkpoint_recorder.h"

namespace veritrain {

Status BehaviourParams::Only(std::initializer_list<const char*> known) const {
  if (!params_.is_object()) {
    return Status::InvalidArgument(behaviour_ + ": params must be an object");
  }
  for (const auto& [key, value] : params_.items()) {
    bool ok = false;
    std::string list;
    for (const char* k : known) {
      ok = ok || key == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!ok) {
      return Status::InvalidArgument(behaviour_ + "." + key +
                                     ": unknown parameter (known: " +
                                     (list.empty() ? "none" : list) + ")");
    }
  }
  return Status::Ok();
}

Result<double> BehaviourParams::Number(const char* key, double fallback,
                                       double min, double max,
                                       bool min_exclusive) const {
  auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    return Status::InvalidArgument(Name(key) + " must be a number");
  }
  const double v = it->get<double>();
  if (v < min || (min_exclusive && v == min) || v > max) {
    return Status::InvalidArgument(
        Name(key) + " must be in " + (min_exclusive ? "(" : "[") +
        std::to_string(min) + ", " + std::to_string(max) + "], not " +
        std::to_string(v));
  }
  return v;
}

Result<int64_t> BehaviourParams::Int(const char* key, int64_t fallback,
                                     int64_t min, int64_t max) const {
  auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  if (!it->is_number_integer())
    return Status::InvalidArgument(Name(key) + " must be an integer");
  const int64_t v = it->get<int64_t>();
  if (v < min || v > max) {
    return Status::InvalidArgument(
        Name(key) + " must be in [" + std::to_string(min) + ", " +
        std::to_string(max) + "], not " + std::to_string(v));
  }
  return v;
}

Result<std::string> BehaviourParams::Choice(
    const char* key, const std::string& fallback,
    const std::vector<std::string>& allowed) const {
  auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  std::string list;
  for (const auto& a : allowed)
    list += (list.empty() ? "\"" : ", \"") + a + "\"";
  if (!it->is_string())
    return Status::InvalidArgument(Name(key) + " must be one of " + list);
  const std::string v = it->get<std::string>();
  for (const auto& a : allowed) {
    if (v == a) return v;
  }
  return Status::InvalidArgument(Name(key) + " must be one of " + list +
                                 ", not \"" + v + "\"");
}

Result<uint64_t> BehaviourParams::Seed(const char* key,
                                       uint64_t fallback) const {
  auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  if (!it->is_number_unsigned() &&
      !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
    return Status::InvalidArgument(Name(key) +
                                   " must be a non-negative integer");
  }
  return it->get<uint64_t>();
}

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
