#include "core/train/optimizer_nodes.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <utility>

namespace veritrain {

std::vector<std::string> OptimizerStateNames(const OptimizerConfig& c,
                                             const std::string& p) {
  if (c.is_adam()) return {"opt/" + p + "/m", "opt/" + p + "/v"};
  if (c.momentum != 0.0) return {"opt/" + p + "/momentum"};
  return {};
}

std::vector<torch::Tensor> AdamUpdate(const OptimizerConfig& c, int64_t t,
                                      const torch::Tensor& param,
                                      const torch::Tensor& grad,
                                      const torch::Tensor& m,
                                      const torch::Tensor& v) {
  torch::NoGradGuard no_grad;
  torch::Tensor g = grad;
  if (c.weight_decay != 0.0) g = g.add(param, c.weight_decay);
  // The in-place steps (the trailing _) act on tensors made just before
  // them, never on an input: the same kernels as the out-of-place forms,
  // hence the same bits, with fewer allocations.
  torch::Tensor m2 = m.mul(c.beta1);
  m2.add_(g, 1.0 - c.beta1);
  torch::Tensor v2 = v.mul(c.beta2);
  v2.addcmul_(g, g, 1.0 - c.beta2);
  const double td = static_cast<double>(t);
  const double bias_correction1 = 1.0 - std::pow(c.beta1, td);
  const double bias_correction2 = 1.0 - std::pow(c.beta2, td);
  torch::Tensor denom = v2.sqrt();
  denom.div_(std::sqrt(bias_correction2)).add_(c.eps);
  const double step_size = c.lr / bias_correction1;
  torch::Tensor p2 = param.addcdiv(m2, denom, -step_size);
  return {p2, m2, v2};
}

std::vector<torch::Tensor> SgdUpdate(const OptimizerConfig& c, bool first_step,
                                     const torch::Tensor& param,
                                     const torch::Tensor& grad,
                                     const torch::Tensor& momentum_buffer) {
  torch::NoGradGuard no_grad;
  torch::Tensor d = grad;
  if (c.weight_decay != 0.0) d = d.add(param, c.weight_decay);
  if (c.momentum == 0.0) return {param.add(d, -c.lr)};
  // PyTorch starts the buffer as a copy of the first gradient (not as
  // momentum * 0 + gradient, which would turn -0.0 into 0.0).
  torch::Tensor buf = first_step ? d.clone() : momentum_buffer.mul(c.momentum);
  if (!first_step) buf.add_(d, 1.0 - c.dampening);  // on the fresh product
  d = c.nesterov ? d.add(buf, c.momentum) : buf;
  return {param.add(d, -c.lr), buf};
}

namespace {

// The number of steps done, read from a node's "meta/step" input. Read
// straight from the tensor's data rather than with item(), a dispatcher
// call per optimizer node per step; so the shape and type are checked here
// (a node may be evaluated on inputs sent by a peer). Throws
// std::invalid_argument naming what is wrong; callers turn it into Status.
int64_t StepsDone(const torch::Tensor& t) {
  if (!t.defined() || t.scalar_type() != torch::kInt64 || t.numel() != 1 ||
      !t.device().is_cpu()) {
    throw std::invalid_argument("meta/step is not one int64 on the CPU");
  }
  return *t.data_ptr<int64_t>();
}

}  // namespace

Status AddOptimizerNode(StepGraph* g, const OptimizerConfig& c,
                        const std::string& p, int64_t numel) {
  const std::string param = "param/" + p;
  const std::string grad = "grad/" + param;
  const std::vector<std::string> state = OptimizerStateNames(c, p);
  Node n;
  n.name = c.name + "." + p;
  n.kind = NodeKind::kOptimizer;
  n.inputs = {param, grad};
  n.inputs.insert(n.inputs.end(), state.begin(), state.end());
  const bool needs_step = c.is_adam() || !state.empty();
  if (needs_step) n.inputs.push_back("meta/step");
  n.outputs = {"next/" + param};
  for (const auto& s : state) n.outputs.push_back("next/" + s);
  // Elementwise ops per element: Adam about 12, SGD 2 to 6.
  n.flops = static_cast<double>(numel) *
            (c.is_adam() ? 12.0 : (state.empty() ? 2.0 : 6.0));
  // Inputs: {param, grad, state..., [meta/step]}; outputs: the next param,
  // then the next state.
  const bool has_state = !state.empty();
  SetSlotFn(&n, [c, has_state](const std::vector<torch::Tensor>& in, ForwardTape*) {
    if (c.is_adam()) {
      const int64_t t = StepsDone(in[4]) + 1;
      return AdamUpdate(c, t, in[0], in[1], in[2], in[3]);
    }
    const bool first = has_state && StepsDone(in[3]) == 0;
    return SgdUpdate(c, first, in[0], in[1], has_state ? in[2] : torch::Tensor());
  });
  return g->Add(std::move(n));
}

}  // namespace veritrain
