#include "solver/forced_error.h"

#include <cmath>

#include "core/pol/tolerance.h"

namespace veritrain {

Result<TensorMap> ForcedErrorState(const TensorMap& state, double by) {
  TensorMap out;
  bool perturbed = false;
  for (const auto& [name, t] : state) {
    if (!perturbed && name.rfind("param/", 0) == 0 && t.numel() > 0) {
      torch::Tensor wrong = t.clone();
      wrong.view({-1})[0].add_(by);
      out[name] = wrong;
      perturbed = true;
    } else {
      out[name] = t;
    }
  }
  if (!perturbed) return Status::FailedPrecondition("forced error: the state has no parameters");
  return out;
}

Result<TensorMap> VisibleForcedErrorState(const TensorMap& state, const std::string& mode,
                                          const VerificationPolicy& policy, int64_t k,
                                          int64_t index) {
  if (mode != "tolerance") return ForcedErrorState(state);
  const double sign = index % 2 == 1 ? 1.0 : -1.0;
  VT_ASSIGN_OR_RETURN(TensorMap wrong, ForcedErrorState(state, sign));
  const State honest = ToState(state);
  auto visible = [&](const TensorMap& w) -> Result<bool> {
    VT_ASSIGN_OR_RETURN(DistanceCheck d, CheckDistances(policy, honest, ToState(w), honest, k,
                                                        /*apply_delta=*/true));
    return !d.within;
  };
  VT_ASSIGN_OR_RETURN(bool seen, visible(wrong));
  // Every parameter element moved by sign * c.
  for (double c = 1; !seen && c <= 1e30; c *= 10) {
    wrong.clear();
    for (const auto& [name, t] : state) {
      const bool param = name.rfind("param/", 0) == 0 && t.is_floating_point();
      wrong[name] = param ? t + sign * c : t;
    }
    VT_ASSIGN_OR_RETURN(seen, visible(wrong));
  }
  if (!seen) {
    // A shift along the all-ones direction D leaves the state's direction
    // H only as far as their angle: a cosine δ above 1 - cos(D, H) is
    // never left at one sign, however large the shift (and check judged
    // another state than the run's). D made orthogonal to H instead,
    // D - (ΣH / ΣH²) H, is left at every δ below 1 at either sign, and
    // consecutive checkpoints (signs alternating) end up opposite.
    double sum = 0, squares = 0;
    for (const auto& [name, t] : state) {
      if (name.rfind("param/", 0) != 0 || !t.is_floating_point()) continue;
      sum += t.sum(torch::kDouble).item<double>();
      squares += t.square().sum(torch::kDouble).item<double>();
    }
    const double along = sum / squares;
    for (double c = 1; !seen && squares > 0 && std::isfinite(along) && c <= 1e30; c *= 10) {
      wrong.clear();
      for (const auto& [name, t] : state) {
        const bool param = name.rfind("param/", 0) == 0 && t.is_floating_point();
        wrong[name] = param ? t + sign * c * (1 - along * t) : t;
      }
      VT_ASSIGN_OR_RETURN(seen, visible(wrong));
    }
  }
  if (!seen) {
    // Parameters that are not finite (training that diverged, honestly or
    // not): no shift moves a NaN or an infinity, and with none finite left
    // no shift is seen. A NaN or infinity placed differently is beyond
    // every δ (core/state/non_finite.h): the first one becomes `sign`.
    wrong.clear();
    bool placed = false;
    for (const auto& [name, t] : state) {
      const bool param = name.rfind("param/", 0) == 0 && t.is_floating_point();
      if (placed || !param || t.numel() == 0) {
        wrong[name] = t;
        continue;
      }
      const torch::Tensor bad = torch::logical_not(torch::isfinite(t)).view({-1});
      if (!bad.any().item<bool>()) {
        wrong[name] = t;
        continue;
      }
      torch::Tensor moved = t.clone();
      moved.view({-1})[bad.nonzero()[0][0].item<int64_t>()].fill_(sign);
      wrong[name] = moved;
      placed = true;
    }
    if (placed) {
      VT_ASSIGN_OR_RETURN(seen, visible(wrong));
    }
  }
  if (!seen) {
    return Status::FailedPrecondition(
        "forced error: no perturbation up to 1e30 per parameter element leaves the task's "
        "delta for " + std::to_string(k) + " steps: verifiers could not catch it");
  }
  return wrong;
}

}  // namespace veritrain
