// The audit of a calibrated run's calibration files (calibration.json,
// calibration.csv, calibration_nodes.csv: scenarios/calibrate/calibrate.h),
// part of `veritrain audit` (folder_audit.h).
//
// The manifest, which the arbiter's genesis event binds by its hash, keeps
// the calibration's record (Calibration::Record: settings, honest
// distributions, predicted false-positive rates), and the task the arbiter
// logged carries the thresholds that applied (δ by length for its metrics,
// τ by node). So:
//   - calibration.json's record fields must be the manifest's, and its
//     delta_by_steps and node_tolerances the logged task's;
//   - calibration.csv must hold one row per sample and metric of
//     calibration.json, with its distance and δ, and calibration_nodes.csv
//     one per node sample, with its deviation and τ;
//   - calibration.json's figures must be the ones its samples give
//     (CalibrationRecordInconsistencies, core/pol/calibration.h: δ by
//     length, node thresholds, the honest summaries).
// The samples themselves are not re-measured (that is a calibration over
// again), nor the probe and the false-positive rates that need the job
// re-executed; a folder without a calibration in its manifest has nothing
// here.
//
// Thread-safety: a pure function of the folder's files.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/protocol/event_log.h"

namespace veritrain {

// Appends a problem per difference to `problems` and a line per check that
// held to `passed`.
void AuditCalibrationFiles(const std::string& dir, const nlohmann::json& manifest,
                           const std::vector<Event>& events, std::vector<std::string>* problems,
                           std::vector<std::string>* passed);

}  // namespace veritrain
