#include "core/pol/check_interval.h"

#include <torch/types.h>

#include <cstring>
#include <utility>

#include "core/pol/policy_distance.h"
#include "core/state/non_finite.h"
#include "core/state/state_hash.h"

namespace veritrain {
namespace {

constexpr int kEndHashThreads = 2;

torch::ScalarType ScalarTypeOf(const std::string& dtype) {
  return dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
}

Status CheckArguments(const VerificationPolicy& policy, IntervalMode mode, const ClaimedEnd& end,
                      const IntervalSpan& span) {
  if (mode != IntervalMode::kExact && mode != IntervalMode::kTolerance &&
      mode != IntervalMode::kMeasure) {
    return Status::InvalidArgument("check interval: invalid mode");
  }
  if (span.steps < 1) {
    return Status::InvalidArgument("check interval: steps must be at least 1, not " +
                                   std::to_string(span.steps));
  }
  if (span.first_step < 0) {
    return Status::InvalidArgument("check interval: first_step must not be negative, not " +
                                   std::to_string(span.first_step));
  }
  if (mode == IntervalMode::kExact && !end.hash) {
    return Status::InvalidArgument("check interval: exact mode needs the claimed end's hash");
  }
  if (mode != IntervalMode::kExact && end.tensors == nullptr && !end.load_tensors) {
    return Status::InvalidArgument(std::string("check interval: ") +
                                   (mode == IntervalMode::kTolerance ? "tolerance" : "measure") +
                                   " mode needs the claimed end's tensors");
  }
  if (mode == IntervalMode::kTolerance) {
    VT_RETURN_IF_ERROR(policy.CheckTolerance().WithContext("check interval"));
  }
  return Status::Ok();
}

// The distances of `computed` from the committed end, with the committed
// update's l2 measured before (nullopt: not measured); measure mode only
// measures (no update norm: calibration has no use for it).
Result<DistanceCheck> Compare(const VerificationPolicy& policy, IntervalMode mode,
                              const State& computed, const State& committed,
                              std::optional<double> update_l2, int64_t steps) {
  if (mode != IntervalMode::kMeasure) {
    return CheckDistancesGiven(policy, computed, committed, update_l2, steps,
                               mode == IntervalMode::kTolerance);
  }
  VT_ASSIGN_OR_RETURN(DistanceJudgement j,
                      JudgeDistance(policy, computed, committed, steps, /*judge=*/false));
  DistanceCheck check;
  check.distances = std::move(j.distances);
  check.raw_distances = std::move(j.raw_distances);
  check.non_finite = j.non_finite;
  check.non_finite_mismatch = std::move(j.non_finite_mismatch);
  return check;
}

// The comparison with the end's tensors and the finding it leads to.
// `tensors`: the end's, when loaded before re-executing; `update`, the
// committed update's l2 measured then (nullopt: not measured; an error: the
// end's parameters are not the job's, and nothing is compared).
void Judge(const VerificationPolicy& policy, IntervalMode mode, const State* tensors,
           const std::optional<Result<double>>& update, const ClaimedEnd& end,
           const IntervalSpan& span, IntervalCheck* out) {
  const bool need = mode != IntervalMode::kExact || !out->bit_equal;
  if (tensors == nullptr && need && end.load_tensors) tensors = end.load_tensors();
  if (tensors != nullptr) {
    out->compared = true;
    out->end_tensors = tensors;
    std::optional<double> update_l2;
    if (update && update->ok()) update_l2 = **update;
    auto check = update && !update->ok()
                     ? Result<DistanceCheck>(update->status())
                     : Compare(policy, mode, out->computed, *tensors, update_l2, span.steps);
    if (check.ok()) {
      out->distances = std::move(check).value();
      if (mode != IntervalMode::kMeasure) {
        out->optimizer_state_l2 = OptimizerStateL2(out->computed, *tensors);
      }
    } else {
      out->distance_error = check.status().ToString();
    }
    // A wrong step counter at the end comes first: it is for the arbiter to
    // see, not for a comparison.
    if (!RecordsStep(*tensors, span.end_step())) {
      out->finding = IntervalFinding::kEndStep;
      out->detail = "the end does not record step " + std::to_string(span.end_step());
      return;
    }
  }
  if (mode == IntervalMode::kExact) {
    out->finding = out->bit_equal ? IntervalFinding::kMatch : IntervalFinding::kHashDiffers;
    if (!out->bit_equal) out->detail = "the re-executed state hash differs from the end's";
    return;
  }
  if (!out->distances) {
    out->finding = IntervalFinding::kIncomparable;
    out->detail = tensors == nullptr ? "the end's tensors could not be had" : out->distance_error;
    return;
  }
  const DistanceCheck& d = *out->distances;
  if (mode == IntervalMode::kTolerance && !d.within) {
    out->finding = IntervalFinding::kOutsideDelta;
    out->detail = d.exceeded.dump();
    return;
  }
  if (mode == IntervalMode::kTolerance && end.update_norm &&
      !SameUpdateNorm(*end.update_norm, d.update_l2)) {  // NaN matches NaN, +inf +inf
    out->finding = IntervalFinding::kUpdateNorm;
    out->norm_mismatch = true;
    out->detail = "claimed update norm " + std::to_string(*end.update_norm) + ", committed " +
                  std::to_string(d.update_l2);
    return;
  }
  out->finding = IntervalFinding::kMatch;
}

}  // namespace

Result<IntervalMode> IntervalModeFromName(const std::string& name) {
  if (name == "exact") return IntervalMode::kExact;
  if (name == "tolerance") return IntervalMode::kTolerance;
  return Status::InvalidArgument("unknown verification mode '" + name +
                                 "' (known: exact, tolerance)");
}

const char* IntervalFindingName(IntervalFinding f) {
  switch (f) {
    case IntervalFinding::kMatch: return "match";
    case IntervalFinding::kStartStep: return "start_step";
    case IntervalFinding::kStartShape: return "start_shape";
    case IntervalFinding::kReexecutionFailed: return "reexecution_failed";
    case IntervalFinding::kEndStep: return "end_step";
    case IntervalFinding::kIncomparable: return "incomparable";
    case IntervalFinding::kOutsideDelta: return "outside_delta";
    case IntervalFinding::kUpdateNorm: return "update_norm";
    case IntervalFinding::kHashDiffers: return "hash_differs";
    case IntervalFinding::kInvalid: break;
  }
  return "invalid";
}

bool RecordsStep(const TensorMap& state, int64_t step) {
  auto it = state.find("meta/step");
  return it != state.end() && it->second.numel() == 1 && it->second.item<int64_t>() == step;
}

bool RecordsStep(const State& state, int64_t step) {
  const TensorData* t = FindTensor(state, "meta/step");
  if (t == nullptr || t->dtype != DType::kInt64 || t->numel() != 1) return false;
  int64_t recorded = -1;
  std::memcpy(&recorded, t->bytes.data(), sizeof(recorded));
  return recorded == step;
}

Result<IntervalCheck> CheckInterval(const TrainingJob& job, const VerificationPolicy& policy,
                                    IntervalMode mode, TensorMap start, const ClaimedEnd& end,
                                    const IntervalSpan& span, const IntervalStepHook& on_step) {
  VT_RETURN_IF_ERROR(CheckArguments(policy, mode, end, span));
  IntervalCheck out;
  if (!RecordsStep(start, span.first_step)) {
    out.finding = IntervalFinding::kStartStep;
    out.detail = "the start does not record step " + std::to_string(span.first_step);
    return out;
  }
  // The start must be a state of the job: its tensors' names and shapes.
  out.problem = CheckStateShape(job, start);
  if (!out.problem.ok()) {
    out.finding = IntervalFinding::kStartShape;
    out.detail = out.problem.message();
    return out;
  }
  // The end's tensors, where the comparison needs them whatever the
  // re-execution gives, and the committed update from the start: measured
  // now, so that the start can go as the re-execution replaces it.
  const State* end_tensors = end.tensors;
  if (end_tensors == nullptr && mode != IntervalMode::kExact && end.load_tensors) {
    end_tensors = end.load_tensors();
  }
  std::optional<Result<double>> update;
  if (end_tensors != nullptr && mode != IntervalMode::kMeasure) {
    update = UpdateL2(ToState(start), *end_tensors);
  }
  TensorMap state = CastFloating(start, ScalarTypeOf(job.config().dtype));
  start = TensorMap();
  for (int64_t s = 0; s < span.steps; ++s) {
    if (on_step) VT_RETURN_IF_ERROR(on_step());
    auto next = TrainStep(job, std::move(state));
    ++out.steps_reexecuted;
    if (!next.ok()) {
      // The start was a well-formed state: the failure is the checker's.
      out.finding = IntervalFinding::kReexecutionFailed;
      out.problem = next.status();
      out.detail = next.status().message();
      return out;
    }
    state = std::move(next).value();
  }
  out.computed = ToState(state);
  if (end.hash) {
    // On two threads: the hash is the same for any count, and at a large
    // state it is most of the check's own work.
    VT_ASSIGN_OR_RETURN(Digest computed_hash, StateHash(out.computed, kEndHashThreads));
    out.computed_hash = computed_hash;
    out.bit_equal = computed_hash == *end.hash;
  }
  Judge(policy, mode, end_tensors, update, end, span, &out);
  return out;
}

nlohmann::json IntervalCheck::ReportFields(IntervalMode mode) const {
  nlohmann::json out = nlohmann::json::object();
  if (finding == IntervalFinding::kStartShape ||
      finding == IntervalFinding::kReexecutionFailed) {
    out["error"] = problem.ToString();
    return out;
  }
  if (finding == IntervalFinding::kStartStep || finding == IntervalFinding::kInvalid) return out;
  if (computed_hash) {
    out["computed_end_hash"] = computed_hash->Hex();
    out["bit_equal"] = bit_equal;
  }
  if (compared && !distances) out["error"] = distance_error;
  if (distances) {
    const DistanceCheck& d = *distances;
    out["distances"] = d.distances;
    if (!d.raw_distances.is_null()) out["raw_distances"] = d.raw_distances;
    if (mode != IntervalMode::kMeasure && d.update_measured) out["update_norm"] = d.update_l2;
    if (d.non_finite > 0) out["non_finite"] = d.non_finite;
    if (!d.non_finite_mismatch.empty()) out["non_finite_mismatch"] = d.non_finite_mismatch;
    if (optimizer_state_l2 >= 0) out["optimizer_state_l2"] = optimizer_state_l2;
    if (mode == IntervalMode::kTolerance) {
      out["delta"] = d.delta;
      out["exceeded"] = d.exceeded;
    }
  }
  if (norm_mismatch) out["norm_mismatch"] = true;
  return out;
}

Result<Digest> InitialStateHash(const TrainingJob& job, uint64_t init_seed) {
  return StateHash(ToState(job.InitialState(init_seed)));
}

Result<bool> IsInitialState(const TrainingJob& job, uint64_t init_seed, const Digest& committed) {
  VT_ASSIGN_OR_RETURN(Digest init, InitialStateHash(job, init_seed));
  return init == committed;
}

}  // namespace veritrain
