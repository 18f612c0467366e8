#include "solver/behaviours/precision_downgrade.h"

#include <torch/types.h>

#include "solver/behaviours/attack_util.h"

namespace veritrain {
namespace {

class PrecisionDowngradeSolver final : public SolverBehaviour {
 public:
  explicit PrecisionDowngradeSolver(std::string precision)
      : precision_(std::move(precision)) {}

  std::string name() const override { return "precision-downgrade"; }

  NodeHook Hook(int64_t step) override {
    const torch::ScalarType low =
        precision_ == "float16" ? torch::kHalf : torch::kBFloat16;
    return [low](size_t, const Node& node, TensorMap& outputs) {
      if (node.kind == NodeKind::kOptimizer) return;  // master weights stay
      for (auto& [name, t] : outputs) {
        if (t.is_floating_point()) t = t.to(low).to(t.scalar_type());
      }
    };
  }

  nlohmann::json Report() const override {
    return {{"steps_computed", steps_computed_},
            {"precision", precision_},
            {"emulated", true}};
  }

 private:
  const std::string precision_;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakePrecisionDowngradeSolver(
    const nlohmann::json& params) {
  BehaviourParams p("precision-downgrade", params);
  VT_RETURN_IF_ERROR(p.Only({"precision"}));
  VT_ASSIGN_OR_RETURN(std::string precision, p.Choice("precision", "bfloat16",
                                                      {"bfloat16", "float16"}));
  return std::unique_ptr<SolverBehaviour>(
      new PrecisionDowngradeSolver(precision));
}

}  // namespace veritrain
