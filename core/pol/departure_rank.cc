#include "core/pol/departure_rank.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/state/distance.h"

namespace veritrain {

std::optional<double> RankingNorm(const State& committed) {
  auto norm = ParameterNorm(committed);
  if (!norm.ok()) {
    // No parameter at all is nothing to measure; any other error is a
    // value that is not finite (or a tensor that is not well formed).
    if (norm.status().message().find("has no tensors named") != std::string::npos) {
      return std::nullopt;
    }
    return std::numeric_limits<double>::infinity();
  }
  return std::isfinite(*norm) ? *norm : std::numeric_limits<double>::infinity();
}

std::vector<double> DepartureRanks(const std::vector<double>& ratios,
                                   const std::vector<std::optional<double>>& norms) {
  double smallest = std::numeric_limits<double>::infinity();
  for (const auto& n : norms) {
    if (n && std::isfinite(*n) && *n > 0) smallest = std::min(smallest, *n);
  }
  std::vector<double> out(ratios);
  for (size_t i = 0; i < out.size() && i < norms.size(); ++i) {
    const auto& n = norms[i];
    if (!n) continue;
    if (!std::isfinite(*n)) {
      out[i] = 0;
      continue;
    }
    if (!std::isfinite(smallest) || *n <= smallest) continue;
    out[i] = out[i] * (smallest / *n);
  }
  return out;
}

}  // namespace veritrain
