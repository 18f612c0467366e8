#include "core/pol/policy_distance.h"

#include <algorithm>

#include "core/state/distance.h"

namespace veritrain {

Result<DistanceJudgement> JudgeDistance(const VerificationPolicy& policy, const State& computed,
                                        const State& committed, int64_t steps, bool judge) {
  DistanceJudgement j;
  VT_ASSIGN_OR_RETURN(StateDistance d, ParameterDistance(computed, committed));
  bool normalised = false;
  for (Metric m : AllMetrics()) {
    const std::string name = MetricName(m);
    const double value = policy.Normalise(name, d.Get(m));
    normalised = normalised || value != d.Get(m);
    j.distances[name] = value;
  }
  if (normalised) {
    j.raw_distances = nlohmann::json::object();
    for (Metric m : AllMetrics()) j.raw_distances[MetricName(m)] = d.Get(m);
  }
  if (!judge) return j;
  for (const auto& name : policy.metrics) {
    const double delta = policy.DeltaFor(name, steps);
    const double value = j.distances[name].get<double>();
    j.delta[name] = delta;
    j.worst_ratio = std::max(j.worst_ratio, value / delta);
    if (value > delta) {
      j.exceeded.push_back(name);
      j.within = false;
    }
  }
  return j;
}

}  // namespace veritrain
