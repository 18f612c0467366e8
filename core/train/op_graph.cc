#include "core/train/op_graph.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "core/train/optimizer_nodes.h"
#include "core/train/rng.h"
#include "core/train/vjp.h"

namespace veritrain {

namespace {

// What an op's nodes would otherwise work out on every call, worked out
// once when the graph is built: the op, the value names of its parameters,
// the inputs its backward differentiates and, for each input, its leaf.
struct OpCall {
  Op op;
  std::vector<std::string> param_values;  // op.ParamValue(i), in order
  // The inputs that need a gradient, each value at its first use only
  // (GradInputs).
  std::vector<size_t> grad_inputs;
  // For each input, the index in grad_inputs of the input that reads the
  // same value, or -1 when that value gets no gradient.
  std::vector<int> leaf_of_input;
  // For each input, its position among the node's inputs (NodeInputs: the
  // op's inputs without repeats, then its parameters).
  std::vector<size_t> input_position;
  size_t first_param = 0;  // the position of the first parameter
};

// The names a node reads: an op's inputs (without repeats: an op may read
// one value twice) and its parameters.
std::vector<std::string> NodeInputs(const Op& op) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& x : op.inputs) {
    if (seen.insert(x).second) names.push_back(x);
  }
  for (size_t p = 0; p < op.params.size(); ++p) names.push_back(op.ParamValue(p));
  return names;
}

int64_t Numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

// Which op outputs depend on a parameter (and so get gradients).
std::set<std::string> ValuesNeedingGrad(const std::vector<Op>& ops) {
  std::set<std::string> need;
  for (const auto& op : ops) {
    bool needs = !op.params.empty();
    for (const auto& x : op.inputs) needs = needs || need.count(x) > 0;
    if (needs) need.insert(op.OutputValue());
  }
  return need;
}

// The inputs of `op` its backward node differentiates: those that need a
// gradient, each value at its first use only.
std::vector<size_t> GradInputs(const Op& op, const std::set<std::string>& need) {
  std::vector<size_t> grad_inputs;
  std::set<std::string> seen;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const std::string& x = op.inputs[i];
    if (need.count(x) > 0 && seen.insert(x).second) grad_inputs.push_back(i);
  }
  return grad_inputs;
}

// The tensors an op's forward reads, from its node's inputs `in`: its
// inputs in order, then its parameters.
std::vector<torch::Tensor> SourcesOf(const OpCall& c,
                                     const std::vector<torch::Tensor>& in) {
  std::vector<torch::Tensor> s;
  s.reserve(c.input_position.size() + c.param_values.size());
  for (size_t pos : c.input_position) s.push_back(in[pos]);
  for (size_t p = 0; p < c.param_values.size(); ++p) {
    s.push_back(in[c.first_param + p]);
  }
  return s;
}

// The op's forward as its backward node needs it: grad mode on, each input
// in `grad_inputs` a leaf that requires grad (an op reading a value twice
// sees the same leaf and autograd sums the two uses), each parameter a
// leaf that requires grad. The forward node runs the same, so its output
// is, bit for bit, the y the backward node differentiates.
ForwardTape::Entry TapedForward(const OpCall& c,
                                const std::vector<torch::Tensor>& in) {
  torch::AutoGradMode grad_mode(true);
  const Op& op = c.op;
  ForwardTape::Entry e;
  e.sources = SourcesOf(c, in);
  e.wrt.reserve(c.grad_inputs.size() + c.param_values.size());
  for (size_t i : c.grad_inputs) e.wrt.push_back(NewLeaf(e.sources[i]));
  std::vector<torch::Tensor> xs;
  xs.reserve(op.inputs.size());
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const int leaf = c.leaf_of_input[i];
    xs.push_back(leaf >= 0 ? e.wrt[static_cast<size_t>(leaf)]
                           : WithoutHistory(e.sources[i]));
  }
  std::vector<torch::Tensor> params;
  params.reserve(c.param_values.size());
  for (size_t p = 0; p < c.param_values.size(); ++p) {
    params.push_back(NewLeaf(e.sources[op.inputs.size() + p]));
    e.wrt.push_back(params.back());
  }
  e.y = op.forward(xs, params);
  return e;
}

