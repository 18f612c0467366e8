// The wrong result a solver posts on the arbiter's order (a forced error,
// Truebit's dual commitment: docs/protocol.md, "Forced errors"), as pure
// functions of the honest state and the task's comparison.
//
// Thread-safety: free functions over values.
#pragma once

#include <cstdint>
#include <string>

#include "core/train/torch_bridge.h"
#include "core/util/status.h"
#include "core/wire/messages/verification_policy.h"

namespace veritrain {

// The wrong result a solver posts for a forced error: `state` with `by`
// added to the first element of its first non-empty parameter tensor
// ("param/...", in name order); the other tensors are shared, not copied.
// FailedPrecondition when there is no parameter tensor.
Result<TensorMap> ForcedErrorState(const TensorMap& state, double by = 1.0);

// The wrong checkpoint `index` (>= 1) of a forced error, made visible under
// the task's comparison: in tolerance mode a wrong result within δ would be
// approved by every honest verifier, which would then be slashed as lazy
// for it. Exact mode: ForcedErrorState (any bit is seen). Tolerance mode:
// the perturbation P is +1 on one element, or, when that stays within δ(k)
// of the honest state (a loose δ, a large reference normaliser), every
// parameter element moved by c = 1, 10, 100, ... until some metric of
// `policy` is beyond its δ for `k` steps; and its sign alternates with the
// index (+P at odd checkpoints, -P at even ones). The same shift at both
// ends of an interval would survive re-execution from the wrong start and
// hide the error in every interval but the first; alternating, interval 0
// ends P away and every later one about 2P. When no shift along the
// all-ones direction is seen (a cosine δ above that direction's angle to
// the state), the same along that direction made orthogonal to the
// state's parameters, which leaves every cosine δ below 1 at either sign.
// When the parameters hold a NaN
// or an infinity and no shift is seen (training that diverged: an honest
// solver must still be able to obey), the first such element becomes
// ±1, a placement of non-finite values that differs, beyond every δ.
// FailedPrecondition when none of these leaves δ (a δ nothing finite
// exceeds; `veritrain check` refuses such a scenario).
Result<TensorMap> VisibleForcedErrorState(const TensorMap& state, const std::string& mode,
                                          const VerificationPolicy& policy, int64_t k,
                                          int64_t index);

}  // namespace veritrain
