// Tolerance-mode thresholds checked against the scenario's own job before
// anything runs (`veritrain check`, and `veritrain run` before it starts).
//
// With δ and the node threshold set by hand (no protocol.calibration
// block), three settings make an honest party lose, and all are measured
// here on the task the scenario posts:
//   - a δ below the honest error of an interval as a verifier's profile
//     re-executes it (its dtype, threads and determinism): that verifier
//     would challenge an honest solver and lose its challenge stake. Every
//     interval of the task is measured as far as a budget allows, and the
//     ones it leaves out are named in a warning (interval_error_check.h);
//   - a node threshold below the honest error of some node between the
//     solver's profile and a verifier's (nodes are evaluated in the
//     committed precision, so only the thread count and the determinism
//     flag matter): an honest solver would lose a dispute. Measured on
//     step 0 and on the first step of up to 4 later intervals spread over
//     those the interval budget reaches (a node's error grows as the
//     training moves);
//   - a node threshold that lets a solver keep every node of every step
//     within it and still move the state beyond δ over one interval
//     (core/pol/perturbation.h): the verifier would challenge, and the
//     honest challenger would lose the game.
// When even a node threshold at the largest honest node error lets a
// solver move an interval beyond δ, no node threshold works with that δ:
// that is reported on /protocol/delta (raise δ above the distance measured
// there), and the node threshold's advice never says to go below the
// honest error.
// A market is measured on its longest job variant.
// A calibration block sets thresholds that are consistent by construction
// (core/pol/calibration.h), so only what no threshold can fix is measured
// then: an honest error that is not finite under a verifier's profile (a
// training that diverges differently there; DivergenceCheck), and a floor
// that no forced error can leave.
//
// Thread-safety: changes process-wide LibTorch settings (thread count) and
// restores the solver's profile; call it from one thread before any role
// starts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/util/status.h"
#include "scenarios/check/interval_error_check.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

struct ThresholdCheck {
  // One message per inconsistency, naming the field, the node or metric,
  // the measured value and what would be consistent.
  std::vector<std::string> errors;
  // What was not measured and so is not vouched for (intervals beyond the
  // budget), one message each, naming them.
  std::vector<std::string> warnings;
  // What was measured: {"honest_interval_error": CheckIntervalErrors'
  // measured, "honest_node_error": {node: value},
  // "perturbation": {metric: distance at τ}, "perturbation_at_honest_error":
  // {metric: distance at the largest honest node error}, "node_tolerance":
  // τ, "node_error_steps": [the steps whose nodes were measured]}; empty
  // when nothing needed measuring.
  nlohmann::json measured = nlohmann::json::object();
};

// REQUIRES: the scenario is valid (ParseScenario) and its plug-ins are
// loaded. Errors are failures to measure (a job that cannot be built).
// `budget` bounds the intervals measured after the first.
Result<ThresholdCheck> CheckThresholds(const Scenario& scenario,
                                       const IntervalErrorBudget& budget = {});

}  // namespace veritrain
