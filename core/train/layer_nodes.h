// Primitive layers and the step-graph nodes built from them: forward nodes,
// the cross-entropy loss and its backward, and generic backward nodes.
//
// A Layer is a pure function y = forward(x, params). Its forward node reads
// the input activation and its parameters and writes act/<layer>. Its
// backward node is the vector–Jacobian product, computed the generic way:
// detach the inputs, mark them as requiring gradients, re-run the layer's
// forward and call torch::autograd::grad with the upstream gradient. It
// reads the layer's input, its parameters and grad/act/<layer>, and writes
// the gradient wrt its input (omitted for the chain's first layer, whose
// input is data) and wrt each parameter (grad/param/<layer>.<p>).
//
// Thread-safety: Layers and the node functions are immutable and pure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/train/step_graph.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

struct ParamSpec {
  std::string name;            // short name: "weight", "bias"
  std::vector<int64_t> shape;  // e.g. [out, in]
  double init_bound = 0.0;     // initialised uniform in [-bound, bound)
};

struct Layer {
  std::string name;  // "fc1", "relu1"
  std::vector<ParamSpec> params;
  // y = forward(x, params), params in the order of `params`.
  std::function<torch::Tensor(const torch::Tensor& x,
                              const std::vector<torch::Tensor>& params)>
      forward;
  double forward_flops = 0.0;     // one forward at the job's batch size
  double param_grad_flops = 0.0;  // gradients wrt the parameters
  double input_grad_flops = 0.0;  // gradient wrt the input

  // "param/<layer>.<p>" for params[i].
  std::string ParamValue(size_t i) const;
  // "act/<layer>".
  std::string OutputValue() const;
};

// y = x W^T + b (torch::linear). weight [out, in], bias [out], both
// initialised as torch.nn.Linear does: uniform in ±1/sqrt(in).
// x: [batch, in] -> y: [batch, out].
Layer LinearLayer(const std::string& name, int64_t in, int64_t out,
                  int64_t batch);
// y = max(x, 0), elementwise. x, y: [batch, features].
Layer ReluLayer(const std::string& name, int64_t features, int64_t batch);

// Adds "<layer>.forward" for each layer in order, the first reading
// `input`. Returns the name of the last layer's output value.
// REQUIRES: layers is not empty.
Result<std::string> AddForwardNodes(StepGraph* g,
                                    const std::vector<Layer>& layers,
                                    const std::string& input);

// Adds "loss.forward" (logits [batch, classes], labels [batch] int64 ->
// "loss", the mean cross-entropy) and "loss.backward" (the same inputs ->
// "grad/<logits>").
Status AddCrossEntropyNodes(StepGraph* g, const std::string& logits,
                            const std::string& labels, int64_t batch,
                            int64_t classes);

// Adds "<layer>.backward" for each layer in reverse order, for a chain
// whose forward nodes were added by AddForwardNodes(g, layers, input).
// REQUIRES: the last layer's output gradient is produced before (by
// AddCrossEntropyNodes).
Status AddBackwardNodes(StepGraph* g, const std::vector<Layer>& layers,
                        const std::string& input);

// The chain's output for input x, with parameters read from `params`
// (names as ParamValue), without gradients. For evaluation outside the
// step (test accuracy). Throws on a missing parameter or a shape mismatch.
torch::Tensor ForwardChain(const std::vector<Layer>& layers,
                           const TensorMap& params, torch::Tensor x);

}  // namespace veritrain
