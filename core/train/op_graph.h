// Ops: the layers of a model whose values form a DAG (residual adds,
// attention reading one projection twice), and the step-graph nodes built
// from them.
//
// An Op computes one value, act/<op>, from named input values (the batch's
// "data/..." values or other ops' outputs) and its own parameters
// (param/<op>.<p>). Ops are listed in topological order; the last one's
// output is the model's output. From a list of ops this file adds:
//
//   <op>.forward        one per op, in order: inputs + params -> act/<op>.
//   <op>.backward       one per op that has parameters or an input that
//                       depends on parameters, in reverse order: the
//                       vector–Jacobian product, computed by re-running the
//                       op's forward on detached inputs and calling
//                       torch::autograd::grad with grad/act/<op>. It reads
//                       the op's inputs, its parameters and grad/act/<op>;
//                       it writes the gradient of each input that depends on
//                       parameters and of each parameter.
//   <value>.grad_sum    for a value read by several ops: each consumer's
//                       backward writes a partial gradient
//                       grad/<value>@<consumer>, and this node adds them,
//                       in consumer order, into grad/<value>. It comes right
//                       before the backward node of the op that produced
//                       the value.
//
// Data never gets a gradient, nor does an op output that depends on data
// only (an input reshape, say): such an op without parameters has no
// backward node.
//
// Thread-safety: Ops and the node functions are immutable; the node
// functions are pure as long as each Op's forward is.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/train/optimizer_config.h"
#include "core/train/step_graph.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

// How a parameter starts (InitOpParams): uniform in [-value, value), every
// element equal to value, or given by the job (from a model file, say;
// InitOpParams leaves it out).
enum class ParamInit {
  kInvalid = 0,  // deliberately not a valid init
  kUniform = 1,
  kConstant = 2,
  kGiven = 3,
};

struct OpParam {
  std::string name;            // short name: "weight", "bias"
  std::vector<int64_t> shape;  // e.g. [out, in]
  ParamInit init = ParamInit::kUniform;
  double value = 0.0;  // the uniform bound or the constant
};

struct Op {
  std::string name;                 // unique: "fc1", "block1.scores"
  std::vector<std::string> inputs;  // value names, at least one
  std::vector<OpParam> params;
  // y = forward(inputs, params), both in declaration order. Must be a pure
  // function of its arguments (no state, no randomness). It may throw.
  std::function<torch::Tensor(const std::vector<torch::Tensor>& inputs,
                              const std::vector<torch::Tensor>& params)>
      forward;
  double forward_flops = 0.0;   // one forward at the job's batch size
  double backward_flops = 0.0;  // the gradients; 0 means 2 * forward_flops
  int64_t output_numel = 0;     // elements of act/<op> at the job's batch
                                // size (FLOPs of its gradient sum)
  // The op is a whole model, not one layer; its nodes are marked coarse
  // (step_graph.h).
  bool coarse = false;

  // "param/<op>.<params[i].name>".
  std::string ParamValue(size_t i) const;
  // "act/<op>".
  std::string OutputValue() const;
  // The short parameter names joined to the op name: "<op>.<p>".
  std::string ParamKey(size_t i) const;
};

// Checks a list of ops: names unique and non-empty, each forward set, each
// input either in `data` or the output of an earlier op, every op's output
// read by a later op except the last one's. InvalidArgument naming the op.
Status CheckOps(const std::vector<Op>& ops, const std::vector<std::string>& data);

// Adds "<op>.forward" for each op. Returns the last op's output value.
// REQUIRES: CheckOps(ops, data) is ok.
Result<std::string> AddOpForwardNodes(StepGraph* g, const std::vector<Op>& ops);

// Adds the backward nodes and gradient sums described above, starting from
// grad/<last op output>, which an earlier node (the loss backward) writes.
// REQUIRES: CheckOps(ops, data) is ok, and the forward nodes were added.
Status AddOpBackwardNodes(StepGraph* g, const std::vector<Op>& ops);

// Adds one optimizer node per parameter of each op, in op order.
Status AddOpOptimizerNodes(StepGraph* g, const OptimizerConfig& optimizer,
                           const std::vector<Op>& ops);

// Parameters initialised from their OpParam: each uniform tensor from
// SplitMix64 under DeriveSeed(init_seed, "<value name>") (rng.h), in
// `dtype` (kGiven ones are left out); plus the optimizer state (zeros) of
// every parameter. Does not add meta/step.
TensorMap InitOpParams(const std::vector<Op>& ops,
                       const OptimizerConfig& optimizer, uint64_t init_seed,
                       torch::ScalarType dtype);

// The last op's output for the given data values, with the parameters read
// from `state` (names as ParamValue), without gradients. For evaluation
// outside the step (test accuracy). InvalidArgument naming a missing
// parameter or data value; Internal naming the op when its forward throws.
Result<torch::Tensor> RunOpsForward(const std::vector<Op>& ops,
                                    const TensorMap& state,
                                    const TensorMap& data);

// FLOPs of y = x W^T + b for x [rows, in], W [out, in].
double LinearFlops(int64_t rows, int64_t in, int64_t out);

}  // namespace veritrain
