#include "solver/behaviours/corrupt_node.h"

namespace veritrain {
namespace {

class CorruptNodeSolver final : public SolverBehaviour {
 public:
  CorruptNodeSolver(int64_t step, std::string node, double magnitude)
      : step_(step), node_(std::move(node)), magnitude_(magnitude) {}
  std::string name() const override { return "corrupt-node"; }

  NodeHook Hook(int64_t step) override {
    if (step != step_) return nullptr;
    return [this](size_t, const Node& node, TensorMap& outputs) {
      if (node.name != node_) return;
      for (auto& [name, t] : outputs) {
        if (t.is_floating_point()) t = t + magnitude_;
      }
    };
  }

 private:
  int64_t step_;
  std::string node_;
  double magnitude_;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeCorruptNodeSolver(
    const nlohmann::json& params) {
  auto step = params.find("step");
  auto node = params.find("node");
  if (step == params.end() || !step->is_number_integer() ||
      step->get<int64_t>() < 0) {
    return Status::InvalidArgument(
        "corrupt-node: params.step must be an integer >= 0");
  }
  if (node == params.end() || !node->is_string() ||
      node->get<std::string>().empty()) {
    return Status::InvalidArgument(
        "corrupt-node: params.node must name a step-graph node");
  }
  const double magnitude = params.value("magnitude", 1.0);
  if (magnitude == 0)
    return Status::InvalidArgument(
        "corrupt-node: params.magnitude must not be 0");
  return std::unique_ptr<SolverBehaviour>(new CorruptNodeSolver(
      step->get<int64_t>(), node->get<std::string>(), magnitude));
}

}  // namespace veritrain
