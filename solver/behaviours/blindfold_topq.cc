#include "solver/behaviours/blindfold_topq.h"

#include <torch/types.h>

#include <algorithm>
#include <limits>

#include "solver/behaviours/attack_util.h"

namespace veritrain {
namespace {

class BlindfoldTopQSolver final : public SolverBehaviour {
 public:
  BlindfoldTopQSolver(int64_t honest_intervals, double fake_scale,
                      double claimed_lr)
      : honest_(honest_intervals),
        fake_scale_(fake_scale),
        claimed_lr_(claimed_lr) {}

  std::string name() const override { return "blindfold-topq"; }

  Status Begin(const TrainingJob& job, const TaskContext& task) override {
    VT_RETURN_IF_ERROR(
        BlindfoldHonestIntervalsFit(honest_, task.steps / task.checkpoint_interval));
    honest_steps_ = honest_ * task.checkpoint_interval;
    min_honest_norm_ = std::numeric_limits<double>::infinity();
    previous_.clear();
    direction_.clear();
    return Status::Ok();
  }

  Result<TensorMap> Step(const TrainingJob& job,
                         TensorMap state) override {
    VT_ASSIGN_OR_RETURN(int64_t step, StepOf(state));
    if (step < honest_steps_) return SolverBehaviour::Step(job, std::move(state));
    return WithStep(state, step + 1);
  }

  Result<TensorMap> Commit(const TrainingJob& job, int64_t index,
                           TensorMap state) override {
    if (index == 0) {
      previous_ = state;
      return state;
    }
    if (index <= honest_) {
      const double norm = ParamUpdateNorm(previous_, state);
      min_honest_norm_ = std::min(min_honest_norm_, norm);
      if (index == honest_) {
        // The unit direction of the last honest update, per parameter.
        direction_.clear();
        for (const auto& [name, t] : state) {
          if (name.rfind("param/", 0) != 0) continue;
          direction_[name] =
              norm > 0 ? (t - previous_.at(name)) / norm : torch::zeros_like(t);
        }
      }
      previous_ = state;
      return state;
    }
    // A fabricated interval: a tiny move along the last honest direction.
    const double step_norm = fake_scale_ * min_honest_norm_;
    for (const auto& [name, d] : direction_)
      state[name] = state.at(name) + d * step_norm;
    fake_step_l2_ = step_norm;
    previous_ = state;
    return state;
  }

  nlohmann::json ClaimedOptimizer(
      int64_t index, const nlohmann::json& task_optimizer) override {
    if (index < honest_) return task_optimizer;
    nlohmann::json claimed = task_optimizer;
    claimed["lr"] = claimed_lr_;
    return claimed;
  }

  nlohmann::json Report() const override {
    return {{"steps_computed", steps_computed_},
            {"honest_intervals", honest_},
            {"fake_scale", fake_scale_},
            {"claimed_lr", claimed_lr_},
            {"smallest_honest_update_l2", min_honest_norm_},
            {"fabricated_update_l2", fake_step_l2_}};
  }

 private:
  const int64_t honest_;
  const double fake_scale_;
  const double claimed_lr_;
  int64_t honest_steps_ = 0;
  double min_honest_norm_ = 0;
  double fake_step_l2_ = 0;
  TensorMap previous_;
  TensorMap direction_;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeBlindfoldTopQSolver(
    const nlohmann::json& params) {
  BehaviourParams p("blindfold-topq", params);
  VT_RETURN_IF_ERROR(p.Only({"honest_intervals", "fake_scale", "claimed_lr"}));
  VT_ASSIGN_OR_RETURN(int64_t honest, BlindfoldHonestIntervals(params));
  VT_ASSIGN_OR_RETURN(double scale, p.Number("fake_scale", 0.01, 0, 1));
  if (scale >= 1) {
    return Status::InvalidArgument(
        "blindfold-topq.fake_scale must be smaller than 1");
  }
  VT_ASSIGN_OR_RETURN(
      double lr, p.Number("claimed_lr", 1e-12, 0, 1, /*min_exclusive=*/true));
  return std::unique_ptr<SolverBehaviour>(
      new BlindfoldTopQSolver(honest, scale, lr));
}

Result<int64_t> BlindfoldHonestIntervals(const nlohmann::json& params) {
  return BehaviourParams("blindfold-topq", params)
      .Int("honest_intervals", 1, 1, int64_t{1} << 40);
}

Status BlindfoldHonestIntervalsFit(int64_t honest, int64_t intervals) {
  if (honest < intervals) return Status::Ok();
  return Status::InvalidArgument("blindfold-topq.honest_intervals (" + std::to_string(honest) +
                                 ") must be smaller than the number of intervals (" +
                                 std::to_string(intervals) + ")");
}

}  // namespace veritrain
