// Threshold calibration: the profiling stage of the protocol (design stage
// 2). How far does an honest re-execution land from the solver's committed
// checkpoint when the verifier computes under another hardware profile?
//
// For each seed (a task seed, from which initial weights and data order
// derive exactly as for a run), the solver's profile trains the first
// `intervals` intervals honestly and keeps their checkpoints; then, under
// each listed profile in turn (threads, dtype, determinism — applied to
// this process with ApplyHardwareProfile, which at::set_num_threads makes
// possible between runs), each interval is re-executed from its start
// checkpoint (cast to the profile's dtype) and its end compared with the
// committed end: one sample per (seed, profile, interval) with all four
// distances, normalised by the scenario's reference where it has one. For
// each metric, δ = max(quantile of the samples × margin, floor); the
// quantile interpolates linearly between order statistics (numpy's
// default).
//
// The result is written as calibration.json (settings, per-metric
// distribution summary and δ, every sample) and calibration.csv (one row
// per sample and metric) for reports to plot next to δ, and a summary goes
// into the task's VerificationPolicy.calibration, so that the event log and
// summary.json record how δ was set.
//
// Thread-safety: Calibrate changes process-wide LibTorch settings (threads,
// default dtype); call it from one thread, with no training running, and
// apply the role's profile again afterwards. It leaves the solver's profile
// applied.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/train/hardware_profile.h"
#include "core/util/status.h"
#include "core/wire/messages/task_spec.h"
#include "scenarios/scenario.h"

namespace veritrain {

struct CalibrationSettings {
  std::vector<HardwareProfile> profiles;  // reproduce under each
  std::vector<uint64_t> seeds = {1, 2};
  int64_t intervals = 2;
  double quantile = 0.99;
  double margin = 2.0;
  double floor = 1e-12;

  // The scenario's protocol.calibration block, or — when it has none — the
  // distinct profiles of its verifiers (and the defaults above).
  // InvalidArgument naming the field on a bad profile.
  static Result<CalibrationSettings> FromScenario(const Scenario& scenario);
};

struct CalibrationSample {
  uint64_t seed = 0;
  size_t profile = 0;        // index into CalibrationSettings::profiles
  int64_t interval = 0;      // 0-based
  nlohmann::json distances;  // {"l1", "l2", "linf", "cosine"}, normalised
};

struct Calibration {
  CalibrationSettings settings;
  HardwareProfile reference;  // the solver's profile, which trained
  std::vector<CalibrationSample> samples;
  // Per metric: {"samples", "min", "median", "quantile_value", "max",
  // "delta"}.
  nlohmann::json metrics = nlohmann::json::object();
  std::map<std::string, double> delta;  // every metric's δ
  double seconds = 0;

  // calibration.json: everything, samples included.
  nlohmann::json ToJson() const;
  // calibration.csv: seed,profile,threads,dtype,interval,metric,distance.
  std::string ToCsv() const;
  // What the task records (no samples): settings, reference profile, and
  // per metric the honest distribution summary and δ.
  nlohmann::json Record() const;
};

// Runs the calibration of `scenario` under `settings`. Errors name what
// failed (a job that cannot be built, a profile that cannot be applied).
// REQUIRES: settings.intervals <= scenario.intervals().
Result<Calibration> Calibrate(const Scenario& scenario,
                              const CalibrationSettings& settings);

// Calibrate with the scenario's settings, then writes calibration.json and
// calibration.csv into `out_dir`. What a run does before posting its task
// when the scenario has a calibration block, and `veritrain calibrate`.
Result<Calibration> CalibrateAndWrite(const Scenario& scenario,
                                      const std::string& out_dir);

// Sets the task's δ for the scenario's metrics from `calibration` and
// records it in spec->verification.calibration.
void ApplyCalibration(const Calibration& calibration, TaskSpec* spec);

// The q-quantile of `values` (linear interpolation between order
// statistics). REQUIRES: values not empty, 0 <= q <= 1.
double Quantile(std::vector<double> values, double q);

}  // namespace veritrain
