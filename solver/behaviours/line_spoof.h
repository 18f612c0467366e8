// The attack shared by `interpolate` and `infinitesimal`: checkpoints on the
// line from the initial state to a target model trained elsewhere, with
// claimed hyper-parameters that either match the task (interpolate) or
// claim a near-zero learning rate (infinitesimal).
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <optional>
#include <string>

#include "solver/behaviour.h"

namespace veritrain {

class LineSpoofSolver final : public SolverBehaviour {
 public:
  // claimed_lr: the learning rate claimed in every checkpoint, or nullopt
  // to claim the task's hyper-parameters.
  LineSpoofSolver(std::string name, std::optional<double> claimed_lr,
                  std::optional<uint64_t> source_data_seed)
      : name_(std::move(name)),
        claimed_lr_(claimed_lr),
        source_(source_data_seed) {}

  std::string name() const override { return name_; }
  Status Begin(const TrainingJob& job, const TaskContext& task) override;
  Result<TensorMap> Step(const TrainingJob& job,
                         TensorMap state) override;
  Result<TensorMap> Commit(const TrainingJob& job, int64_t index,
                           TensorMap state) override;
  nlohmann::json ClaimedOptimizer(
      int64_t index, const nlohmann::json& task_optimizer) override;
  nlohmann::json Report() const override;

 private:
  const std::string name_;
  const std::optional<double> claimed_lr_;
  const std::optional<uint64_t> source_;
  uint64_t seed_used_ = 0;
  int64_t intervals_ = 0;
  int64_t target_steps_ = 0;
  double segment_l2_ = 0;
  TensorMap start_, target_;
};

}  // namespace veritrain
