#include "core/pol/step_scan.h"

#include <limits>

#include "core/train/node_arbitration.h"
#include "core/train/node_compare.h"

namespace veritrain {

double NodeCheck::ratio() const {
  if (!problem.empty()) return std::numeric_limits<double>::infinity();
  if (tolerance > 0) return deviation / tolerance;
  return deviation > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

nlohmann::json StepScan::ToJson() const {
  int64_t outside = 0;
  for (const auto& c : checked) outside += c.outside() ? 1 : 0;
  nlohmann::json out = {{"disputed", disputed},
                        {"nodes_checked", static_cast<int64_t>(checked.size())},
                        {"nodes_outside", outside}};
  if (disputed >= 0 && !checked.empty()) {
    const NodeCheck& c = chosen();
    out["node"] = c.name;
    out["deviation"] = DeviationJson(c.deviation);
    out["tolerance"] = c.tolerance;
    if (!c.problem.empty()) out["problem"] = c.problem;
  }
  return out;
}

Result<StepScan> ScanStep(const TrainingJob& job, const TensorMap& state, const TensorMap& batch,
                          const std::vector<TensorMap>& outputs,
                          const NodeThresholdFn& tolerance_of, const Digest& trace_next_hash) {
  const StepGraph& g = job.graph();
  const int64_t n = GameNodeCount(job);
  if (static_cast<int64_t>(outputs.size()) != n) {
    return Status::InvalidArgument("the step has " + std::to_string(n) + " game nodes, not " +
                                   std::to_string(outputs.size()));
  }
  StepScan scan;
  TensorMap values = state;
  for (const auto& [name, t] : batch) values[name] = t;
  for (int64_t j = 0; j < n; ++j) {
    NodeCheck c;
    c.node = j;
    c.name = GameNodeName(job, j);
    if (j < static_cast<int64_t>(g.size())) {
      const Node& node = g.nodes()[j];
      c.tolerance = tolerance_of(c.name);
      TensorMap inputs;
      for (const auto& name : node.inputs) {
        auto it = values.find(name);
        if (it == values.end()) {
          c.problem = "its input '" + name + "' was never committed";
          break;
        }
        inputs.emplace(name, it->second);
      }
      if (c.problem.empty()) {
        auto d = CompareNode(g, static_cast<size_t>(j), inputs, outputs[j]);
        if (!d.ok()) {
          c.problem = d.status().message();
        } else {
          c.deviation = d->ratio;
          c.problem = d->problem;
        }
      }
      for (const auto& name : node.outputs) {
        auto it = outputs[j].find(name);
        if (it != outputs[j].end()) values[name] = it->second;
      }
    } else {
      // state.assemble: exact, and it must be the trace's next state.
      auto assembled = AssembleState(state, values);
      if (!assembled.ok()) {
        c.problem = assembled.status().message();
      } else {
        NodeDeviation d = CompareOutputs(*assembled, {}, outputs[j]);
        c.deviation = d.ratio;
        c.problem = d.problem;
        auto hash = OutputHash(outputs[j]);
        if (c.problem.empty() && (!hash.ok() || *hash != trace_next_hash)) {
          c.problem = "the assembled state is not the trace's state after the step";
        }
      }
    }
    if (!c.problem.empty()) c.deviation = std::numeric_limits<double>::infinity();
    scan.checked.push_back(std::move(c));
  }
  // A node the solver cannot back (the first); else the furthest outside
  // (the first of equals).
  for (const NodeCheck& c : scan.checked) {
    if (!c.outside()) continue;
    if (!c.problem.empty()) {
      scan.disputed = c.node;
      break;
    }
    if (scan.disputed < 0 || c.ratio() > scan.chosen().ratio()) scan.disputed = c.node;
  }
  return scan;
}

}  // namespace veritrain
