#include "core/wire/messages/verification_policy.h"

#include <cmath>
#include <set>

#include "core/state/distance.h"

namespace veritrain {
namespace {

constexpr const char* kPath = "verification";

Status Bad(const std::string& field, const std::string& why) {
  return Status::InvalidArgument(std::string(kPath) + "." + field + ": " + why);
}

// `value` as a {metric: number > 0} object; errors name `field`.
Result<std::map<std::string, double>> MetricNumbersOf(const nlohmann::json& value,
                                                      const std::string& field) {
  std::map<std::string, double> out;
  if (!value.is_object()) return Bad(field, "must be an object {metric: number}");
  for (const auto& [name, v] : value.items()) {
    if (!MetricFromName(name)) {
      return Bad(field + "." + name, "unknown metric (known: " + KnownMetricNames() + ")");
    }
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0) {
      return Bad(field + "." + name, "must be a finite number > 0");
    }
    out[name] = v.get<double>();
  }
  return out;
}

// j[field] as a {metric: number > 0} object; empty when absent.
Result<std::map<std::string, double>> MetricNumbers(const nlohmann::json& j,
                                                    const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return std::map<std::string, double>();
  return MetricNumbersOf(*it, field);
}

// {"<steps>": {metric: number > 0}} with steps an integer >= 1.
Result<std::map<int64_t, std::map<std::string, double>>> DeltaBySteps(
    const nlohmann::json& j) {
  std::map<int64_t, std::map<std::string, double>> out;
  auto it = j.find("delta_by_steps");
  if (it == j.end()) return out;
  if (!it->is_object()) {
    return Bad("delta_by_steps", "must be an object {steps: {metric: number}}");
  }
  for (const auto& [key, value] : it->items()) {
    const bool digits = !key.empty() && key.size() <= 18 && key[0] != '0' &&
                        key.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
      return Bad("delta_by_steps." + key, "the key must be a step count >= 1");
    }
    const int64_t steps = std::stoll(key);
    VT_ASSIGN_OR_RETURN(out[steps], MetricNumbersOf(value, "delta_by_steps." + key));
  }
  return out;
}

Result<std::map<std::string, double>> NodeTolerances(const nlohmann::json& j) {
  std::map<std::string, double> out;
  auto it = j.find("node_tolerances");
  if (it == j.end()) return out;
  if (!it->is_object()) {
    return Bad("node_tolerances", "must be an object {node: number}");
  }
  for (const auto& [name, v] : it->items()) {
    if (name.empty()) return Bad("node_tolerances", "a node name is empty");
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) {
      return Bad("node_tolerances." + name, "must be a finite number >= 0");
    }
    out[name] = v.get<double>();
  }
  return out;
}

}  // namespace

nlohmann::json VerificationPolicy::ToJson() const {
  nlohmann::json by_steps = nlohmann::json::object();
  for (const auto& [steps, d] : delta_by_steps) by_steps[std::to_string(steps)] = d;
  nlohmann::json out = {{"metrics", metrics},
                        {"delta", delta},
                        {"reference", reference},
                        {"hyperparameters", hyperparameters},
                        {"calibration", calibration}};
  if (!delta_by_steps.empty()) out["delta_by_steps"] = by_steps;
  if (!node_tolerances.empty()) out["node_tolerances"] = node_tolerances;
  return out;
}

Result<VerificationPolicy> VerificationPolicy::FromJson(
    const nlohmann::json& j) {
  VerificationPolicy p;
  if (!j.is_object())
    return Status::InvalidArgument(std::string(kPath) + " must be an object");
  if (auto it = j.find("metrics"); it != j.end()) {
    if (!it->is_array())
      return Bad("metrics", "must be an array of metric names");
    p.metrics.clear();
    std::set<std::string> seen;
    for (const auto& m : *it) {
      if (!m.is_string())
        return Bad("metrics", "must be an array of metric names");
      const std::string name = m.get<std::string>();
      if (!MetricFromName(name)) {
        return Bad("metrics", "unknown metric '" + name +
                                  "' (known: " + KnownMetricNames() + ")");
      }
      if (!seen.insert(name).second)
        return Bad("metrics", "metric '" + name + "' is repeated");
      p.metrics.push_back(name);
    }
  }
  VT_ASSIGN_OR_RETURN(p.delta, MetricNumbers(j, "delta"));
  VT_ASSIGN_OR_RETURN(p.reference, MetricNumbers(j, "reference"));
  VT_ASSIGN_OR_RETURN(p.delta_by_steps, DeltaBySteps(j));
  VT_ASSIGN_OR_RETURN(p.node_tolerances, NodeTolerances(j));
  if (auto it = j.find("hyperparameters"); it != j.end()) {
    if (!it->is_string() || (*it != "task" && *it != "prover")) {
      return Bad("hyperparameters", "must be \"task\" or \"prover\"");
    }
    p.hyperparameters = it->get<std::string>();
  }
  if (auto it = j.find("calibration"); it != j.end()) {
    if (!it->is_object()) return Bad("calibration", "must be an object");
    p.calibration = *it;
  }
  return p;
}

Status VerificationPolicy::CheckTolerance() const {
  if (metrics.empty())
    return Bad("metrics", "tolerance mode needs at least one metric");
  for (const auto& m : metrics) {
    if (delta.count(m) == 0) {
      return Bad("delta",
                 "tolerance mode needs a threshold for metric '" + m + "'");
    }
  }
  return Status::Ok();
}

double VerificationPolicy::DeltaFor(const std::string& metric, int64_t steps) const {
  const std::map<std::string, double>* last = nullptr;
  for (const auto& [length, d] : delta_by_steps) {
    if (d.count(metric) == 0) continue;
    last = &d;
    if (length >= steps) return d.at(metric);
  }
  if (last != nullptr) return last->at(metric);
  return delta.at(metric);
}

double VerificationPolicy::NodeTolerance(const std::string& node, double fallback) const {
  auto it = node_tolerances.find(node);
  return it == node_tolerances.end() ? fallback : it->second;
}

double VerificationPolicy::Normalise(const std::string& metric,
                                     double raw) const {
  auto it = reference.find(metric);
  return it == reference.end() ? raw : raw / it->second;
}

}  // namespace veritrain
