// Proof-of-learning's check of one interval (design stage 5): re-execute
// `steps` training steps of a job from a committed start state and compare
// the result with the claimed end state, exactly (state hashes) or under the
// task's VerificationPolicy (distances against δ for that many steps,
// core/pol/tolerance.h). This is the one place an interval is re-executed
// and judged: the verifier calls it for every interval it selects (it keeps
// fetching checkpoints, asking the arbiter for withheld ones, and the
// wording of its verdict: verifier/verifier.cc), threshold calibration for
// every honest range it samples (core/pol/calibration.h, measure mode), and
// the benchmarks to time a verifier's work.
//
// What the claim can get wrong is a finding, in the order it is looked for:
//   kStartStep         the start does not record `first_step` (meta/step);
//   kStartShape        the start is not a state of the job (names, shapes);
//   kReexecutionFailed a step failed on a well-formed start: the checker's
//                      own failure, not the claim's (`problem` says why);
//   kEndStep           the end's tensors, when compared, do not record
//                      first_step + steps;
//   kIncomparable      the end's tensors cannot be compared with the
//                      re-executed state (a parameter missing, mis-shaped);
//                      tolerance and measure mode only — exact mode decides
//                      on the hash and only reports the distance error;
//   kOutsideDelta      tolerance: a metric of the policy exceeds its δ;
//   kUpdateNorm        tolerance: the claimed update norm is not the
//                      committed update's (top-Q relies on those norms);
//   kHashDiffers       exact: the re-executed state hash is not the end's.
// kMatch when none applies (measure mode: when the distances were measured).
//
// Precision: the start is cast to the job's dtype (job.config().dtype)
// before re-executing; the caller picks the job (exact mode: one in the
// precision the solver committed in, so that bits can agree).
//
// Thread-safety: pure apart from the callbacks it is given; a
// TrainingJob's const methods may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/crypto/sha256.h"
#include "core/pol/tolerance.h"
#include "core/state/tensor_data.h"
#include "core/train/job.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"
#include "core/wire/messages/verification_policy.h"

namespace veritrain {

enum class IntervalMode : uint8_t {
  kInvalid = 0,  // deliberately not a mode
  kExact = 1,      // decide on the state hash; distances only reported
  kTolerance = 2,  // decide on the policy's distances against δ
  kMeasure = 3,    // measure the distances, decide nothing (calibration)
};

// "exact" -> kExact, "tolerance" -> kTolerance (a task's `mode`);
// InvalidArgument naming the mode otherwise.
Result<IntervalMode> IntervalModeFromName(const std::string& name);

enum class IntervalFinding : uint8_t {
  kInvalid = 0,  // deliberately not a finding
  kMatch = 1,
  kStartStep = 2,
  kStartShape = 3,
  kReexecutionFailed = 4,
  kEndStep = 5,
  kIncomparable = 6,
  kOutsideDelta = 7,
  kUpdateNorm = 8,
  kHashDiffers = 9,
};

// "match", "start_step", ..., "hash_differs"; "invalid" for kInvalid.
const char* IntervalFindingName(IntervalFinding f);

// Which steps an interval covers.
struct IntervalSpan {
  int64_t first_step = 0;  // the step the start state stands for; >= 0
  int64_t steps = 0;       // k, the steps re-executed; >= 1
  int64_t end_step() const { return first_step + steps; }
};

// The claimed end of an interval.
struct ClaimedEnd {
  // The committed state hash. REQUIRED in exact mode; when present in the
  // other modes the re-executed state is hashed too, for the report.
  std::optional<Digest> hash;
  // The committed end tensors, when at hand (REQUIRED in tolerance and
  // measure mode unless `load_tensors` is given). Not owned; must outlive
  // the call.
  const State* tensors = nullptr;
  // When only the hash is at hand: gets the tensors if the comparison needs
  // them (tolerance and measure mode; exact mode after a hash mismatch, to
  // say how far off the interval is). nullptr when they cannot be had: no
  // distances are then reported (tolerance and measure mode: kIncomparable).
  std::function<const State*()> load_tensors;
  // The solver's posted update norm of the interval, when it posted one:
  // tolerance mode requires it to match the committed update.
  std::optional<double> update_norm;
};

// Called before each re-executed step (e.g. to keep a connection alive);
// an error stops the check and is returned.
using IntervalStepHook = std::function<Status()>;

struct IntervalCheck {
  IntervalFinding finding = IntervalFinding::kInvalid;
  bool passed() const { return finding == IntervalFinding::kMatch; }
  // What a finding other than kMatch is about, in words: the shape error,
  // the step a checkpoint records, the distance error, the metrics over δ.
  std::string detail;
  // kStartShape: how the start differs from the job's states;
  // kReexecutionFailed: the failure of the step.
  Status problem = Status::Ok();
  int64_t steps_reexecuted = 0;