// The OpCall of `op`, shared by its forward and backward nodes.
std::shared_ptr<const OpCall> MakeOpCall(const Op& op,
                                         const std::set<std::string>& need) {
  auto c = std::make_shared<OpCall>();
  c->op = op;
  for (size_t p = 0; p < op.params.size(); ++p) {
    c->param_values.push_back(op.ParamValue(p));
  }
  c->grad_inputs = GradInputs(op, need);
  const std::vector<std::string> node_inputs = NodeInputs(op);
  for (const auto& x : op.inputs) {
    c->input_position.push_back(static_cast<size_t>(
        std::find(node_inputs.begin(), node_inputs.end(), x) - node_inputs.begin()));
  }
  c->first_param = node_inputs.size() - op.params.size();
  for (const auto& x : op.inputs) {
    int leaf = -1;
    for (size_t k = 0; k < c->grad_inputs.size(); ++k) {
      if (op.inputs[c->grad_inputs[k]] == x) leaf = static_cast<int>(k);
    }
    c->leaf_of_input.push_back(leaf);
  }
  return c;
}

// For each value needing a gradient, the ops that read it, in op order.
// An op reading the same value twice counts once (autograd sums the two
// uses inside its backward).
std::map<std::string, std::vector<std::string>> GradConsumers(
    const std::vector<Op>& ops, const std::set<std::string>& need) {
  std::map<std::string, std::vector<std::string>> consumers;
  for (const auto& op : ops) {
    std::set<std::string> seen;
    for (const auto& x : op.inputs) {
      if (need.count(x) > 0 && seen.insert(x).second) {
        consumers[x].push_back(op.name);
      }
    }
  }
  return consumers;
}

// The name op `consumer` writes the gradient of `value` under.
std::string GradName(
    const std::map<std::string, std::vector<std::string>>& consumers,
    const std::string& value, const std::string& consumer) {
  const auto& c = consumers.at(value);
  if (c.size() == 1) return "grad/" + value;
  return "grad/" + value + "@" + consumer;
}

// The short name of a value: "act/block1.res1" -> "block1.res1".
std::string ShortName(const std::string& value) {
  const size_t slash = value.find('/');
  return slash == std::string::npos ? value : value.substr(slash + 1);
}

Status AddGradSumNode(StepGraph* g, const std::string& value,
                      const std::vector<std::string>& consumers,
                      int64_t numel_hint) {
  Node n;
  n.name = ShortName(value) + ".grad_sum";
  n.kind = NodeKind::kBackward;
  for (const auto& c : consumers) n.inputs.push_back("grad/" + value + "@" + c);
  const std::string out = "grad/" + value;
  n.outputs = {out};
  n.flops = static_cast<double>(numel_hint) *
            static_cast<double>(consumers.size() - 1);
  SetSlotFn(&n, [](const std::vector<torch::Tensor>& in, ForwardTape*) {
    torch::NoGradGuard no_grad;
    torch::Tensor sum = in[0];
    for (size_t i = 1; i < in.size(); ++i) sum = sum.add(in[i]);
    return std::vector<torch::Tensor>{sum};
  });
  return g->Add(std::move(n));
}

}  // namespace

std::string Op::ParamValue(size_t i) const { return "param/" + ParamKey(i); }

std::string Op::OutputValue() const { return "act/" + name; }

std::string Op::ParamKey(size_t i) const {
  return name + "." + params[i].name;
}

