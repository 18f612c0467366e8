#include "core/train/step_graph.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/train/vjp.h"

namespace veritrain {

namespace {

constexpr const char* kStep = "meta/step";
constexpr const char* kNext = "next/";
constexpr size_t kNoReader = static_cast<size_t>(-1);

// Adds input `name` of `node`, whose value is `t` (null when there is
// none), to the inputs `in` the node function receives, in the order of
// node.inputs. Every value a node sees is contiguous, whether it came from
// the running step or from a recording (a recorded view would otherwise
// reach the kernels with different strides and could change the bits).
Status AddInput(const Node& node, const std::string& name,
                const torch::Tensor* t, std::vector<torch::Tensor>* in) {
  if (t == nullptr || !t->defined()) {
    return Status::InvalidArgument("node '" + node.name + "': missing input '" +
                                   name + "'");
  }
  in->push_back(t->contiguous());
  return Status::Ok();
}

// The outputs of `node` as the step keeps them: without autograd history
// (node functions return such values already; one that does not is
// stripped of it here) and contiguous. Internal naming the output that is
// missing.
Status TakeOutput(const Node& node, size_t i, const torch::Tensor* t,
                  std::vector<torch::Tensor>* out) {
  if (t == nullptr || !t->defined()) {
    return Status::Internal("node '" + node.name +
                            "': did not produce its output '" +
                            node.outputs[i] + "'");
  }
  out->push_back(WithoutHistory(*t).contiguous());
  return Status::Ok();
}

// Calls `node` on its inputs `in` (in the order of node.inputs) and
// returns its declared outputs, in declaration order. The single code path
// of both RunStepGraph and EvaluateNode, so that both hand the node
// function identical tensors: its slot_fn when it has one (with the tape
// of a full step, or none), else its fn over the named inputs.
Result<std::vector<torch::Tensor>> Call(const Node& node,
                                        const std::vector<torch::Tensor>& in,
                                        ForwardTape* tape) {
  std::vector<torch::Tensor> out;
  out.reserve(node.outputs.size());
  try {
    if (node.slot_fn) {
      std::vector<torch::Tensor> produced = node.slot_fn(in, tape);
      if (produced.size() != node.outputs.size()) {
        return Status::Internal(
            "node '" + node.name + "': produced " +
            std::to_string(produced.size()) + " outputs, declares " +
            std::to_string(node.outputs.size()));
      }
      for (size_t i = 0; i < produced.size(); ++i) {
        VT_RETURN_IF_ERROR(TakeOutput(node, i, &produced[i], &out));
      }
      return out;
    }
    TensorMap named;
    for (size_t i = 0; i < in.size(); ++i) named.emplace(node.inputs[i], in[i]);
    const TensorMap produced = node.fn(named);
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      auto it = produced.find(node.outputs[i]);
      VT_RETURN_IF_ERROR(TakeOutput(
          node, i, it != produced.end() ? &it->second : nullptr, &out));
    }
  } catch (const std::exception& e) {
    return Status::Internal("node '" + node.name + "': " + ErrorText(e));
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

// One step of a graph over its value table: a tensor per slot
// (StepGraph::NodeSlots), filled from the state and the batch, written by
// the nodes and released after each value's last reader.
class StepGraphRun {
 public:
  explicit StepGraphRun(const StepGraph& g)
      : g_(g), values_(g.slots_.size()), present_(g.slots_.size(), false) {}

  // Puts the state and the batch into their slots (values no node reads
  // or writes have none and are not needed). A state tensor the step
  // replaces (a node writes "next/<name>") moves
  // out of `state`, whose entry stays with an undefined tensor: the table
  // then holds the step's only handle and releases it after its last
  // reader, unless the caller kept one of its own.
  Status Load(TensorMap& state, const TensorMap& batch) {
    for (const auto& [name, t] : batch) {
      if (state.count(name) != 0) {
        return Status::InvalidArgument("batch value '" + name +
                                       "' has the name of a state tensor");
      }
      auto it = g_.slots_.find(name);
      if (it != g_.slots_.end()) Put(it->second, t);
    }
    // The state and the slots are both in name order: one merge.
    auto slot = g_.slots_.begin();
    for (auto& [name, t] : state) {
      while (slot != g_.slots_.end() && slot->first < name) ++slot;
      const bool read = slot != g_.slots_.end() && slot->first == name;
      if (!Replaced(name)) {
        if (read) Put(slot->second, t);
      } else if (read) {
        Put(slot->second, std::move(t));
        t = torch::Tensor();
      } else {
        t = torch::Tensor();
      }
    }
    return Status::Ok();
  }

  // Runs node `index`; see RunStepGraph for `record` and `hook`.
  Status Run(size_t index, std::vector<NodeRecord>* record,
             const NodeHook& hook) {
    const Node& node = g_.nodes_[index];
    const StepGraph::NodeSlots& slots = g_.node_slots_[index];
    std::vector<torch::Tensor> in;
    in.reserve(node.inputs.size());
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const size_t s = slots.inputs[i];
      VT_RETURN_IF_ERROR(AddInput(node, node.inputs[i],
                                  present_[s] ? &values_[s] : nullptr, &in));
    }
    VT_ASSIGN_OR_RETURN(std::vector<torch::Tensor> out, Call(node, in, &tape_));
    if (hook || record != nullptr) {
      VT_RETURN_IF_ERROR(Observe(index, node, slots, record, hook, &out));
    }
    for (size_t i = 0; i < out.size(); ++i) {
      const size_t s = slots.outputs[i];
      if (present_[s]) {
        return Status::Internal("node '" + node.name + "': output '" +
                                node.outputs[i] +
                                "' overwrites an existing value");
      }
      Put(s, std::move(out[i]));
    }
    for (size_t s : slots.inputs) {
      if (g_.last_reader_[s] == index) {
        values_[s] = torch::Tensor();
        present_[s] = false;
      }
    }
    return Status::Ok();
  }

  // The next state: for each state tensor n, the value "next/" + n when a
  // node produced it, else n unchanged. Internal when a tensor Load moved
  // out has no next value (it cannot: Run checks each declared output).
  Result<TensorMap> Next(const TensorMap& state) const {
    const std::string prefix = kNext;
    // The "next/" slots are one run of the name-ordered slots, in the
    // order of the state names they follow: one merge.
    auto slot = g_.slots_.lower_bound(prefix);
    // <0, 0, >0 as slot `it`'s name after the prefix is before, equal to
    // or after `name`; >0 past the "next/" run.
    auto Compare = [&](decltype(slot) it, const std::string& name) {
      if (it == g_.slots_.end() ||
          it->first.compare(0, prefix.size(), prefix) != 0) {
        return 1;
      }
      return it->first.compare(prefix.size(), std::string::npos, name);
    };
    TensorMap next;
    for (const auto& [name, t] : state) {
      while (Compare(slot, name) < 0) ++slot;
      const bool produced = Compare(slot, name) == 0 && present_[slot->second];
      if (!produced && !t.defined()) {
        return Status::Internal("the step produced no '" + prefix + name + "'");
      }
      next.emplace_hint(next.end(), name, produced ? values_[slot->second] : t);
    }
    return next;
  }

 private:
  // Whether the step replaces state tensor `name`: a node writes
  // "next/<name>" (a value the step keeps to the end).
  bool Replaced(const std::string& name) const {
    return g_.outputs_.count(kNext + name) != 0;
  }

  void Put(size_t slot, torch::Tensor t) {
    values_[slot] = std::move(t);
    present_[slot] = true;
  }

  // Hands the node's outputs to the hook by name, and records the node.
  Status Observe(size_t index, const Node& node,
                 const StepGraph::NodeSlots& slots,
                 std::vector<NodeRecord>* record, const NodeHook& hook,
                 std::vector<torch::Tensor>* out) {
    TensorMap named;
    for (size_t i = 0; i < out->size(); ++i) {
      named.emplace(node.outputs[i], (*out)[i]);
    }
    if (hook) {
      hook(index, node, named);
      if (named.size() != out->size()) {
        return Status::Internal("node '" + node.name +
                                "': the hook changed the output names");
      }
      for (size_t i = 0; i < out->size(); ++i) {
        auto it = named.find(node.outputs[i]);
        if (it == named.end()) {
          return Status::Internal("node '" + node.name +
                                  "': the hook removed output '" +
                                  node.outputs[i] + "'");
        }
        (*out)[i] = it->second;
      }
    }
    if (record != nullptr) {
      NodeRecord r;
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        r.inputs.emplace(node.inputs[i], values_[slots.inputs[i]]);
      }
      r.outputs = std::move(named);
      record->push_back(std::move(r));
    }
    return Status::Ok();
  }

