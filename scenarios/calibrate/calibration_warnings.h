// The caveats a calibration gives its run, from the record the task
// carries (Calibration::Record(), manifest.json's "calibration"): a
// predicted false-positive rate that costs honest verifiers their challenge
// stakes, an honest error of the run's own tasks beyond δ, and a δ far
// above every honest error measured (set by the floor, or by a margin
// that loose). The run says them in summary.json's "warnings"; the audit of
// a results folder recomputes them from the manifest, so that deleting one
// (or adding one the record does not give) is found.
//
// Thread-safety: a pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace veritrain {

// A predicted share of honest tasks challenged by mistake worth a warning:
// each costs an honest verifier its challenge stake, so even a few in a
// hundred can make honest verification a loss (the cnn across thread
// counts, calibrated on 4 seeds at quantile 0.99, predicted 4.1% and lost
// one honest task in 12 of a sweep, unwarned at a 5% threshold).
inline constexpr double kFalsePositiveWarning = 0.01;
// A calibrated δ this many times the largest honest error measured is
// warned about: the floor, or a margin that loose, and not the
// measurement, sets it.
inline constexpr double kFloorDecidesFactor = 1000;

// The warnings of calibration record `record`, in a fixed order (the
// false-positive rate, then the honest errors of the run's own tasks that
// the calibrated δ does not cover — its "own_tasks" — then the metrics in
// name order). Fields the record
// lacks or holds in another type give no warning.
std::vector<std::string> CalibrationWarnings(const nlohmann::json& record);

}  // namespace veritrain
