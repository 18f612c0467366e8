// Phase 2 of a tolerance-mode challenge game, as the challenger plays it:
// which node of the disputed step to name.
//
// The solver has committed to every node output of the step (its node
// chain); the challenger fetches those outputs, checks them against the
// chain, and evaluates every node from the solver's own committed values
// — the state before the step, the task's batch, the outputs of earlier
// nodes — comparing each claimed output with its evaluation under that
// node's threshold (core/train/node_compare.h). Of the nodes outside their
// threshold, the one to dispute is one the solver cannot back (a malformed
// commitment, the first such), else the one furthest outside (the largest
// deviation / threshold): its inputs are the solver's own, so the arbiter,
// evaluating it from the same inputs, sees the same deviation; and honest
// rounding just past an early node's threshold must not hide a corrupted
// node after it, whose game the arbiter would rule on an honest node.
// state.assemble is exact, and its output must also hash to the trace's
// state after the step (a solver whose committed step does not produce its
// trace is disputed there).
//
// Thread-safety: pure; a TrainingJob's const methods may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/crypto/sha256.h"
#include "core/train/job.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

struct NodeCheck {
  int64_t node = 0;
  std::string name;
  double deviation = 0;  // componentwise relative error (+inf: malformed)
  double tolerance = 0;
  std::string problem;  // why the claim cannot be compared, if so
  bool outside() const { return !problem.empty() || deviation > tolerance; }
  // deviation / tolerance: > 1 exactly when outside (+inf for a deviation
  // above a threshold of 0).
  double ratio() const;
};

struct StepScan {
  int64_t disputed = -1;  // game node index to dispute; -1 when every node is within
  std::vector<NodeCheck> checked;  // every game node, in order

  // The check of the disputed node. REQUIRES: disputed >= 0.
  const NodeCheck& chosen() const { return checked.at(static_cast<size_t>(disputed)); }

  // {"disputed", "node", "deviation", "tolerance", "problem",
  //  "nodes_checked", "nodes_outside"}
  nlohmann::json ToJson() const;
};

// The threshold of a game node, by name.
using NodeThresholdFn = std::function<double(const std::string& node)>;

// Scans every game node of `job`'s step (its graph nodes, then
// state.assemble) with the solver's committed values and names the one to
// dispute (above).
// REQUIRES: `outputs` holds one TensorMap per game node in order, checked
// against the solver's commitment; `job` computes in the dtype the solver
// committed in; `batch` is job.Batch(step).
Result<StepScan> ScanStep(const TrainingJob& job, const TensorMap& state, const TensorMap& batch,
                          const std::vector<TensorMap>& outputs,
                          const NodeThresholdFn& tolerance_of, const Digest& trace_next_hash);

}  // namespace veritrain
