#include "verifier/tolerance.h"

#include <torch/torch.h>

#include <map>

#include "core/state/distance.h"
#include "core/state/non_finite.h"
#include "core/wire/body_fields.h"

namespace veritrain {

Result<DistanceCheck> CheckDistances(const VerificationPolicy& policy,
                                     const State& computed,
                                     const State& committed, const State& start,
                                     bool apply_delta) {
  DistanceCheck check;
  // NaN and infinities by the rule of core/state/non_finite.h: placed alike
  // or every distance is +inf; distances over the finite values.
  VT_ASSIGN_OR_RETURN(ToleranceComparison c, CompareParameters(computed, committed));
  const StateDistance& d = c.distance;
  check.non_finite = c.non_finite;
  check.non_finite_mismatch = c.mismatch;
  bool normalised = false;
  std::map<std::string, double> values;
  for (Metric m : AllMetrics()) {
    const std::string name = MetricName(m);
    const double value = policy.Normalise(name, d.Get(m));
    normalised = normalised || value != d.Get(m);
    values[name] = value;
    check.distances[name] = RealToBody(value);
  }
  if (normalised) {
    check.raw_distances = nlohmann::json::object();
    for (Metric m : AllMetrics()) check.raw_distances[MetricName(m)] = RealToBody(d.Get(m));
  }
  if (apply_delta) {
    for (const auto& name : policy.metrics) {
      if (!(values[name] <= policy.delta.at(name))) {  // +inf and NaN exceed
        check.exceeded.push_back(name);
        check.within = false;
      }
    }
  }
  VT_ASSIGN_OR_RETURN(check.update_l2, UpdateL2(start, committed));
  return check;
}

double OptimizerStateL2(const State& a, const State& b) {
  auto d = ParameterDistance(a, b, "opt/");
  return d.ok() ? d->l2 : -1;
}

nlohmann::json OptimizerMismatch(const nlohmann::json& task_optimizer,
                                 const nlohmann::json& claimed) {
  nlohmann::json out = nlohmann::json::object();
  if (!claimed.is_object()) return {{"claim", "missing"}};
  for (const auto& [key, value] : task_optimizer.items()) {
    auto it = claimed.find(key);
    const nlohmann::json c = it == claimed.end() ? nlohmann::json() : *it;
    const bool same = c.is_number() && value.is_number()
                          ? c.get<double>() == value.get<double>()
                          : c == value;
    if (!same) out[key] = {{"task", value}, {"claimed", c}};
  }
  for (const auto& [key, value] : claimed.items()) {
    if (!task_optimizer.contains(key))
      out[key] = {{"task", nullptr}, {"claimed", value}};
  }
  return out;
}

TensorMap CastFloating(const TensorMap& state, torch::ScalarType dtype) {
  TensorMap out;
  for (const auto& [name, t] : state) {
    out.emplace(name, t.is_floating_point() && t.scalar_type() != dtype
                          ? t.to(dtype)
                          : t);
  }
  return out;
}

std::string CommittedDtype(const TensorMap& state) {
  for (const auto& [name, t] : state) {
    if (name.rfind("param/", 0) == 0 && t.is_floating_point()) {
      return t.scalar_type() == torch::kFloat64 ? "float64" : "float32";
    }
  }
  return "float32";
}

}  // namespace veritrain
