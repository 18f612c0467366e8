#include "solver/behaviours/lazy.h"

#include <cmath>

#include "core/train/rng.h"
#include "solver/behaviours/attack_util.h"

namespace veritrain {
namespace {

class LazySolver final : public SolverBehaviour {
 public:
  LazySolver(double fraction, std::string pattern)
      : fraction_(fraction), pattern_(std::move(pattern)) {}

  std::string name() const override { return "lazy"; }

  // A fraction too small to skip a single step leaves the honest training.
  bool TrainsHonestly() const override { return skipped_ == 0; }

  Status Begin(const TrainingJob& job, const TaskContext& task) override {
    skipped_ = 0;
    seed_ = DeriveSeed(task.seed, "lazy/" + task.task);
    first_skipped_ =
        task.steps - static_cast<int64_t>(std::ceil(fraction_ * task.steps));
    return Status::Ok();
  }

  Result<TensorMap> Step(const TrainingJob& job,
                         TensorMap state) override {
    VT_ASSIGN_OR_RETURN(int64_t step, StepOf(state));
    bool skip;
    if (pattern_ == "tail") {
      skip = step >= first_skipped_;
    } else {
      SplitMix64 rng(DeriveSeed(seed_, static_cast<uint64_t>(step)));
      skip = rng.NextDouble() < fraction_;
    }
    if (!skip) return SolverBehaviour::Step(job, std::move(state));
    ++skipped_;
    return WithStep(state, step + 1);
  }

  nlohmann::json Report() const override {
    return {{"steps_computed", steps_computed_},
            {"steps_skipped", skipped_},
            {"fraction", fraction_},
            {"pattern", pattern_}};
  }

 private:
  const double fraction_;
  const std::string pattern_;
  uint64_t seed_ = 0;
  int64_t first_skipped_ = 0;
  int64_t skipped_ = 0;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeLazySolver(
    const nlohmann::json& params) {
  BehaviourParams p("lazy", params);
  VT_RETURN_IF_ERROR(p.Only({"fraction", "pattern"}));
  VT_ASSIGN_OR_RETURN(double fraction,
                      p.Number("fraction", 0.5, 0, 1, /*min_exclusive=*/true));
  VT_ASSIGN_OR_RETURN(std::string pattern,
                      p.Choice("pattern", "random", {"random", "tail"}));
  return std::unique_ptr<SolverBehaviour>(new LazySolver(fraction, pattern));
}

}  // namespace veritrain
