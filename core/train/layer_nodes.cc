#include "core/train/layer_nodes.h"
#include "core/train/vjp.h"

#include <torch/torch.h>

#include <cmath>
#include <optional>
#include <utility>

namespace veritrain {

namespace {

std::vector<torch::Tensor> ParamsOf(const Layer& layer, const TensorMap& m) {
  std::vector<torch::Tensor> out;
  out.reserve(layer.params.size());
  for (size_t i = 0; i < layer.params.size(); ++i) {
    out.push_back(m.at(layer.ParamValue(i)));
  }
  return out;
}

// A layer node's parameters among its inputs {x, params..., [dy]}.
std::vector<torch::Tensor> ParamsAt(const Layer& layer,
                                    const std::vector<torch::Tensor>& in) {
  return std::vector<torch::Tensor>(
      in.begin() + 1, in.begin() + 1 + static_cast<std::ptrdiff_t>(layer.params.size()));
}

// The value a layer reads: the chain input for the first layer, else the
// previous layer's output.
std::string InputOf(const std::vector<Layer>& layers, size_t i,
                    const std::string& input) {
  return i == 0 ? input : layers[i - 1].OutputValue();
}

// The tensors a layer's forward reads: its input, then its parameters.
std::vector<torch::Tensor> SourcesOf(const torch::Tensor& x,
                                     const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> s = {x};
  s.insert(s.end(), params.begin(), params.end());
  return s;
}

// The layer's forward as its backward node needs it: grad mode on, the
// input a leaf that requires grad when its gradient is wanted, each
// parameter a leaf that requires grad. The forward node runs the same, so
// its output is, bit for bit, the y the backward node differentiates.
ForwardTape::Entry TapedForward(const Layer& layer, const torch::Tensor& x,
                                const std::vector<torch::Tensor>& params,
                                bool want_input_grad) {
  torch::AutoGradMode grad_mode(true);
  ForwardTape::Entry e;
  e.sources = SourcesOf(x, params);
  torch::Tensor xt = want_input_grad ? NewLeaf(x) : WithoutHistory(x);
  if (want_input_grad) e.wrt.push_back(xt);
  std::vector<torch::Tensor> leaves;
  leaves.reserve(params.size());
  for (const auto& p : params) {
    leaves.push_back(NewLeaf(p));
    e.wrt.push_back(leaves.back());
  }
  e.y = layer.forward(xt, leaves);
  return e;
}

}  // namespace

std::string Layer::ParamValue(size_t i) const {
  return "param/" + name + "." + params[i].name;
}

std::string Layer::OutputValue() const { return "act/" + name; }

Layer LinearLayer(const std::string& name, int64_t in, int64_t out,
                  int64_t batch) {
  Layer l;
  l.name = name;
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  l.params = {{"weight", {out, in}, bound}, {"bias", {out}, bound}};
  l.forward = [](const torch::Tensor& x, const std::vector<torch::Tensor>& p) {
    return torch::linear(x, p[0], p[1]);
  };
  const double b = static_cast<double>(batch);
  const double mn = static_cast<double>(in) * static_cast<double>(out);
  l.forward_flops = 2.0 * b * mn + b * static_cast<double>(out);
  l.param_grad_flops = 2.0 * b * mn + b * static_cast<double>(out);
  l.input_grad_flops = 2.0 * b * mn;
  return l;
}

Layer ReluLayer(const std::string& name, int64_t features, int64_t batch) {
  Layer l;
  l.name = name;
  l.forward = [](const torch::Tensor& x, const std::vector<torch::Tensor>&) {
    return torch::relu(x);
  };
  const double n = static_cast<double>(batch) * static_cast<double>(features);
  l.forward_flops = n;
  l.input_grad_flops = n;
  return l;
}

Result<std::string> AddForwardNodes(StepGraph* g,
                                    const std::vector<Layer>& layers,
                                    const std::string& input) {
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& layer = layers[i];
    Node n;
    n.name = layer.name + ".forward";
    n.kind = NodeKind::kForward;
    const std::string x = InputOf(layers, i, input);
    n.inputs.push_back(x);
    for (size_t p = 0; p < layer.params.size(); ++p) {
      n.inputs.push_back(layer.ParamValue(p));
    }
    const std::string y = layer.OutputValue();
    n.outputs = {y};
    n.flops = layer.forward_flops;
    const bool want_input_grad = i > 0;
    const bool has_backward = want_input_grad || !layer.params.empty();
    // Inputs: {x, params...}.
    SetSlotFn(&n, [layer, want_input_grad, has_backward](
                      const std::vector<torch::Tensor>& in, ForwardTape* tape) {
      ForwardTape::Entry e =
          TapedForward(layer, in[0], ParamsAt(layer, in), want_input_grad);
      std::vector<torch::Tensor> out = {WithoutHistory(e.y)};
      if (tape != nullptr && has_backward) tape->Keep(layer.name, std::move(e));
      return out;
    });
    VT_RETURN_IF_ERROR(g->Add(std::move(n)));
  }
  return layers.back().OutputValue();
}

