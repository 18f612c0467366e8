// Phase 1 of a tolerance-mode challenge game, as the challenger plays it:
// which sub-range of the disputed steps to name.
//
// Across hardware profiles every state hash differs, so the challenger
// cannot compare hashes; and it must not compare its own trajectory with
// the solver's, since honest errors accumulate along a trajectory. At every
// round the reference is the solver's own committed state: the challenger
// takes the solver's state at each boundary of the round (fetched and
// checked against the hash the solver posted), re-executes every legal
// sub-range from the solver's state at its start, and names the one whose
// end lands furthest outside δ for that many steps (the largest distance /
// δ, VerificationPolicy::DeltaFor, measured against the size of the
// solver's end state: departure_rank.h). Not the first outside: honest
// rounding just past δ early in the range would hide a departure further
// on, and the game played on an honest sub-range ends on an honest step.
// Not the plain distance / δ: re-executed from a state a corruption
// inflated, honest steps land further outside δ than the corruption. And
// before any rank, the first sub-range at least kClearDeparture × δ
// outside: honest steps from a state a corruption saturated can land as
// far outside as it, relative to their size, but none before a departure
// lands that far outside a calibrated δ (departure_rank.h). A
// sub-range that cannot be checked because the solver's state is missing
// or is not a state of the job counts as outside and is named first: the
// solver has to defend it.
//
// A sub-range that starts from a solver's state the challenger's precision
// cannot hold (a float64 value beyond float32's range, for a float32
// challenger: it would re-execute from infinities) is not judged: where the
// solver's state left that range, a departure lies at or before the
// sub-range's start, in an earlier sub-range, which is named. (Judged, the
// honest steps after a corruption that pushed Adam's second moment past
// 1e38 landed further outside δ than the corrupted one, the game went to
// an honest step and the cheat was paid.) Such a sub-range is named only
// when no other is outside δ. One whose end is beyond that precision is
// re-executed and judged, but ranks after every other outside δ: the
// challenger's re-execution overflows there, honest or not.
//
// When every sub-range is within δ, the challenger names the one with the
// largest rank. The whole range is disputed, so it is outside δ
// for its length; a departure at one step that is below δ for a short
// sub-range can grow past δ over the steps after it (a δ set by hand for
// an interval applies at every length). Each sub-range starts from the
// solver's own state, so honest sub-ranges are near 0 and the departure
// stands out. (Naming the last sub-range without checking it would let
// such a departure escape: the game would end on an honest step and the
// challenge be rejected.) When the solver is honest, challenged by
// mistake, any choice ends in a ruling for it.
//
// Thread-safety: pure apart from the callbacks it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/pol/policy_distance.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"
#include "core/wire/messages/verification_policy.h"

namespace veritrain {

// The solver's committed state at relative position `p` (0 <= p <= length;
// `length` is the disputed end).
using SolverStateFn = std::function<Result<TensorMap>(int64_t p)>;
// The challenger's re-execution of `steps` steps from `start`.
using ReexecuteFn = std::function<Result<TensorMap>(const TensorMap& start, int64_t steps)>;
// Why the challenger's precision cannot hold `state` (BeyondRange,
// torch_bridge.h), or nullopt when it can.
using BeyondPrecisionFn = std::function<std::optional<std::string>(const TensorMap& state)>;

struct SubRangeCheck {
  int64_t index = 0;  // sub-range index in the round
  int64_t from = 0;   // relative positions; `to` clipped at the length
  int64_t to = 0;
  DistanceJudgement judgement;
  std::string problem;  // why it could not be compared (then it is outside)
  // The problem: its start is beyond the challenger's precision (see above).
  bool beyond_precision = false;
  // Judged: the parameter norm of the solver's state at `to` (RankingNorm)
  // and the sub-range's rank, judgement.worst_ratio measured against it
  // (departure_rank.h).
  std::optional<double> end_norm;
  double rank = 0;
  // Judged, with the solver's end beyond the challenger's precision (by
  // `beyond`): ranked 0, after every measured sub-range.
  bool end_beyond_precision = false;
  bool outside() const { return !problem.empty() || !judgement.within; }
};

struct DistanceChoice {
  int64_t index = -1;
  bool outside = false;  // the chosen sub-range was found outside δ (or not comparable)
  // every sub-range was within δ; the one with the largest rank named
  bool largest_within = false;
  std::vector<SubRangeCheck> checked;
  int64_t steps_reexecuted = 0;

  // {"index", "outside", "largest_within", "steps_reexecuted", "sub_ranges": [{index, from,
  // to, distances, delta, exceeded, problem}]}
  nlohmann::json ToJson() const;
};

// Checks every sub-range of `legal` (indices into the round's n+1
// `boundaries`, in order) and names the first that cannot be checked
// (other than for its start beyond the challenger's precision, by
// `beyond`, when given), else the first at least kClearDeparture × δ
// outside (departure_rank.h), else the largest rank outside δ, else
// the first whose start is beyond the precision, else (none outside) the
// largest rank within.
// REQUIRES: legal is not empty; policy.CheckTolerance() is OK; every legal
// sub-range starts before `length`.
Result<DistanceChoice> ChooseByDistance(const std::vector<int64_t>& boundaries, int64_t length,
                                        const std::vector<int64_t>& legal,
                                        const SolverStateFn& solver_state,
                                        const ReexecuteFn& reexecute,
                                        const VerificationPolicy& policy,
                                        const BeyondPrecisionFn& beyond = nullptr);

}  // namespace veritrain
