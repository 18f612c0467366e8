// δ against the honest error of every interval of the task, as each
// verifier profile re-executes it (part of the tolerance-mode threshold
// check, threshold_check.h).
//
// A verifier re-executes an interval from the solver's committed start
// under its own profile (dtype, threads, determinism) and compares its end
// with the solver's under δ. How far apart two honest profiles land is not
// the same in every interval: a run that diverges (SGD with a learning
// rate of 1000) grows the honest error interval after interval, so a δ
// above the first interval's error can be below a later one's — and an
// honest verifier that draws that interval challenges an honest solver and
// loses its challenge stake.
//
// Nor under every seed: each task of a run trains from its own initial
// weights and data order, and one task's first interval can land twenty
// times further than another's.
//
// So every task is trained under the solver's profile and each of its
// intervals re-executed under each distinct verifier profile, as far as a
// budget allows, breadth first: the first task's first interval always,
// then the first intervals of the other tasks, then every task's second,
// and so on, while the steps trained and re-executed (and their FLOPs)
// stay within the budget. The intervals the budget leaves out are named in
// a warning: check does not vouch for δ there.
//
// A calibrated δ is checked the same way at run time, on the run's own
// tasks (CalibratedDeltaCheck).
//
// Thread-safety: changes process-wide LibTorch settings (thread count);
// call it from one thread before any role starts. Leaves the solver's
// profile applied.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/train/hardware_profile.h"
#include "core/wire/messages/verification_policy.h"
#include "core/train/job.h"
#include "core/util/status.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

// What measuring intervals after the first may cost, at most (the first is
// always measured). Both bounds hold: steps bound a job whose steps are
// cheap but many, FLOPs (TrainingJob::StepFlops) one whose steps are
// large. Fixed numbers rather than a time limit, so that which intervals
// are measured does not depend on the machine or its load. The default
// keeps it to seconds on one core for the built-in jobs (4000 steps of the
// synthetic job take about 1 s; 4e10 FLOPs are about 1000 steps of the
// mlp, a few seconds).
struct IntervalErrorBudget {
  // Steps trained under the solver's profile plus steps re-executed under
  // the verifiers' profiles.
  int64_t max_steps = 4000;
  // Those steps' FLOPs.
  double max_flops = 4e10;
};

struct IntervalErrorCheck {
  // One line per verifier profile and metric whose δ an honest
  // re-execution exceeds: "/protocol/delta: ...", naming the interval
  // with the largest error and every interval over δ.
  std::vector<std::string> errors;
  // Those of `errors` that no δ covers: an honest error that is not
  // finite (two profiles' states hold NaN or infinity in different places,
  // as a training that diverges does).
  std::vector<std::string> non_finite;
  // One line when the budget left intervals unmeasured, naming them.
  std::vector<std::string> warnings;
  // {"intervals": n, "intervals_measured": m,
  //  "tasks": t, "task_intervals_measured": over every task,
  //  "largest": {"<verifier>": {"<metric>": {"distance": d, "interval": i,
  //                                          "task": j}}}}
  // ("intervals_measured": the first task's).
  nlohmann::json measured = nlohmann::json::object();
  // The solver's honest state at the start of a few measured intervals
  // after the first (at most kSampledStarts, spread over those the budget
  // reaches), with the interval's first step: where the node threshold is
  // measured besides step 0 (threshold_check.h).
  std::vector<std::pair<int64_t, TensorMap>> sampled_starts;
  static constexpr int64_t kSampledStarts = 4;
};

// The check above for `scenario`, whose solver computes in `solver` and
// whose first interval's honest trace, trained by `solver_job`, runs from
// `start` to `first_end`. REQUIRES: tolerance mode with δ set by hand; the
// solver's profile is applied; `job_json` is the task's job with the
// solver's dtype.
// With `calibrated` (the policy a calibration gives the task), that δ is
// checked instead of the scenario's, and the lines say so: see
// CalibratedDeltaCheck.
Result<IntervalErrorCheck> CheckIntervalErrors(const Scenario& scenario,
                                               const TrainingJob& solver_job,
                                               const HardwareProfile& solver,
                                               const nlohmann::json& job_json,
                                               const TensorMap& start,
                                               const TensorMap& first_end,
                                               const IntervalErrorBudget& budget = {},
                                               const VerificationPolicy* calibrated = nullptr);

// The check above for a scenario whose δ is not known yet (a calibration
// sets it at run time): names only an honest error that no δ covers, a
// non-finite one, where a verifier profile diverges differently from the
// solver's. Lines are at /protocol/calibration. REQUIRES: as
// CheckIntervalErrors, except δ.
Result<IntervalErrorCheck> DivergenceCheck(const Scenario& scenario,
                                           const TrainingJob& solver_job,
                                           const HardwareProfile& solver,
                                           const nlohmann::json& job_json,
                                           const TensorMap& start, const TensorMap& first_end,
                                           const IntervalErrorBudget& budget = {});

// The check above of a δ the run calibrated, on the run's own tasks (their
// seeds), which a calibration does not train: its seeds are a sample of
// task seeds, and a training that blows up under one seed and not under
// the calibration's (SGD at a learning rate near its limit) lands honest
// profiles 1e11 apart where δ is 0.08, so that honest verifiers lose
// their challenge stakes. Trains the first interval itself. The lines are
// warnings for the run (calibration_warnings.h), not a refusal: a sweep
// over seeds measures how often a calibration misses. Those in
// `non_finite` are a refusal (CalibrateAndWrite): no δ covers them, and
// every honest verifier that draws the interval would lose its stake. REQUIRES: as
// CheckIntervalErrors; tolerance mode.
Result<IntervalErrorCheck> CalibratedDeltaCheck(const Scenario& scenario,
                                                const VerificationPolicy& calibrated,
                                                const IntervalErrorBudget& budget = {});

// The same for a δ set by hand, at run time: `veritrain check` measured the
// scenario's own tasks, but a sweep checks each point under its first
// repetition's seeds only, and the other repetitions' honest error can land
// above δ (an honest verifier then challenges and loses its stake). The
// lines are warnings of the run (the manifest's "own_tasks"), those in
// `non_finite` a refusal, as for a calibrated δ. Nothing for a calibrated
// scenario, a market, or verifiers that all compute as the solver does.
Result<IntervalErrorCheck> HandSetDeltaCheck(const Scenario& scenario,
                                             const IntervalErrorBudget& budget = {});

}  // namespace veritrain
