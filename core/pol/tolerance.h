// The comparison after re-executing one interval (design stage 5, made by
// core/pol/check_interval.h): distances between the re-executed and the
// committed parameters under the task's VerificationPolicy; and the check
// of the hyper-parameters a checkpoint claims against the task's, which
// the verifier reports.
//
// Exact mode compares state hashes and uses these only to report how far a
// mismatching interval is off; tolerance mode decides with them.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>

#include <torch/types.h>

#include <nlohmann/json.hpp>
#include <cstdint>
#include <string>

#include "core/state/tensor_data.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"
#include "core/wire/messages/verification_policy.h"

namespace veritrain {

struct DistanceCheck {
  // Every metric's distance, normalised by the policy's reference where it
  // has one: {"l1": .., "l2": .., "linf": .., "cosine": ..}.
  nlohmann::json distances = nlohmann::json::object();
  // The raw (unnormalised) distances, present only when some reference
  // applies.
  nlohmann::json raw_distances;
  // The δ each of the policy's metrics was compared with (tolerance only):
  // δ for the number of steps re-executed.
  nlohmann::json delta = nlohmann::json::object();
  // The policy's metrics whose distance exceeds their δ (tolerance only).
  nlohmann::json exceeded = nlohmann::json::array();
  bool within = true;    // no metric exceeded
  // The largest distance / δ over the policy's metrics (tolerance only):
  // > 1 exactly when outside; +inf for a NaN distance.
  double worst_ratio = 0;
  double update_l2 = 0;  // l2 of the committed update (end − start); NaN or +inf
                         // for a diverged run
  // Whether update_l2 was measured (CheckDistancesGiven without it: the
  // start was no longer at hand).
  bool update_measured = true;
  // Non-finite parameters (core/state/non_finite.h): how many are placed
  // alike in both states, and the first that is not ("" when none; every
  // distance is then +inf, written "inf" in `distances`).
  int64_t non_finite = 0;
  std::string non_finite_mismatch;
};

// Compares `computed` (the re-execution's end state after `steps` steps)
// with `committed` (the solver's end checkpoint) over their parameters
// (core/pol/policy_distance.h), and measures the committed update from
// `start`. With apply_delta, decides `within` from the policy's δ for that
// many steps (REQUIRES: policy.CheckTolerance() is OK); otherwise only
// measures. Errors from ParameterDistance (naming the tensor): a committed
// checkpoint whose parameters do not match the job's is an error of the
// solver's. NaN and infinite parameters follow core/state/non_finite.h.
Result<DistanceCheck> CheckDistances(const VerificationPolicy& policy, const State& computed,
                                     const State& committed, const State& start, int64_t steps,
                                     bool apply_delta);
// The same with the committed update's l2 measured before (nullopt: not
// measured; update_measured is then false).
Result<DistanceCheck> CheckDistancesGiven(const VerificationPolicy& policy,
                                          const State& computed, const State& committed,
                                          std::optional<double> update_l2, int64_t steps,
                                          bool apply_delta);

// The l2 distance between the optimizer states ("opt/...") of two states,
// or -1 when they have none (SGD without momentum).
double OptimizerStateL2(const State& a, const State& b);

// The fields where a checkpoint's claimed optimizer differs from the task's:
// {"lr": {"task": 0.001, "claimed": 1e-12}, ...}; an empty object when they
// agree. A claim that is missing or not an object gives {"claim": "missing"}.
nlohmann::json OptimizerMismatch(const nlohmann::json& task_optimizer,
                                 const nlohmann::json& claimed);

// What an interval's report says of the optimizer a checkpoint claims:
// {"claimed_optimizer": the claim, "hyperparameter_mismatch":
// OptimizerMismatch}. The report goes into the verdict for every interval
// checked, in a header of at most 1 MiB, so a claim of more than
// kMaxReportedClaimBytes of JSON (an optimizer's name and a few numbers
// take a hundred) is given by its size in both fields: a solver cannot
// make its verifiers' verdicts too large to post.
inline constexpr size_t kMaxReportedClaimBytes = 256;
nlohmann::json ClaimReport(const nlohmann::json& task_optimizer, const nlohmann::json& claimed);

}  // namespace veritrain
