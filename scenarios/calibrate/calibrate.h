// The calibration of a scenario: the profiling stage (design stage 2) run
// for the task the scenario would post, with the engine of
// core/pol/calibration.h.
//
// Settings come from the scenario's protocol.calibration block (defaults
// filled in by the schema) or, without one, from the distinct profiles of
// its verifiers with the default seeds. Each calibration seed stands for a
// task seed: initial weights and data order derive from it exactly as for
// a run with that seed. A run with a calibration block calibrates before it
// posts its task, writes calibration.json, calibration.csv and
// calibration_nodes.csv into its results folder, and the task carries the
// thresholds and the record (VerificationPolicy), so summary.json shows how
// they were set.
//
// Thread-safety: Calibrate changes process-wide LibTorch settings; see
// core/pol/calibration.h.
#pragma once

#include <string>

#include "core/pol/calibration.h"
#include "core/util/status.h"
#include "core/wire/messages/task_spec.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

// The scenario's calibration settings. InvalidArgument naming the field on
// a bad profile, or when the block asks for more intervals than the task
// has.
Result<CalibrationSettings> CalibrationSettingsFor(const Scenario& scenario);

// What the engine needs of the scenario's task: its job per seed, the
// solver's profile, T, k, the game's arity, the metrics, the reference
// normalisers and the intervals one verifier checks.
// REQUIRES: the scenario has a solver.
CalibrationTask CalibrationTaskFor(const Scenario& scenario);

// Calibrate with the scenario's settings. A calibration does not depend on
// the run's seed, so a process remembers it: the runs of a sweep over seeds
// calibrate once (the result is the same either way). Thread-safe.
Result<Calibration> CalibrateScenario(const Scenario& scenario);

// Sets the task's thresholds from `calibration` (its policy's metrics
// only) and records how they were set.
void ApplyCalibration(const Calibration& calibration, TaskSpec* spec);

// What a run keeps of its calibration.
struct RunCalibration {
  Calibration calibration;
  // manifest.json's "calibration" (calibration_warnings.h):
  // Calibration::Record(), with "own_tasks": the honest error of the run's
  // own tasks under the calibrated δ — their seeds are not the
  // calibration's (CalibratedDeltaCheck, scenarios/check/
  // interval_error_check.h) — and the lines of what δ does not cover.
  nlohmann::json record;
};

// CalibrateScenario, then the run's own tasks checked under its δ (as far
// as that check's budget goes); writes calibration.json (the calibration,
// with "own_tasks"), calibration.csv and calibration_nodes.csv into
// `out_dir`. Fails, after writing them, when a task's honest error under a
// verifier's profile is not finite (IntervalErrorCheck::non_finite): no δ
// covers it. Thread-safety: as CalibrateScenario's caller (it applies
// hardware profiles to the process).
Result<RunCalibration> CalibrateAndWrite(const Scenario& scenario, const std::string& out_dir);

}  // namespace veritrain
