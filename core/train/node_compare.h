// Comparing one node's claimed output with an evaluation of the same node
// on the same inputs: the test of a tolerance-mode challenge game's
// one-node ruling (the arbiter) and of the challenger's search for the
// node to dispute (core/pol/step_scan.h).
//
// Honest evaluations of a node on different hardware profiles differ only
// by rounding, and rounding error is bounded componentwise: for a sum or a
// product of sums (a matrix product, a convolution, their gradients) the
// error of output element i is at most a small multiple of the unit
// roundoff times (|A||B|)_i, the same expression evaluated on the
// absolute values of its inputs (Higham, "Accuracy and Stability of
// Numerical Algorithms", 3.5). So an element is measured against its own
// error scale,
//
//   scale_i = max(|ours_i|, |f(|inputs|)_i|)
//   ratio_i = |claimed_i - ours_i| / scale_i      (0 when equal, ∞ when
//                                                  scale_i = 0 and they differ)
//
// and a node's deviation is the largest ratio over its output elements.
// Unlike a ratio to the largest element of a tensor, this cannot hide a
// change of a small element (a gradient near zero, which Adam's
// normalisation would amplify, or an exact zero that a ReLU mask reads)
// behind a large one. Integer outputs must be equal; non-finite values
// must be identical (NaN matches NaN). A threshold of 0 means bit-exact in
// value.
//
// The evaluation uses the committed precision: inputs are evaluated as
// they were committed (float32 stays float32), so element-wise nodes are
// bit-exact on every profile and only reductions split across threads
// differ.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/train/step_graph.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

struct NodeDeviation {
  // Largest componentwise ratio over the compared outputs (+inf when a
  // claim is missing, mis-shaped, or differs where no difference is
  // possible); 0 when every element is equal.
  double ratio = 0;
  std::string worst_output;  // the output tensor where it is largest
  // Non-empty when a claimed output cannot be compared at all (missing,
  // another shape, not floating where ours is); ratio is +inf then.
  std::string problem;

  bool Within(double tolerance) const { return problem.empty() && ratio <= tolerance; }
  // "ratio 3.1e-06 at grad/param/fc1.weight" or the problem.
  std::string Describe() const;
};

// A deviation as JSON: the number, or "inf" when it is infinite (JSON has
// no infinity), and back.
nlohmann::json DeviationJson(double deviation);
double DeviationFromJson(const nlohmann::json& j);

// Compares every tensor of `ours` with the tensor of the same name in
// `claimed`, element i against max(|ours_i|, |scale_i|). `scale` may lack
// a name (then |ours| alone is the scale). Extra claimed tensors are
// ignored.
NodeDeviation CompareOutputs(const TensorMap& ours, const TensorMap& scale,
                             const TensorMap& claimed);

// Evaluates node `index` of `g` on `inputs` and on their absolute values,
// and compares the node's declared outputs with `claimed`. `ours` (when
// non-null) receives the node's declared outputs. InvalidArgument when the
// node cannot be evaluated on the inputs (a missing input, a shape the node
// rejects), naming the node; the scale evaluation's failures fall back to
// |ours|.
Result<NodeDeviation> CompareNode(const StepGraph& g, size_t index, const TensorMap& inputs,
                                  const TensorMap& claimed, TensorMap* ours = nullptr);

}  // namespace veritrain
