#include "core/pol/tolerance.h"

#include <torch/types.h>

#include <cmath>

#include "core/pol/policy_distance.h"
#include "core/state/distance.h"
#include "core/state/non_finite.h"
#include "core/wire/body_fields.h"

namespace veritrain {

Result<DistanceCheck> CheckDistances(const VerificationPolicy& policy, const State& computed,
                                     const State& committed, const State& start, int64_t steps,
                                     bool apply_delta) {
  VT_ASSIGN_OR_RETURN(double update_l2, UpdateL2(start, committed));
  return CheckDistancesGiven(policy, computed, committed, update_l2, steps, apply_delta);
}

Result<DistanceCheck> CheckDistancesGiven(const VerificationPolicy& policy,
                                          const State& computed, const State& committed,
                                          std::optional<double> update_l2, int64_t steps,
                                          bool apply_delta) {
  VT_ASSIGN_OR_RETURN(DistanceJudgement j,
                      JudgeDistance(policy, computed, committed, steps, apply_delta));
  DistanceCheck check;
  check.distances = std::move(j.distances);
  check.raw_distances = std::move(j.raw_distances);
  check.delta = std::move(j.delta);
  check.exceeded = std::move(j.exceeded);
  check.within = j.within;
  check.worst_ratio = j.worst_ratio;
  check.non_finite = j.non_finite;
  check.non_finite_mismatch = std::move(j.non_finite_mismatch);
  check.update_measured = update_l2.has_value();
  check.update_l2 = update_l2.value_or(0);
  return check;
}

double OptimizerStateL2(const State& a, const State& b) {
  auto d = L2Distance(a, b, "opt/");
  return d.ok() && std::isfinite(*d) ? *d : -1;
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

nlohmann::json ClaimReport(const nlohmann::json& task_optimizer, const nlohmann::json& claimed) {
  const size_t size = claimed.dump().size();
  if (size <= kMaxReportedClaimBytes) {
    return {{"claimed_optimizer", claimed},
            {"hyperparameter_mismatch", OptimizerMismatch(task_optimizer, claimed)}};
  }
  const std::string said = std::to_string(size) + " bytes of JSON, not reported";
  return {{"claimed_optimizer", said}, {"hyperparameter_mismatch", {{"claim", said}}}};
}

}  // namespace veritrain
