#include "solver/behaviours/stall.h"

namespace veritrain {
namespace {

class StallSolver final : public SolverBehaviour {
 public:
  explicit StallSolver(int64_t after) : after_(after) {}
  std::string name() const override { return "stall"; }
  bool AnswersGameMove(int64_t move) override { return move < after_; }

 private:
  int64_t after_;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeStallSolver(
    const nlohmann::json& params) {
  auto after = params.find("after_moves");
  if (after != params.end() &&
      (!after->is_number_integer() || after->get<int64_t>() < 0)) {
    return Status::InvalidArgument(
        "stall: params.after_moves must be an integer >= 0");
  }
  return std::unique_ptr<SolverBehaviour>(
      new StallSolver(after == params.end() ? 0 : after->get<int64_t>()));
}

}  // namespace veritrain