  const StepGraph& g_;
  std::vector<torch::Tensor> values_;  // by slot
  std::vector<bool> present_;          // by slot: the table holds a value
  ForwardTape tape_;
};

void SetSlotFn(Node* node, SlotFn f) {
  node->slot_fn = f;
  node->fn = [names = node->inputs, outputs = node->outputs,
              f = std::move(f)](const TensorMap& named) {
    std::vector<torch::Tensor> in;
    in.reserve(names.size());
    for (const auto& name : names) in.push_back(named.at(name));
    std::vector<torch::Tensor> out = f(in, /*tape=*/nullptr);
    if (out.size() != outputs.size()) {
      throw std::logic_error("produced " + std::to_string(out.size()) +
                             " outputs, declares " +
                             std::to_string(outputs.size()));
    }
    TensorMap result;
    for (size_t i = 0; i < out.size(); ++i) {
      result.emplace(outputs[i], std::move(out[i]));
    }
    return result;
  };
}

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
  const size_t index = nodes_.size();
  NodeSlots slots;
  for (const auto& name : node.inputs) {
    slots.inputs.push_back(SlotOf(name));
    // A "next/" value is the step's result: a node may read it, but the
    // step keeps it to the end.
    if (name.compare(0, std::char_traits<char>::length(kNext), kNext) != 0) {
      last_reader_[slots.inputs.back()] = index;
    }
  }
  for (const auto& name : node.outputs) slots.outputs.push_back(SlotOf(name));
  node_slots_.push_back(std::move(slots));
  nodes_.push_back(std::move(node));
  return Status::Ok();
}

