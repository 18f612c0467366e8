#include "solver/behaviour.h"

namespace veritrain {
namespace {

// Trains exactly as the task says: the job's step graph on the task's batch.
class HonestSolver final : public SolverBehaviour {
 public:
  std::string name() const override { return "honest"; }
  Result<TensorMap> Step(const TrainingJob& job, const TensorMap& state) override {
    return TrainStep(job, state);
  }
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeSolverBehaviour(
    const std::string& name, const nlohmann::json& /*params*/) {
  if (name == "honest") return std::unique_ptr<SolverBehaviour>(new HonestSolver());
  return Status::InvalidArgument("unknown solver behaviour '" + name +
                                 "' (known: honest)");
}

}  // namespace veritrain
