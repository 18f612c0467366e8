#include "solver/behaviours/replay.h"

#include <optional>
#include <vector>

#include "core/train/torch_bridge.h"
#include "solver/behaviours/attack_util.h"

namespace veritrain {
namespace {

class ReplaySolver final : public SolverBehaviour {
 public:
  explicit ReplaySolver(std::optional<uint64_t> source) : source_(source) {}

  std::string name() const override { return "replay"; }

  // Replaying the task's own data order is the honest training: its trace
  // is the task's, however it was come by.
  // So is replaying another data order that draws the very same batches
  // (a one-row dataset, say): the steps, and so the trace, are the task's.
  bool TrainsHonestly() const override { return begun_ && same_batches_; }

  Status Begin(const TrainingJob& job, const TaskContext& task) override {
    begun_ = true;
    own_seed_ = task.job.data_seed;
    seed_used_ =
        source_ ? *source_ : OtherDataSeed(task.job.data_seed, "replay");
    VT_ASSIGN_OR_RETURN(auto other, JobWithDataSeed(task.job, seed_used_));
    VT_ASSIGN_OR_RETURN(
        trace_, HonestTrace(*other, job.InitialState(task.job.init_seed),
                            task.steps, task.checkpoint_interval));
    replayed_steps_ = task.steps;
    same_batches_ = true;
    for (int64_t step = 0; seed_used_ != own_seed_ && step < task.steps; ++step) {
      VT_ASSIGN_OR_RETURN(TensorMap theirs, other->Batch(step));
      VT_ASSIGN_OR_RETURN(TensorMap ours, job.Batch(step));
      if (!BitEqual(theirs, ours)) {
        same_batches_ = false;
        break;
      }
    }
    return Status::Ok();
  }

  Result<TensorMap> Step(const TrainingJob& job,
                         TensorMap state) override {
    return SkipStep(state);
  }

  Result<TensorMap> Commit(const TrainingJob& job, int64_t index,
                           TensorMap state) override {
    if (index < 0 || index >= static_cast<int64_t>(trace_.size())) {
      return Status::Internal("replay: no checkpoint " + std::to_string(index) +
                              " to replay");
    }
    return trace_[static_cast<size_t>(index)];
  }

  nlohmann::json Report() const override {
    return {{"steps_computed", steps_computed_},
            {"replayed_steps", replayed_steps_},
            {"source_data_seed", seed_used_}};
  }

 private:
  const std::optional<uint64_t> source_;
  bool begun_ = false;
  uint64_t own_seed_ = 0;
  uint64_t seed_used_ = 0;
  int64_t replayed_steps_ = 0;
  bool same_batches_ = false;
  std::vector<TensorMap> trace_;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeReplaySolver(
    const nlohmann::json& params) {
  BehaviourParams p("replay", params);
  VT_RETURN_IF_ERROR(p.Only({"source_data_seed"}));
  std::optional<uint64_t> source;
  if (params.is_object() && params.contains("source_data_seed")) {
    VT_ASSIGN_OR_RETURN(source, p.Seed("source_data_seed", 0));
  }
  return std::unique_ptr<SolverBehaviour>(new ReplaySolver(source));
}

}  // namespace veritrain