Status CheckOps(const std::vector<Op>& ops,
                const std::vector<std::string>& data) {
  if (ops.empty()) return Status::InvalidArgument("the model has no ops");
  std::set<std::string> available(data.begin(), data.end());
  std::set<std::string> names;
  std::set<std::string> read;
  for (const auto& op : ops) {
    const std::string where = "op '" + op.name + "'";
    if (op.name.empty()) return Status::InvalidArgument("an op has no name");
    if (!names.insert(op.name).second) {
      return Status::InvalidArgument(where + ": name used twice");
    }
    if (!op.forward) return Status::InvalidArgument(where + ": no forward");
    if (op.inputs.empty()) {
      return Status::InvalidArgument(where + ": no inputs");
    }
    for (const auto& x : op.inputs) {
      if (available.count(x) == 0) {
        return Status::InvalidArgument(where + " reads '" + x +
                                       "', which is neither data nor the "
                                       "output of an earlier op");
      }
      read.insert(x);
    }
    std::set<std::string> pnames;
    for (const auto& p : op.params) {
      if (p.name.empty() || !pnames.insert(p.name).second) {
        return Status::InvalidArgument(where + ": parameter name '" + p.name +
                                       "' is empty or repeated");
      }
      if (p.init == ParamInit::kInvalid) {
        return Status::InvalidArgument(where + ": parameter '" + p.name +
                                       "' has no init");
      }
    }
    available.insert(op.OutputValue());
  }
  for (size_t i = 0; i + 1 < ops.size(); ++i) {
    if (read.count(ops[i].OutputValue()) == 0) {
      return Status::InvalidArgument("op '" + ops[i].name +
                                     "': its output is never read");
    }
  }
  return Status::Ok();
}

Result<std::string> AddOpForwardNodes(StepGraph* g,
                                      const std::vector<Op>& ops) {
  const std::set<std::string> need = ValuesNeedingGrad(ops);
  for (const auto& op : ops) {
    Node n;
    n.name = op.name + ".forward";
    n.kind = NodeKind::kForward;
    n.inputs = NodeInputs(op);
    const std::string y = op.OutputValue();
    n.outputs = {y};
    n.flops = op.forward_flops;
    n.coarse = op.coarse;
    const std::shared_ptr<const OpCall> call = MakeOpCall(op, need);
    const bool has_backward = need.count(y) > 0;
    SetSlotFn(&n, [call, has_backward](const std::vector<torch::Tensor>& in,
                                       ForwardTape* tape) {
      ForwardTape::Entry e = TapedForward(*call, in);
      std::vector<torch::Tensor> out = {WithoutHistory(e.y)};
      if (tape != nullptr && has_backward) tape->Keep(call->op.name, std::move(e));
      return out;
    });
    VT_RETURN_IF_ERROR(g->Add(std::move(n)));
  }
  return ops.back().OutputValue();
}

Status AddOpBackwardNodes(StepGraph* g, const std::vector<Op>& ops) {
  const std::set<std::string> need = ValuesNeedingGrad(ops);
  const auto consumers = GradConsumers(ops, need);
  // Values whose partial gradients have all been written, waiting for the
  // sum: a sum goes right after the backward of the value's first reader
  // (the last one in reverse order).
  for (size_t k = ops.size(); k > 0; --k) {
    const Op& op = ops[k - 1];
    const std::string dy = "grad/" + op.OutputValue();
    // The gradient of this op's output is complete: sum it if needed.
    auto c = consumers.find(op.OutputValue());
    if (c != consumers.end() && c->second.size() > 1) {
      VT_RETURN_IF_ERROR(
          AddGradSumNode(g, op.OutputValue(), c->second, op.output_numel));
    }
    if (need.count(op.OutputValue()) == 0) continue;  // depends on data only

    // Inputs to differentiate (first use of each value only), then params.
    const std::shared_ptr<const OpCall> call = MakeOpCall(op, need);
    std::vector<std::string> outs;
    for (size_t i : call->grad_inputs) {
      outs.push_back(GradName(consumers, op.inputs[i], op.name));
    }
    for (size_t p = 0; p < op.params.size(); ++p) {
      outs.push_back("grad/" + op.ParamValue(p));
    }
    Node n;
    n.name = op.name + ".backward";
    n.kind = NodeKind::kBackward;
    n.coarse = op.coarse;
    n.inputs = NodeInputs(op);
    n.inputs.push_back(dy);
    n.outputs = outs;
    n.flops = op.forward_flops + (op.backward_flops > 0.0
                                      ? op.backward_flops
                                      : 2.0 * op.forward_flops);
    // Inputs: NodeInputs(op), then dy; outputs in the order of e.wrt.
    SetSlotFn(&n, [call](const std::vector<torch::Tensor>& in, ForwardTape* tape) {
      std::optional<ForwardTape::Entry> e;
      if (tape != nullptr) e = tape->Take(call->op.name, SourcesOf(*call, in));
      if (!e) e = TapedForward(*call, in);
      return VectorJacobianProduct(e->y, e->wrt, in.back());
    });
    VT_RETURN_IF_ERROR(g->Add(std::move(n)));
  }
  return Status::Ok();
}

