#include "solver/behaviours/stall.h"

#include <cstdint>

#include "core/util/behaviour_params.h"

namespace veritrain {
namespace {

class StallSolver final : public SolverBehaviour {
 public:
  explicit StallSolver(int64_t after) : after_(after) {}
  std::string name() const override { return "stall"; }
  bool TrainsHonestly() const override { return true; }
  bool AnswersGameMove(int64_t move) override { return move < after_; }

 private:
  int64_t after_;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeStallSolver(
    const nlohmann::json& params) {
  BehaviourParams p("stall", params);
  VT_RETURN_IF_ERROR(p.Only({"after_moves"}));
  VT_ASSIGN_OR_RETURN(int64_t after, p.Int("after_moves", 0, 0, kMaxBehaviourPosition));
  return std::unique_ptr<SolverBehaviour>(new StallSolver(after));
}

}  // namespace veritrain
