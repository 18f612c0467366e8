#include "core/pol/error_rate.h"

#include <algorithm>
#include <cmath>

namespace veritrain {
namespace {

constexpr double kZ = 1.959963984540054;  // 97.5th percentile of N(0, 1)

double AtLeastOne(double p, int64_t checks) {
  return 1.0 - std::pow(1.0 - std::clamp(p, 0.0, 1.0), static_cast<double>(checks));
}

}  // namespace

nlohmann::json RateEstimate::ToJson() const {
  // No trials measure no rate: null, not a 0 that reads as "never".
  return {{"events", events},
          {"trials", trials},
          {"rate", trials > 0 ? nlohmann::json(rate) : nlohmann::json()},
          {"ci95", {low, high}}};
}

RateEstimate WilsonRate(int64_t events, int64_t trials) {
  RateEstimate r;
  r.events = events;
  r.trials = trials;
  if (trials <= 0) return r;
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(events) / n;
  const double z2 = kZ * kZ;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = kZ * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  r.rate = p;
  r.low = std::max(0.0, centre - half);
  r.high = std::min(1.0, centre + half);
  if (events == 0) r.low = 0;
  if (events == trials) r.high = 1;
  return r;
}

RateEstimate AtLeastOneOf(const RateEstimate& per_check, int64_t checks) {
  RateEstimate r = per_check;
  r.rate = AtLeastOne(per_check.rate, checks);
  r.low = AtLeastOne(per_check.low, checks);
  r.high = AtLeastOne(per_check.high, checks);
  return r;
}

}  // namespace veritrain
