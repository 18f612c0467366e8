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

// A {metric: number > 0} object.
Result<std::map<std::string, double>> MetricNumbers(const nlohmann::json& j,
                                                    const char* field) {
  std::map<std::string, double> out;
  auto it = j.find(field);
  if (it == j.end()) return out;
  if (!it->is_object()) return Bad(field, "must be an object {metric: number}");
  for (const auto& [name, v] : it->items()) {
    if (!MetricFromName(name)) {
      return Bad(std::string(field) + "." + name,
                 "unknown metric (known: " + KnownMetricNames() + ")");
    }
    if (!v.is_number() || !std::isfinite(v.get<double>()) ||
        v.get<double>() <= 0) {
      return Bad(std::string(field) + "." + name,
                 "must be a finite number > 0");
    }
    out[name] = v.get<double>();
  }
  return out;
}

}  // namespace

nlohmann::json VerificationPolicy::ToJson() const {
  return {{"metrics", metrics},
          {"delta", delta},
          {"reference", reference},
          {"hyperparameters", hyperparameters},
          {"calibration", calibration}};
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

double VerificationPolicy::Normalise(const std::string& metric,
                                     double raw) const {
  auto it = reference.find(metric);
  return it == reference.end() ? raw : raw / it->second;
}

}  // namespace veritrain
