// StepGraph: one training step written as a sequence of pure nodes.
//
// A step is a list of nodes in topological order: a forward node per
// primitive layer, the loss, the loss's backward, a backward node per layer
// (a vector–Jacobian product) and an optimizer node per parameter tensor.
// Each node is a pure function from named input tensors to named output
// tensors. The training loop *is* RunStepGraph, so evaluating any one node
// alone from its recorded inputs (EvaluateNode) gives the same bits as it
// had inside the step, for the same hardware profile. That is what lets an
// arbiter re-execute a single disputed node.
//
// Value names (one flat namespace per step; every value is written once):
//   param/<layer>.<weight|bias>   parameters               (state)
//   opt/<layer>.<p>/m, .../v      Adam moments             (state)
//   opt/<layer>.<p>/momentum      SGD momentum buffer      (state)
//   meta/step                     int64 scalar, steps done (state)
//   data/x, data/y                the batch's inputs and labels
//   act/<layer>                   a layer's output activation
//   loss                          the scalar loss
//   grad/<value>                  gradient of the loss wrt <value>, e.g.
//                                 grad/act/fc2, grad/param/fc1.weight
//   next/<state name>             the state tensor after the step
//
// Thread-safety: a StepGraph is immutable once built; const methods, and
// running or evaluating it, may happen concurrently (node functions are
// pure and capture only immutable configuration).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/train/forward_tape.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

enum class NodeKind {
  kInvalid = 0,  // deliberately not a valid kind
  kForward = 1,
  kLoss = 2,
  kLossBackward = 3,
  kBackward = 4,
  kOptimizer = 5,
};

// "forward", "loss", "loss_backward", "backward", "optimizer", "invalid".
const char* NodeKindName(NodeKind k);

// A node function over positions: the node's inputs in the order of
// Node::inputs, its outputs in the order of Node::outputs. `tape` is the
// step's tape inside RunStepGraph and null when the node is evaluated
// alone (forward_tape.h).
using SlotFn = std::function<std::vector<torch::Tensor>(
    const std::vector<torch::Tensor>& inputs, ForwardTape* tape)>;

struct Node {
  // Unique in the graph: "fc1.forward", "relu1.backward", "loss.forward",
  // "loss.backward", "adam.fc1.weight".
  std::string name;
  NodeKind kind = NodeKind::kInvalid;
  std::vector<std::string> inputs;   // value names read
  std::vector<std::string> outputs;  // value names written
  double flops = 0.0;  // estimate for one evaluation at the job's batch size
  // True for a node that stands for a whole model rather than one primitive
  // layer (a TorchScript model that is not a chain of children): a dispute
  // that ends there leaves the arbiter the whole forward or backward.
  bool coarse = false;
  // Pure: the outputs from the inputs only. It receives exactly the
  // declared inputs and must return (at least) the declared outputs. It
  // may throw; callers turn exceptions into Status.
  std::function<TensorMap(const TensorMap& inputs)> fn;
  // Optional, set with SetSlotFn (which then sets `fn` from it): the node's
  // function over positions. When set, RunStepGraph and EvaluateNode call
  // it instead of `fn`: a step then builds no table of names per node, and
  // a forward node keeps its autograd graph on the step's tape for its
  // backward node, which takes it instead of running the forward again. It
  // must return exactly one defined tensor per declared output.
  SlotFn slot_fn;
};

// Sets node->slot_fn to `f` and node->fn to `f` over the node's named
// inputs without a tape, so the node can be called either way with the
// same bits. REQUIRES: node->inputs and node->outputs are final.
void SetSlotFn(Node* node, SlotFn f);

class StepGraph {
 public:
  const std::vector<Node>& nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }

  // Appends a node. InvalidArgument naming the node when its name is empty
  // or repeated, its kind is kInvalid, its fn is empty, or one of its
  // outputs is already written by an earlier node.
  Status Add(Node node);

  // Index of the node called `name`; NotFound otherwise.
  Result<size_t> Find(const std::string& name) const;

  // Checks the order: every input of every node is in `initial` (state and
  // batch names) or an output of an earlier node, and no output shadows a
  // name in `initial`. InvalidArgument naming the node and the value.
  Status Validate(const std::set<std::string>& initial) const;

  double TotalFlops() const;

 private:
  friend class StepGraphRun;  // step_graph.cc: runs a step over the slots

  // How a step's values are laid out, fixed as nodes are added so that
  // running a step builds no table of names: every value name that a node
  // reads or writes has a slot (an index into the step's value table).
  struct NodeSlots {
    std::vector<size_t> inputs;   // the slot of each of the node's inputs
    std::vector<size_t> outputs;  // the slot of each of its outputs
  };
  // The slot of `name`, added when it has none yet.
  size_t SlotOf(const std::string& name);

  std::vector<Node> nodes_;
  std::set<std::string> outputs_;
  std::map<std::string, size_t> slots_;  // value name -> slot, in name order
  std::vector<NodeSlots> node_slots_;    // one per node, in node order
  // For each slot, the index of the last node that reads it (the node
  // after which a step releases it), or size_t(-1) when no node does or
  // the value is a "next/" one (the step's result, kept to the end).
  std::vector<size_t> last_reader_;
};

struct NodeRecord {
  TensorMap inputs;
  TensorMap outputs;
};

// Runs every node of `g` in order over a value table that starts as
// `state` plus `batch`, and returns the next state: for each state tensor
// n, the value "next/" + n when a node produced it, else n unchanged;
// "meta/step" is incremented by the runtime (not by a node). When `record`
// is non-null it receives each node's inputs and outputs, in node order
// (tensors shared with the run, not copied).
// Errors: InvalidArgument when state lacks an int64 scalar "meta/step",
// when a batch name repeats a state name or when a node's input is missing;
// Internal naming the node when it throws or omits a declared output, or
// when a hook adds or removes an output name.
// A value leaves the step's table once the last node that reads it has
// run: memory only, the bits are the same. `state` is taken by value: a
// caller that moves its state in (RunStepGraph(g, std::move(s), ...))
// gives the step the only handle to each tensor the step replaces, which
// is then freed once its last reader has run, so that a step holds about
// one state rather than the old and the new one whole; a caller that
// passes a state it keeps copies handles only, and keeps its tensors.
//
// The hook is called after node `index` has been evaluated, with its outputs,
// before they enter the value table. An honest run has no hook; a solver
// behaviour that corrupts a node (and re-executes the same corruption when
// it is challenged) perturbs `outputs` here: it may replace the tensors,
// not add or remove names, and must not write into them in place (they
// share their data with the step's tape and with the caller's state).
using NodeHook =
    std::function<void(size_t index, const Node& node, TensorMap& outputs)>;

Result<TensorMap> RunStepGraph(const StepGraph& g, TensorMap state,
                               const TensorMap& batch,
                               std::vector<NodeRecord>* record = nullptr,
                               const NodeHook& hook = nullptr);

// Evaluates node `node_index` alone. Inputs beyond the declared ones are
// ignored. InvalidArgument when the index is out of range or a declared
// input is missing (naming it); Internal as for RunStepGraph.
Result<TensorMap> EvaluateNode(const StepGraph& g, size_t node_index,
                               const TensorMap& inputs);

}  // namespace veritrain