Status AddOpOptimizerNodes(StepGraph* g, const OptimizerConfig& optimizer,
                           const std::vector<Op>& ops) {
  for (const auto& op : ops) {
    for (size_t p = 0; p < op.params.size(); ++p) {
      VT_RETURN_IF_ERROR(AddOptimizerNode(g, optimizer, op.ParamKey(p),
                                          Numel(op.params[p].shape)));
    }
  }
  return Status::Ok();
}

TensorMap InitOpParams(const std::vector<Op>& ops,
                       const OptimizerConfig& optimizer, uint64_t init_seed,
                       torch::ScalarType dtype) {
  TensorMap state;
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  for (const auto& op : ops) {
    for (size_t p = 0; p < op.params.size(); ++p) {
      const OpParam& spec = op.params[p];
      const std::string value = op.ParamValue(p);
      for (const auto& s : OptimizerStateNames(optimizer, op.ParamKey(p))) {
        state.emplace(s, torch::zeros(spec.shape, dtype));
      }
      if (spec.init == ParamInit::kGiven) continue;
      torch::Tensor t;
      if (spec.init == ParamInit::kConstant) {
        t = torch::full(spec.shape, spec.value, f64);
      } else {
        std::vector<double> v(static_cast<size_t>(Numel(spec.shape)));
        SplitMix64 rng(DeriveSeed(init_seed, value));
        for (double& x : v) x = rng.Uniform(-spec.value, spec.value);
        t = torch::from_blob(v.data(), spec.shape, f64).clone();
      }
      state.emplace(value, t.to(dtype));
    }
  }
  return state;
}

Result<torch::Tensor> RunOpsForward(const std::vector<Op>& ops,
                                    const TensorMap& state,
                                    const TensorMap& data) {
  torch::NoGradGuard no_grad;
  TensorMap values = data;
  for (const auto& op : ops) {
    std::vector<torch::Tensor> xs;
    for (const auto& x : op.inputs) {
      auto it = values.find(x);
      if (it == values.end()) {
        return Status::InvalidArgument("op '" + op.name + "': no value '" + x +
                                       "'");
      }
      xs.push_back(it->second);
    }
    std::vector<torch::Tensor> params;
    for (size_t p = 0; p < op.params.size(); ++p) {
      auto it = state.find(op.ParamValue(p));
      if (it == state.end()) {
        return Status::InvalidArgument("state has no tensor '" +
                                       op.ParamValue(p) + "'");
      }
      params.push_back(it->second);
    }
    try {
      values[op.OutputValue()] = op.forward(xs, params);
    } catch (const std::exception& e) {
      return Status::Internal("op '" + op.name + "': " + ErrorText(e));
    }
  }
  return values.at(ops.back().OutputValue());
}

double LinearFlops(int64_t rows, int64_t in, int64_t out) {
  const double r = static_cast<double>(rows);
  return 2.0 * r * static_cast<double>(in) * static_cast<double>(out) +
         r * static_cast<double>(out);
}

}  // namespace veritrain
