#include "solver/behaviours/line_spoof.h"

#include "solver/behaviours/attack_util.h"

namespace veritrain {

Status LineSpoofSolver::Begin(const TrainingJob& job, const TaskContext& task) {
  seed_used_ =
      source_ ? *source_ : OtherDataSeed(task.job.data_seed, "stolen-model");
  VT_ASSIGN_OR_RETURN(auto other, JobWithDataSeed(task.job, seed_used_));
  start_ = job.InitialState(task.job.init_seed);
  VT_ASSIGN_OR_RETURN(auto trace,
                      HonestTrace(*other, start_, task.steps, task.steps));
  target_ = trace.back();
  target_steps_ = task.steps;
  intervals_ = task.steps / task.checkpoint_interval;
  segment_l2_ =
      ParamUpdateNorm(start_, target_) / static_cast<double>(intervals_);
  return Status::Ok();
}

Result<TensorMap> LineSpoofSolver::Step(const TrainingJob& job,
                                        TensorMap state) {
  return SkipStep(state);
}

Result<TensorMap> LineSpoofSolver::Commit(const TrainingJob& job, int64_t index,
                                          TensorMap state) {
  if (index == 0) return state;
  VT_ASSIGN_OR_RETURN(int64_t step, StepOf(state));
  return WithStep(
      Lerp(start_, target_,
           static_cast<double>(index) / static_cast<double>(intervals_)),
      step);
}

nlohmann::json LineSpoofSolver::ClaimedOptimizer(
    int64_t index, const nlohmann::json& task_optimizer) {
  if (!claimed_lr_) return task_optimizer;
  nlohmann::json claimed = task_optimizer;
  claimed["lr"] = *claimed_lr_;
  return claimed;
}

nlohmann::json LineSpoofSolver::Report() const {
  nlohmann::json r = {{"steps_computed", steps_computed_},
                      {"target_steps", target_steps_},
                      {"target_data_seed", seed_used_},
                      {"segment_l2", segment_l2_}};
  if (claimed_lr_) r["claimed_lr"] = *claimed_lr_;
  return r;
}

}  // namespace veritrain
