#include "core/pol/policy_distance.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/state/distance.h"
#include "core/state/non_finite.h"
#include "core/wire/body_fields.h"

namespace veritrain {

Result<DistanceJudgement> JudgeDistance(const VerificationPolicy& policy, const State& computed,
                                        const State& committed, int64_t steps, bool judge) {
  DistanceJudgement j;
  VT_ASSIGN_OR_RETURN(ToleranceComparison c, CompareParameters(computed, committed));
  const StateDistance& d = c.distance;
  j.non_finite = c.non_finite;
  j.non_finite_mismatch = c.mismatch;
  bool normalised = false;
  std::map<std::string, double> values;
  for (Metric m : AllMetrics()) {
    const std::string name = MetricName(m);
    const double value = policy.Normalise(name, d.Get(m));
    normalised = normalised || value != d.Get(m);
    values[name] = value;
    j.distances[name] = RealToBody(value);
  }
  if (normalised) {
    j.raw_distances = nlohmann::json::object();
    for (Metric m : AllMetrics()) j.raw_distances[MetricName(m)] = RealToBody(d.Get(m));
  }
  if (!judge) return j;
  for (const auto& name : policy.metrics) {
    const double delta = policy.DeltaFor(name, steps);
    const double value = values[name];
    j.delta[name] = delta;
    j.worst_ratio = std::max(j.worst_ratio, std::isnan(value) ? HUGE_VAL : value / delta);
    if (!(value <= delta)) {  // +inf and NaN exceed
      j.exceeded.push_back(name);
      j.within = false;
    }
  }
  return j;
}

}  // namespace veritrain
