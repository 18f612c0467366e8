#include "solver/behaviours/random_weights.h"

#include <string>
#include <utility>

#include "core/train/rng.h"
#include "solver/behaviours/attack_util.h"

namespace veritrain {
namespace {

class RandomWeightsSolver final : public SolverBehaviour {
 public:
  // REQUIRES: initial is "task" or "random".
  explicit RandomWeightsSolver(std::string initial) : initial_(std::move(initial)) {}
  std::string name() const override { return "random-weights"; }

  Status Begin(const TrainingJob& job, const TaskContext& task) override {
    seed_ = DeriveSeed(task.seed, "random-weights/" + task.task);
    return Status::Ok();
  }

  // No training: only the step counter moves.
  Result<TensorMap> Step(const TrainingJob& job,
                         TensorMap state) override {
    return SkipStep(state);
  }

  Result<TensorMap> Commit(const TrainingJob& job, int64_t index,
                           TensorMap state) override {
    // Checkpoint 0 is the task's initial state unless `initial` is
    // "random": then the trace starts from weights of the solver's choosing,
    // which only the check of checkpoint 0 against the task can catch.
    if (index == 0 && initial_ == "task") return state;
    VT_ASSIGN_OR_RETURN(int64_t step, StepOf(state));
    return WithStep(
        job.InitialState(DeriveSeed(seed_, static_cast<uint64_t>(index))),
        step);
  }

 private:
  std::string initial_;
  uint64_t seed_ = 0;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeRandomWeightsSolver(
    const nlohmann::json& params) {
  BehaviourParams p("random-weights", params);
  VT_RETURN_IF_ERROR(p.Only({"initial"}));
  VT_ASSIGN_OR_RETURN(std::string initial, p.Choice("initial", "task", {"task", "random"}));
  return std::unique_ptr<SolverBehaviour>(new RandomWeightsSolver(std::move(initial)));
}

}  // namespace veritrain
