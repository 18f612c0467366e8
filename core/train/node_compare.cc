#include "core/train/node_compare.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <limits>

namespace veritrain {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Shape(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// The largest componentwise ratio of `claimed` to `ours` (see the header).
double MaxRatio(const torch::Tensor& ours, const torch::Tensor* scale,
                const torch::Tensor& claimed) {
  if (ours.numel() == 0) return 0;
  const auto o = ours.to(torch::kFloat64);
  const auto c = claimed.to(torch::kFloat64);
  auto denom = o.abs();
  if (scale != nullptr && scale->sizes() == ours.sizes()) {
    // A scale evaluation that overflowed or produced NaN says nothing.
    denom = torch::maximum(denom, torch::nan_to_num(scale->to(torch::kFloat64).abs(), 0.0, 0.0, 0.0));
  }
  const auto same = c.eq(o).logical_or(c.isnan().logical_and(o.isnan()));
  auto ratio = (c - o).abs().div(denom);
  ratio = torch::where(same, torch::zeros_like(ratio), ratio);
  ratio = torch::nan_to_num(ratio, kInf, kInf, kInf);
  return ratio.max().item<double>();
}

TensorMap AbsoluteInputs(const TensorMap& inputs) {
  TensorMap out;
  for (const auto& [name, t] : inputs) out.emplace(name, t.is_floating_point() ? t.abs() : t);
  return out;
}

}  // namespace

nlohmann::json DeviationJson(double deviation) {
  if (std::isfinite(deviation)) return deviation;
  return "inf";
}

double DeviationFromJson(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  return kInf;
}

std::string NodeDeviation::Describe() const {
  if (!problem.empty()) return problem;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3g", ratio);
  return std::string("componentwise relative error ") + buf +
         (worst_output.empty() ? "" : " at " + worst_output);
}

NodeDeviation CompareOutputs(const TensorMap& ours, const TensorMap& scale,
                             const TensorMap& claimed) {
  NodeDeviation d;
  for (const auto& [name, o] : ours) {
    auto c = claimed.find(name);
    if (c == claimed.end()) {
      d.problem = "output '" + name + "' is missing";
    } else if (c->second.sizes() != o.sizes()) {
      d.problem = "output '" + name + "' has shape " + Shape(c->second) + ", not " + Shape(o);
    } else if (c->second.is_floating_point() != o.is_floating_point()) {
      d.problem = "output '" + name + "' has another kind of dtype";
    }
    if (!d.problem.empty()) {
      d.ratio = kInf;
      d.worst_output = name;
      return d;
    }
    double r = 0;
    if (!o.is_floating_point()) {
      r = torch::equal(o, c->second.to(o.scalar_type())) ? 0 : kInf;
    } else {
      auto s = scale.find(name);
      r = MaxRatio(o, s == scale.end() ? nullptr : &s->second, c->second);
    }
    if (r > d.ratio) {
      d.ratio = r;
      d.worst_output = name;
    }
  }
  return d;
}

Result<NodeDeviation> CompareNode(const StepGraph& g, size_t index, const TensorMap& inputs,
                                  const TensorMap& claimed, TensorMap* ours) {
  if (index >= g.size()) {
    return Status::InvalidArgument("node " + std::to_string(index) + " is not in the graph");
  }
  const Node& node = g.nodes()[index];
  auto evaluated = EvaluateNode(g, index, inputs);
  if (!evaluated.ok()) {
    return Status::InvalidArgument(node.name + " cannot be evaluated on these inputs: " +
                                   evaluated.status().message());
  }
  TensorMap mine;
  for (const auto& name : node.outputs) mine.emplace(name, evaluated->at(name));
  TensorMap scale;
  auto magnitude = EvaluateNode(g, index, AbsoluteInputs(inputs));
  if (magnitude.ok()) {
    for (const auto& name : node.outputs) {
      auto it = magnitude->find(name);
      if (it != magnitude->end()) scale.emplace(name, it->second);
    }
  }
  NodeDeviation d = CompareOutputs(mine, scale, claimed);
  if (ours != nullptr) *ours = std::move(mine);
  return d;
}

}  // namespace veritrain
