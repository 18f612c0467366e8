// How far a re-executed state lands from a committed one, judged by a
// task's VerificationPolicy: the comparison of tolerance mode, for a whole
// interval (the verifier, design stage 5) and for the sub-ranges of a
// tolerance-mode dispute (core/pol/distance_dissection.h).
//
// Every metric of core/state/distance.h is measured over the parameters
// (NaN and infinities by the rule of core/state/non_finite.h: placed alike,
// or every distance is +inf) and normalised by the policy's reference; each metric the policy lists
// is compared with its δ for the number of steps re-executed
// (VerificationPolicy::DeltaFor): the honest error of one step is far
// smaller than that of a whole interval.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/state/tensor_data.h"
#include "core/util/status.h"
#include "core/wire/messages/verification_policy.h"

namespace veritrain {

struct DistanceJudgement {
  // Every metric's distance, normalised: {"l1": .., "l2": .., "linf": ..,
  // "cosine": ..}; an infinite one is written "inf" (RealToBody).
  nlohmann::json distances = nlohmann::json::object();
  // The raw distances, present (not null) only when a reference applies.
  nlohmann::json raw_distances;
  // δ(steps) of each metric the policy lists (judged only).
  nlohmann::json delta = nlohmann::json::object();
  // The listed metrics whose distance exceeds their δ (judged only).
  nlohmann::json exceeded = nlohmann::json::array();
  bool within = true;
  // The largest distance / δ over the listed metrics (judged only): > 1
  // exactly when outside.
  double worst_ratio = 0;
  // Elements non-finite in both states, and the first placed differently
  // ("" when none).
  int64_t non_finite = 0;
  std::string non_finite_mismatch;
};

// Measures `computed` against `committed` over their parameters; with
// `judge`, compares with δ for `steps` steps.
// REQUIRES (judge): policy.CheckTolerance() is OK and steps >= 1.
// Errors from ParameterDistance, naming the tensor (a parameter missing or
// mis-shaped, a non-floating dtype).
Result<DistanceJudgement> JudgeDistance(const VerificationPolicy& policy, const State& computed,
                                        const State& committed, int64_t steps, bool judge);

}  // namespace veritrain