size_t StepGraph::SlotOf(const std::string& name) {
  auto [it, added] = slots_.emplace(name, slots_.size());
  if (added) last_reader_.push_back(kNoReader);
  return it->second;
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

Result<TensorMap> RunStepGraph(const StepGraph& g, TensorMap state,
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
  const torch::Tensor step = step_it->second;
  StepGraphRun run(g);
  VT_RETURN_IF_ERROR(run.Load(state, batch));
  if (record != nullptr) {
    record->clear();
    record->reserve(g.size());
  }
  // A value leaves the table once the last node that reads it has run (a
  // caller that kept its state or batch keeps those; the next state is
  // assembled from `state` and the "next/" values, which stay to the end):
  // gradients, activations and, when the caller moved its state in, the
  // replaced state tensors do not outlive their use, so a step's peak
  // memory is not the sum of every value it made. Memory only: the bits
  // are the same.
  for (size_t index = 0; index < g.size(); ++index) {
    VT_RETURN_IF_ERROR(run.Run(index, record, hook));
  }
  VT_ASSIGN_OR_RETURN(TensorMap next, run.Next(state));
  try {
    next[kStep] = step + 1;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("incrementing meta/step: ") + ErrorText(e));
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
  const Node& node = g.nodes()[node_index];
  std::vector<torch::Tensor> in;
  in.reserve(node.inputs.size());
  for (const auto& name : node.inputs) {
    auto it = inputs.find(name);
    VT_RETURN_IF_ERROR(
        AddInput(node, name, it != inputs.end() ? &it->second : nullptr, &in));
  }
  VT_ASSIGN_OR_RETURN(std::vector<torch::Tensor> out,
                      Call(node, in, /*tape=*/nullptr));
  TensorMap named;
  for (size_t i = 0; i < out.size(); ++i) {
    named.emplace(node.outputs[i], std::move(out[i]));
  }
  return named;
}

}  // namespace veritrain
