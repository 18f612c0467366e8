#include "solver/behaviours/corrupt_node.h"

#include <cstdint>

#include "core/state/state_hash.h"
#include "core/util/behaviour_params.h"

namespace veritrain {
namespace {

// The state hash of `state`: equal for two states exactly when they hold
// the same tensors bit for bit (equal values with other bits, a NaN or -0,
// differ).
Result<Digest> HashOf(const TensorMap& state) {
  return StateHash(ToState(state), /*threads=*/2);
}

class CorruptNodeSolver final : public SolverBehaviour {
 public:
  CorruptNodeSolver(int64_t step, std::string node, double magnitude, bool serves, bool opens)
      : step_(step), node_(std::move(node)), magnitude_(magnitude), serves_(serves),
        opens_(opens) {}
  std::string name() const override { return "corrupt-node"; }
  bool ServesDisputeData() override { return serves_; }
  bool OpensRealTrace() override { return opens_; }

  Status Begin(const TrainingJob&, const TaskContext&) override {
    changed_ = false;
    return Status::Ok();
  }
  // A corruption that changes no bit of the state the step produces (a
  // magnitude too small to change a bit of the node's outputs, 1e-30 added
  // to float32 values; or one that changes them, 1e-9, and is rounded
  // away further on) leaves the honest training: the run must not count
  // the attack as missed, nor the trace as escaped.
  bool TrainsHonestly() const override { return !changed_; }

  // The corrupted step is also computed honestly, once, to tell whether
  // the corruption reached the state. Only its hash is kept, so that the
  // two results are never held at once (three states, with the one both
  // start from, at a 100-MB state).
  Result<TensorMap> Step(const TrainingJob& job, TensorMap state) override {
    auto it = state.find("meta/step");
    const int64_t step =
        it != state.end() && it->second.numel() == 1 ? it->second.item<int64_t>() : -1;
    if (step != step_) return SolverBehaviour::Step(job, std::move(state));
    Digest honest;
    {
      VT_ASSIGN_OR_RETURN(TensorMap honest_state, TrainStep(job, state));
      VT_ASSIGN_OR_RETURN(honest, HashOf(honest_state));
    }
    VT_ASSIGN_OR_RETURN(TensorMap corrupted, SolverBehaviour::Step(job, std::move(state)));
    VT_ASSIGN_OR_RETURN(Digest reached, HashOf(corrupted));
    changed_ = reached != honest;
    return corrupted;
  }

  NodeHook Hook(int64_t step) override {
    if (step != step_) return nullptr;
    return [this](size_t, const Node& node, TensorMap& outputs) {
      if (node.name != node_) return;
      for (auto& entry : outputs) {
        torch::Tensor& t = entry.second;
        if (!t.is_floating_point()) continue;
        torch::Tensor corrupted = t + magnitude_;
        // Bit for bit: equal values with other bits (a NaN, -0) still count.
        t = std::move(corrupted);
      }
    };
  }

 private:
  int64_t step_;
  std::string node_;
  double magnitude_;
  bool serves_;
  bool opens_;
  bool changed_ = false;  // the corruption changed a bit of the state its step produced
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeCorruptNodeSolver(
    const nlohmann::json& params) {
  BehaviourParams p("corrupt-node", params);
  VT_RETURN_IF_ERROR(p.Only({"step", "node", "magnitude", "dispute_data", "real_trace"}));
  auto node = params.find("node");
  if (!params.contains("step")) {
    return Status::InvalidArgument("corrupt-node.step: required (the step to corrupt)");
  }
  VT_ASSIGN_OR_RETURN(int64_t step, p.Int("step", 0, 0, kMaxBehaviourPosition));
  if (node == params.end() || !node->is_string() || node->get<std::string>().empty()) {
    return Status::InvalidArgument("corrupt-node.node: required, the name of a step-graph node");
  }
  VT_ASSIGN_OR_RETURN(double magnitude, p.Number("magnitude", 1.0, -1e30, 1e30));
  if (magnitude == 0) return Status::InvalidArgument("corrupt-node.magnitude must not be 0");
  VT_ASSIGN_OR_RETURN(std::string data, p.Choice("dispute_data", "serve", {"serve", "withhold"}));
  VT_ASSIGN_OR_RETURN(std::string real, p.Choice("real_trace", "open", {"open", "withhold"}));
  return std::unique_ptr<SolverBehaviour>(new CorruptNodeSolver(
      step, node->get<std::string>(), magnitude, data == "serve", real == "open"));
}

}  // namespace veritrain
