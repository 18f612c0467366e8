#include "scenarios/calibrate/calibration_warnings.h"

#include <cstdint>
#include <cstdio>

namespace veritrain {
namespace {

// `j[key]` as a number, when it is one.
bool NumberAt(const nlohmann::json& j, const char* key, double* out) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return false;
  *out = j[key].get<double>();
  return true;
}

}  // namespace

std::vector<std::string> CalibrationWarnings(const nlohmann::json& record) {
  std::vector<std::string> out;
  if (!record.is_object()) return out;
  // Thresholds that challenge honest work often cost honest verifiers
  // their challenge stakes.
  const nlohmann::json fp = record.value("false_positive", nlohmann::json::object());
  const nlohmann::json per_task =
      fp.is_object() ? fp.value("per_task", nlohmann::json::object()) : nlohmann::json();
  double rate = 0, events = 0, trials = 0;
  if (NumberAt(per_task, "rate", &rate) && NumberAt(per_task, "events", &events) &&
      NumberAt(per_task, "trials", &trials) && per_task.contains("ci95") &&
      per_task["ci95"].is_array() && per_task["ci95"].size() == 2 &&
      per_task["ci95"][0].is_number() && per_task["ci95"][1].is_number() && trials > 0 &&
      rate >= kFalsePositiveWarning) {
    char line[128];
    std::snprintf(line, sizeof line,
                  "%.0f%% (95%% interval %.0f–%.0f%%, from %lld of %lld honest interval checks "
                  "outside delta, compounded over a task's checks)",
                  100 * rate, 100 * per_task["ci95"][0].get<double>(),
                  100 * per_task["ci95"][1].get<double>(), static_cast<long long>(events),
                  static_cast<long long>(trials));
    out.push_back("the calibration predicts that " + std::string(line) +
                  " of honest tasks are challenged by mistake, each costing an honest verifier "
                  "its challenge stake: raise protocol.calibration.margin or quantile");
  }
  // The run's own tasks re-executed honestly beyond the calibrated δ
  // (CalibratedDeltaCheck, scenarios/check/interval_error_check.h).
  const nlohmann::json own = record.value("own_tasks", nlohmann::json::object());
  const nlohmann::json uncovered =
      own.is_object() ? own.value("uncovered", nlohmann::json::array()) : nlohmann::json();
  if (uncovered.is_array()) {
    for (const auto& line : uncovered) {
      if (line.is_string()) out.push_back(line.get<std::string>());
    }
  }
  // A δ far above every honest error: the summary says "calibrated", but
  // attacks below it pass. Set by the floor, or by a margin or quantile
  // (or node thresholds) that loose.
  double floor = 0;
  const nlohmann::json honest = record.value("honest", nlohmann::json::object());
  if (!NumberAt(record, "floor", &floor) || !honest.is_object()) return out;
  double margin = 0, quantile = 0;
  const bool settings = NumberAt(record, "margin", &margin) && NumberAt(record, "quantile", &quantile);
  for (const auto& [metric, summary] : honest.items()) {
    double delta = 0, largest = 0;
    if (!NumberAt(summary, "delta", &delta) || !NumberAt(summary, "max", &largest)) continue;
    if (!(largest > 0) || delta < kFloorDecidesFactor * largest) continue;
    char line[480];
    if (delta == floor) {
      std::snprintf(line, sizeof line,
                    "the calibrated delta for %s is protocol.calibration.floor (%g), %.3g times "
                    "the largest honest error it measured (%g): the floor, not the measurement, "
                    "sets it, and an attack that moves the state less than the floor passes",
                    metric.c_str(), floor, floor / largest, largest);
    } else if (settings) {
      std::snprintf(line, sizeof line,
                    "the calibrated delta for %s (%g) is %.3g times the largest honest error it "
                    "measured (%g): protocol.calibration.margin %g at quantile %g (or node "
                    "thresholds that loose) set it there, and an attack that moves the state "
                    "less than that passes",
                    metric.c_str(), delta, delta / largest, largest, margin, quantile);
    } else {
      continue;
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace veritrain