Status AddCrossEntropyNodes(StepGraph* g, const std::string& logits,
                            const std::string& labels, int64_t batch,
                            int64_t classes) {
  // log_softmax (max, exp, sum, log, subtract) then the mean of the picked
  // entries: about 5 flops per logit.
  const double flops =
      5.0 * static_cast<double>(batch) * static_cast<double>(classes);
  Node f;
  f.name = "loss.forward";
  f.kind = NodeKind::kLoss;
  f.inputs = {logits, labels};
  f.outputs = {"loss"};
  f.flops = flops;
  // The loss with its graph, as the backward node differentiates it, from
  // the inputs {logits, labels}. In a full step the forward node computes
  // it this way (grad mode changes no kernel, so the loss has the bits
  // computing it without grad gives) and keeps it on the tape for the
  // backward node.
  auto taped_loss = [](const std::vector<torch::Tensor>& in) {
    torch::AutoGradMode grad_mode(true);
    ForwardTape::Entry e;
    e.sources = {in[0], in[1]};
    e.wrt = {NewLeaf(in[0])};
    e.y = torch::nn::functional::cross_entropy(e.wrt[0], WithoutHistory(in[1]));
    return e;
  };
  const std::string tape_key = f.name;
  SetSlotFn(&f, [taped_loss, tape_key](const std::vector<torch::Tensor>& in,
                                       ForwardTape* tape) {
    if (tape == nullptr) {
      torch::NoGradGuard no_grad;
      return std::vector<torch::Tensor>{
          torch::nn::functional::cross_entropy(in[0], in[1])};
    }
    ForwardTape::Entry e = taped_loss(in);
    std::vector<torch::Tensor> out = {WithoutHistory(e.y)};
    tape->Keep(tape_key, std::move(e));
    return out;
  });
  VT_RETURN_IF_ERROR(g->Add(std::move(f)));

  Node b;
  b.name = "loss.backward";
  b.kind = NodeKind::kLossBackward;
  b.inputs = {logits, labels};
  const std::string grad = "grad/" + logits;
  b.outputs = {grad};
  b.flops = 2.0 * flops;  // the forward again, then softmax minus one-hot
  SetSlotFn(&b, [taped_loss, tape_key](const std::vector<torch::Tensor>& in,
                                       ForwardTape* tape) {
    std::optional<ForwardTape::Entry> e;
    if (tape != nullptr) e = tape->Take(tape_key, {in[0], in[1]});
    if (!e) e = taped_loss(in);
    return std::vector<torch::Tensor>{torch::autograd::grad({e->y}, e->wrt)[0]};
  });
  return g->Add(std::move(b));
}

Status AddBackwardNodes(StepGraph* g, const std::vector<Layer>& layers,
                        const std::string& input) {
  for (size_t k = layers.size(); k > 0; --k) {
    const size_t i = k - 1;
    const Layer& layer = layers[i];
    const bool want_input_grad = i > 0;
    const std::string x = InputOf(layers, i, input);
    const std::string dy = "grad/" + layer.OutputValue();
    Node n;
    n.name = layer.name + ".backward";
    n.kind = NodeKind::kBackward;
    n.inputs.push_back(x);
    std::vector<std::string> param_values;
    for (size_t p = 0; p < layer.params.size(); ++p) {
      param_values.push_back(layer.ParamValue(p));
      n.inputs.push_back(param_values.back());
    }
    n.inputs.push_back(dy);
    // Output names in the order autograd returns them: input, then params.
    std::vector<std::string> outs;
    if (want_input_grad) outs.push_back("grad/" + x);
    for (const auto& p : param_values) outs.push_back("grad/" + p);
    if (outs.empty()) continue;  // a parameter-free first layer: no gradient
    n.outputs = outs;
    n.flops = layer.forward_flops + layer.param_grad_flops +
              (want_input_grad ? layer.input_grad_flops : 0.0);
    // Inputs: {x, params..., dy}; outputs in the order of e.wrt.
    SetSlotFn(&n, [layer, want_input_grad](const std::vector<torch::Tensor>& in,
                                           ForwardTape* tape) {
      const std::vector<torch::Tensor> params = ParamsAt(layer, in);
      std::optional<ForwardTape::Entry> e;
      if (tape != nullptr) e = tape->Take(layer.name, SourcesOf(in[0], params));
      if (!e) e = TapedForward(layer, in[0], params, want_input_grad);
      return VectorJacobianProduct(e->y, e->wrt, in.back());
    });
    VT_RETURN_IF_ERROR(g->Add(std::move(n)));
  }
  return Status::Ok();
}

torch::Tensor ForwardChain(const std::vector<Layer>& layers,
                           const TensorMap& params, torch::Tensor x) {
  torch::NoGradGuard no_grad;
  for (const auto& layer : layers) {
    x = layer.forward(x, ParamsOf(layer, params));
  }
  return x;
}

}  // namespace veritrain
