// The largest deviation the node thresholds allow, made real: one training
// step in which every node's output is moved by its threshold, element by
// element in the direction of a fixed random sign,
//
//   out_i + sign_i × τ(node) × max(|out_i|, |f(|inputs|)_i|)
//
// (the componentwise scale of core/train/node_compare.h, so each node stays
// exactly at its threshold). A non-finite output element (a causal mask's
// -inf) is left as it is: the ruling requires it identical. Running an interval this way shows how far a
// solver can move the state while every node of every step passes the
// one-node ruling; calibration (core/pol/calibration.h) and `check` use it
// to keep δ consistent with the node thresholds.
//
// Thread-safety: pure; a TrainingJob's const methods may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/train/job.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

// The threshold of a graph node, by name (0: the node is not moved).
using NodeThresholdOf = std::function<double(const std::string& node)>;

// One step from `state` (at its meta/step) with every node moved to its
// threshold; the signs derive from `sign_seed`, the step and the node.
// Errors as for RunStepGraph, naming the node.
Result<TensorMap> PerturbedStep(const TrainingJob& job, const TensorMap& state,
                                const NodeThresholdOf& threshold, uint64_t sign_seed);

}  // namespace veritrain