  // After re-executing (from kEndStep on):
  State computed;                      // the re-executed end state
  std::optional<Digest> computed_hash;  // when the claim has a hash
  bool bit_equal = false;               // computed_hash == the claimed hash
  // Whether the end's tensors were compared (`distances` is then set,
  // unless `distance_error` says why it could not be).
  bool compared = false;
  std::optional<DistanceCheck> distances;
  std::string distance_error;
  // l2 between the optimizer states, -1 when there are none or in measure
  // mode.
  double optimizer_state_l2 = -1;
  bool norm_mismatch = false;  // kUpdateNorm
  // The end tensors compared (the claim's or those load_tensors gave);
  // nullptr when none were.
  const State* end_tensors = nullptr;

  // The report's fields of this check (the verifier's per-interval entry):
  // "error" for kStartShape and kReexecutionFailed; after re-executing "computed_end_hash" (with a
  // claimed hash) and "bit_equal"; when compared, "distances",
  // "raw_distances", "update_norm", "non_finite", "non_finite_mismatch",
  // "optimizer_state_l2" (each when it applies), in tolerance mode "delta"
  // and "exceeded", or "error" when the comparison failed; "norm_mismatch".
  nlohmann::json ReportFields(IntervalMode mode) const;
};

// Whether `state` records step `step` in its one-element "meta/step".
bool RecordsStep(const TensorMap& state, int64_t step);
// The same for a state as bytes (an int64 "meta/step" only).
bool RecordsStep(const State& state, int64_t step);

// Re-executes `span` from `start` with `job` and compares the result with
// `end` in `mode` under `policy`. `start` is taken by value: a caller that
// moves it in, holding no other handle to its tensors, lets the first
// step free it as it replaces it (the verifier of a 100-MB state held the
// start, the state re-executed and the end at once). The committed update
// (end − start, for the update norm) is then measured before re-executing
// where the end's tensors are needed anyway (tolerance and measure mode,
// which load them first); an exact-mode mismatch whose end is loaded only
// after reports no update_norm. Errors (bad input, not a finding):
// InvalidArgument naming what is wrong — an invalid mode, span.steps < 1,
// span.first_step < 0, exact mode without a claimed hash, tolerance or
// measure mode with neither end tensors nor a way to load them, tolerance
// mode with a policy that fails CheckTolerance; the hook's error; a failure
// to hash the re-executed state.
Result<IntervalCheck> CheckInterval(const TrainingJob& job, const VerificationPolicy& policy,
                                    IntervalMode mode, TensorMap start, const ClaimedEnd& end,
                                    const IntervalSpan& span,
                                    const IntervalStepHook& on_step = nullptr);

// Whether `committed` is the state hash of the job's initial state
// (checkpoint 0 is fixed by the task). `job` computes in the precision the
// solver committed in. Errors from hashing.
Result<bool> IsInitialState(const TrainingJob& job, uint64_t init_seed, const Digest& committed);
// The state hash IsInitialState compares with: of the job's initial state
// for `init_seed`, built and let go here.
Result<Digest> InitialStateHash(const TrainingJob& job, uint64_t init_seed);

}  // namespace veritrain
