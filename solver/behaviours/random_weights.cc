#include "solver/behaviours/random_weights.h"

#include "core/train/rng.h"
#include "solver/behaviours/attack_util.h"

namespace veritrain {
namespace {

class RandomWeightsSolver final : public SolverBehaviour {
 public:
  std::string name() const override { return "random-weights"; }

  Status Begin(const TrainingJob& job, const TaskContext& task) override {
    seed_ = DeriveSeed(task.seed, "random-weights/" + task.task);
    return Status::Ok();
  }

  // No training: only the step counter moves.
  Result<TensorMap> Step(const TrainingJob& job,
                         const TensorMap& state) override {
    VT_ASSIGN_OR_RETURN(int64_t step, StepOf(state));
    return WithStep(state, step + 1);
  }

  Result<TensorMap> Commit(const TrainingJob& job, int64_t index,
                           TensorMap state) override {
    if (index == 0) return state;
    VT_ASSIGN_OR_RETURN(int64_t step, StepOf(state));
    return WithStep(
        job.InitialState(DeriveSeed(seed_, static_cast<uint64_t>(index))),
        step);
  }

 private:
  uint64_t seed_ = 0;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeRandomWeightsSolver(
    const nlohmann::json& params) {
  BehaviourParams p("random-weights", params);
  VT_RETURN_IF_ERROR(p.Only({}));
  return std::unique_ptr<SolverBehaviour>(new RandomWeightsSolver());
}

}  // namespace veritrain
