// Non-finite parameter values: what tolerance mode does with them.
//
// A training run that diverges (a learning rate of 1e11) produces states
// holding NaN and infinite values. The solver did the work it was asked
// for, so the protocol must be able to verify such a run, and an honest
// solver must not lose by it. The rule:
//   - exact mode: nothing special. The state hash covers a tensor's bytes,
//     NaN and infinities included; re-executing under the same profile
//     gives the same bits (IEEE 754 arithmetic on the same kernels).
//   - tolerance mode compares two states in two parts:
//       1. placement: every parameter element that is NaN, +inf or -inf in
//          one state must be the same kind in the other. If one is not, the
//          states disagree: every distance is +inf (beyond any δ).
//       2. values: the distances of core/state/distance.h over the elements
//          that are finite in both.
//     The game's one-node arbitration in tolerance mode applies the same
//     rule to the node's outputs (core/train/node_arbitration.cc).
//   - update norms (the solver's per-interval l2, the top-Q hint) may be NaN
//     or +inf; they travel as "nan"/"inf" (core/wire/body_fields.h), rank
//     first in top-Q (core/protocol/interval_selection.h), and a posted norm
//     matches a recomputed one when both are NaN, both +inf, or both finite
//     and close (SameUpdateNorm).
// Before this rule a diverged run's non-finite norms were refused on the
// wire and its distances were errors: the honest solver timed out or went
// unverified and lost its stake.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/state/distance.h"
#include "core/state/tensor_data.h"
#include "core/util/status.h"

namespace veritrain {

struct ToleranceComparison {
  // Over the elements finite in both; every field +inf when the non-finite
  // values are not placed alike.
  StateDistance distance;
  int64_t non_finite = 0;  // elements non-finite in both (placed alike)
  // "" when placed alike; otherwise the first element that differs, e.g.
  // "param/fc1.weight[17]: NaN in the first state, finite in the second".
  std::string mismatch;
};

// Compares the parameters (tensors named `prefix`...) of a and b by the
// rule above. Errors as ParameterDistance for states that do not pair up
// (missing tensor, other shape, non-floating dtype, inconsistent bytes).
Result<ToleranceComparison> CompareParameters(
    const State& a, const State& b, std::string_view prefix = "param/");

// sqrt(sum over b's parameters of (b - a)^2) in double precision, the
// solver's update norm: NaN or +inf when a value is. Errors as
// ParameterDistance.
Result<double> UpdateL2(const State& a, const State& b,
                        std::string_view prefix = "param/");

// Whether a posted update norm matches the recomputed one: both NaN, both
// +inf, or both finite with |claimed - actual| <= rel * max(1, |actual|).
bool SameUpdateNorm(double claimed, double actual, double rel = 1e-6);

}  // namespace veritrain
