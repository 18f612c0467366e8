// VerificationPolicy: how verifiers compare a re-executed interval with the
// solver's committed end checkpoint in tolerance mode (design stage 5), as
// the task fixes it. Part of TaskSpec (field "verification").
//
// An interval passes when, for every metric listed, its distance between
// the re-executed and the committed parameters (core/state/distance.h),
// divided by reference[metric] when one is given, is at most
// delta[metric]. Exact mode ignores the policy's thresholds (it compares
// state hashes) but uses the same metrics to report how far a mismatching
// interval is off.
//
// `hyperparameters` says where re-execution takes the optimizer's
// hyper-parameters from:
//   "task"    from the task's job spec; what a checkpoint claims is ignored
//             and only reported when it differs. The default, and the only
//             sound choice.
//   "prover"  from the start checkpoint's claim (its meta "optimizer"), as
//             in proof-of-learning as published (Jia et al., S&P 2021),
//             where the prover states its hyper-parameters with its proof.
//             Not sound (Fang et al., EuroS&P 2023: a prover that claims a
//             near-zero learning rate makes re-execution a no-op); kept so
//             that scenarios can reproduce that attack.
//
// Thresholds by length. The honest reproduction error grows with the number
// of steps re-executed, and a tolerance-mode dispute compares sub-ranges of
// an interval (down to one step), not only whole intervals. `delta_by_steps`
// holds δ per metric for each calibrated length m (core/pol/calibration.h);
// DeltaFor(metric, steps) takes the smallest calibrated length >= steps.
// Without it `delta` applies at every length.
//
// Node thresholds. The challenge game's one-node ruling in tolerance mode
// compares the solver's output of one node with an evaluation of the same
// node on the same inputs (core/pol/node_compare.h), allowing a
// componentwise relative error of at most the node's threshold: a value in
// `node_tolerances` (by game node name; 0 means bit-exact), else the task's
// `node_tolerance`.
//
// JSON: {"metrics": ["l2", "cosine"], "delta": {"l2": 1e-4, "cosine": 1e-9},
//        "delta_by_steps": {"1": {"l2": 2e-8}, "5": {"l2": 1e-7}},
//        "node_tolerances": {"fc1.backward": 2e-6, "adam.fc1.weight": 0},
//        "reference": {"l2": 3.5}, "hyperparameters": "task",
//        "calibration": {...}}; every field optional (defaults: metrics
// ["l2"], no delta, no thresholds by length or node, no reference, "task",
// {}). `calibration` records how the thresholds were chosen (see
// core/pol/calibration.h) and is not interpreted here.
//
// Thread-safety: a value.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

struct VerificationPolicy {
  std::vector<std::string> metrics = {"l2"};
  std::map<std::string, double> delta;      // metric -> threshold (> 0)
  // steps re-executed (>= 1) -> metric -> threshold (> 0)
  std::map<int64_t, std::map<std::string, double>> delta_by_steps;
  // game node name -> largest componentwise relative error (>= 0)
  std::map<std::string, double> node_tolerances;
  std::map<std::string, double> reference;  // metric -> normaliser (> 0)
  std::string hyperparameters = "task";     // "task" | "prover"
  nlohmann::json calibration = nlohmann::json::object();

  nlohmann::json ToJson() const;
  // Errors name the field under "verification": an unknown metric (listing
  // the known ones), a repeated metric, a delta or reference that is not a
  // finite number > 0 or names an unknown metric, an unknown
  // hyperparameters source. Does not require a delta for each metric: see
  // CheckTolerance.
  static Result<VerificationPolicy> FromJson(const nlohmann::json& j);

  // What tolerance mode needs beyond FromJson: at least one metric, and a
  // delta for each. InvalidArgument naming the metric otherwise.
  Status CheckTolerance() const;

  // The normalised value of a raw distance for `metric`: raw / reference
  // when a reference is given, else raw.
  double Normalise(const std::string& metric, double raw) const;

  // δ of `metric` for `steps` steps re-executed: the entry of
  // delta_by_steps at the smallest length >= steps that has the metric (the
  // largest length when steps exceeds them all), else delta[metric].
  // REQUIRES: CheckTolerance() is OK (so delta has the metric) and
  // steps >= 1.
  double DeltaFor(const std::string& metric, int64_t steps) const;

  // The threshold of the game node called `node`: node_tolerances[node]
  // when listed, else `fallback` (the task's node_tolerance).
  double NodeTolerance(const std::string& node, double fallback) const;
};

}  // namespace veritrain
