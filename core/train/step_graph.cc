#include "core/train/step_graph.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>

namespace veritrain {

namespace {

constexpr const char* kStep = "meta/step";
constexpr const char* kNext = "next/";

// Evaluates `node` on its declared inputs taken from `values`. The single
// code path of both RunStepGraph and EvaluateNode, so that both hand the
// node function identical tensors. With a tape (a full step) a node's
// step_fn runs when it has one.
Result<TensorMap> Evaluate(const Node& node, const TensorMap& values,
                           ForwardTape* tape) {
  TensorMap in;
  for (const auto& name : node.inputs) {
    auto it = values.find(name);
    if (it == values.end() || !it->second.defined()) {
      return Status::InvalidArgument("node '" + node.name +
                                     "': missing input '" + name + "'");
    }
    // Every value a node sees is contiguous, whether it came from the
    // running step or from a recording (a recorded view would otherwise
    // reach the kernels with different strides and could change the bits).
    in.emplace(name, it->second.contiguous());
  }
  TensorMap produced;
  try {
    produced = tape != nullptr && node.step_fn ? node.step_fn(in, *tape)
                                               : node.fn(in);
  } catch (const std::exception& e) {
    return Status::Internal("node '" + node.name + "': " + e.what());
  }
  TensorMap out;
  for (const auto& name : node.outputs) {
    auto it = produced.find(name);
    if (it == produced.end() || !it->second.defined()) {
      return Status::Internal("node '" + node.name +
                              "': did not produce its output '" + name + "'");
    }
    out.emplace(name, it->second.detach().contiguous());
  }
  return out;
}

// The calling thread's intra-op thread count follows the process setting
// (ApplyHardwareProfile) only once LibTorch has initialised that thread;
// at::get_num_threads() does so. Without it a thread that never ran a
// LibTorch parallel region could call BLAS with OpenMP's default thread
// count and get different bits.
void InitThreadSettings() { (void)at::get_num_threads(); }

}  // namespace

const char* NodeKindName(NodeKind k) {
  switch (k) {
    case NodeKind::kForward:
      return "forward";
    case NodeKind::kLoss:
      return "loss";
    case NodeKind::kLossBackward:
      return "loss_backward";
    case NodeKind::kBackward:
      return "backward";
    case NodeKind::kOptimizer:
      return "optimizer";
    case NodeKind::kInvalid:
      break;
  }
  return "invalid";
}

Status StepGraph::Add(Node node) {
  const std::string where = "step graph: node '" + node.name + "': ";
  if (node.name.empty()) {
    return Status::InvalidArgument("step graph: a node has an empty name");
  }
  if (Find(node.name).ok()) {
    return Status::InvalidArgument(where + "name used twice");
  }
  if (node.kind == NodeKind::kInvalid) {
    return Status::InvalidArgument(where + "kind is invalid");
  }
  if (!node.fn) return Status::InvalidArgument(where + "no function");
  std::set<std::string> mine;
  for (const auto& o : node.outputs) {
    if (outputs_.count(o) != 0 || !mine.insert(o).second) {
      return Status::InvalidArgument(where + "output '" + o +
                                     "' is written twice");
    }
  }
  outputs_.insert(mine.begin(), mine.end());
  nodes_.push_back(std::move(node));
  return Status::Ok();
}

Result<size_t> StepGraph::Find(const std::string& name) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name) return i;
  }
  return Status::NotFound("step graph: no node '" + name + "'");
}

Status StepGraph::Validate(const std::set<std::string>& initial) const {
  std::set<std::string> available = initial;
  for (const auto& node : nodes_) {
    for (const auto& in : node.inputs) {
      if (available.count(in) == 0) {
        return Status::InvalidArgument("step graph: node '" + node.name +
                                       "' reads '" + in +
                                       "', which nothing before it provides");
      }
    }
    for (const auto& out : node.outputs) {
      if (initial.count(out) != 0) {
        return Status::InvalidArgument("step graph: node '" + node.name +
                                       "' overwrites '" + out + "'");
      }
      available.insert(out);
    }
  }
  return Status::Ok();
}

double StepGraph::TotalFlops() const {
  double total = 0.0;
  for (const auto& node : nodes_) total += node.flops;
  return total;
}

Result<TensorMap> RunStepGraph(const StepGraph& g, const TensorMap& state,
                               const TensorMap& batch,
                               std::vector<NodeRecord>* record,
                               const NodeHook& hook) {
  InitThreadSettings();
  auto step_it = state.find(kStep);
  if (step_it == state.end() || !step_it->second.defined() ||
      step_it->second.scalar_type() != torch::kInt64 ||
      step_it->second.dim() != 0) {
    return Status::InvalidArgument("state has no int64 scalar 'meta/step'");
  }
  TensorMap values = state;
  for (const auto& [name, t] : batch) {
    if (!values.emplace(name, t).second) {
      return Status::InvalidArgument("batch value '" + name +
                                     "' has the name of a state tensor");
    }
  }
  if (record != nullptr) {
    record->clear();
    record->reserve(g.size());
  }
  // A value leaves the table once the last node that reads it has run (the
  // caller's state and batch keep theirs; the next state is assembled from
  // `state` and the "next/" values, which no node reads): gradients and
  // activations do not outlive their use, so a step's peak memory is not
  // the sum of every value it made. Memory only: the bits are the same.
  std::map<std::string, size_t> last_read;
  for (size_t index = 0; index < g.nodes().size(); ++index) {
    for (const auto& name : g.nodes()[index].inputs) last_read[name] = index;
  }
  ForwardTape tape;
  for (size_t index = 0; index < g.nodes().size(); ++index) {
    const Node& node = g.nodes()[index];
    VT_ASSIGN_OR_RETURN(TensorMap out, Evaluate(node, values, &tape));
    if (hook) hook(index, node, out);
    if (record != nullptr) {
      NodeRecord r;
      for (const auto& name : node.inputs) r.inputs.emplace(name, values[name]);
      r.outputs = out;
      record->push_back(std::move(r));
    }
    for (auto& [name, t] : out) {
      if (!values.emplace(name, t).second) {
        return Status::Internal("node '" + node.name + "': output '" + name +
                                "' overwrites an existing value");
      }
    }
    for (const auto& name : node.inputs) {
      auto last = last_read.find(name);
      if (last != last_read.end() && last->second == index) values.erase(name);
    }
  }
  TensorMap next;
  for (const auto& [name, t] : state) {
    auto it = values.find(kNext + name);
    next.emplace(name, it != values.end() ? it->second : t);
  }
  try {
    next[kStep] = state.at(kStep) + 1;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("incrementing meta/step: ") + e.what());
  }
  return next;
}

Result<TensorMap> EvaluateNode(const StepGraph& g, size_t node_index,
                               const TensorMap& inputs) {
  if (node_index >= g.size()) {
    return Status::InvalidArgument("node index " + std::to_string(node_index) +
                                   " is out of range (the graph has " +
                                   std::to_string(g.size()) + " nodes)");
  }
  InitThreadSettings();
  return Evaluate(g.nodes()[node_index], inputs, /*tape=*/nullptr);
}

}  // namespace veritrain
