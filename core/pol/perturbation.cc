#include "core/pol/perturbation.h"

#include <torch/types.h>

#include "core/train/node_arbitration.h"

namespace veritrain {
namespace {

TensorMap AbsoluteValues(const TensorMap& m) {
  TensorMap out;
  for (const auto& [name, t] : m) out.emplace(name, t.is_floating_point() ? t.abs() : t);
  return out;
}

// ±1 per element, fixed by (seed, step, node).
torch::Tensor Signs(const torch::Tensor& like, uint64_t seed, int64_t step, size_t node) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(
      seed ^ (static_cast<uint64_t>(step) * 0x9E3779B97F4A7C15ULL) ^
      (static_cast<uint64_t>(node + 1) * 0xC2B2AE3D27D4EB4FULL));
  return torch::randint(0, 2, like.sizes(), gen, torch::TensorOptions().dtype(like.dtype()))
      .mul_(2)
      .sub_(1);
}

}  // namespace

Result<TensorMap> PerturbedStep(const TrainingJob& job, const TensorMap& state,
                                const NodeThresholdOf& threshold, uint64_t sign_seed) {
  auto step_it = state.find("meta/step");
  if (step_it == state.end() || step_it->second.numel() != 1) {
    return Status::InvalidArgument("the state has no 'meta/step'");
  }
  const int64_t step = step_it->second.item<int64_t>();
  VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(step));
  const StepGraph& g = job.graph();
  TensorMap values = state;
  for (const auto& [name, t] : batch) values[name] = t;
  for (size_t i = 0; i < g.size(); ++i) {
    const Node& node = g.nodes()[i];
    TensorMap inputs;
    for (const auto& name : node.inputs) {
      auto it = values.find(name);
      if (it == values.end()) {
        return Status::InvalidArgument(node.name + ": input '" + name + "' is missing");
      }
      inputs.emplace(name, it->second);
    }
    VT_ASSIGN_OR_RETURN(TensorMap out, EvaluateNode(g, i, inputs));
    const double tau = threshold(node.name);
    TensorMap scale;
    if (tau > 0) {
      auto magnitude = EvaluateNode(g, i, AbsoluteValues(inputs));
      if (magnitude.ok()) scale = std::move(magnitude).value();
    }
    for (const auto& name : node.outputs) {
      auto it = out.find(name);
      if (it == out.end()) return Status::Internal(node.name + " did not produce '" + name + "'");
      torch::Tensor v = it->second;
      if (tau > 0 && v.is_floating_point() && v.numel() > 0) {
        torch::Tensor s = v.abs();
        auto sc = scale.find(name);
        if (sc != scale.end() && sc->second.sizes() == v.sizes()) {
          s = torch::maximum(s, torch::nan_to_num(sc->second.abs(), 0.0, 0.0, 0.0));
        }
        // A non-finite output (a causal mask's -inf) must stay as it is:
        // the ruling accepts no other value there, and moving it would
        // make a NaN (inf - inf).
        s = torch::where(torch::isfinite(v), s, torch::zeros_like(s));
        v = v + Signs(v, sign_seed, step, i) * s * tau;
      }
      values[name] = v;
    }
  }
  return AssembleState(state, values);
}

}  // namespace veritrain
