#include "solver/behaviours/withhold.h"

#include <cstdint>

#include "core/util/behaviour_params.h"

namespace veritrain {
namespace {

class WithholdSolver final : public SolverBehaviour {
 public:
  WithholdSolver(std::string how, int64_t from) : how_(std::move(how)), from_(from) {}
  std::string name() const override { return "withhold"; }
  // A wrong step counter is a wrong trace; withheld checkpoints are not.
  bool TrainsHonestly() const override { return how_ != "wrong-step"; }

  CheckpointServing ServesCheckpoint(int64_t index, bool to_arbiter) override {
    if (index < from_) return CheckpointServing::kServe;
    if (how_ == "verifiers") {
      return to_arbiter ? CheckpointServing::kServe : CheckpointServing::kRefuse;
    }
    if (how_ == "refuse") return CheckpointServing::kRefuse;
    if (how_ == "bad-proof") return CheckpointServing::kBadProof;
    if (how_ == "unreachable") return CheckpointServing::kSilent;
    return CheckpointServing::kServe;  // wrong-step: what it committed
  }

  Status Begin(const TrainingJob& job, const TaskContext& task) override {
    k_ = task.checkpoint_interval;
    return Status::Ok();
  }

  Result<TensorMap> Commit(const TrainingJob& job, int64_t index, TensorMap state) override {
    if (how_ != "wrong-step" || index < from_) return state;
    // The committed state records step index·k + 1; training goes on from
    // it, so the counter stays one step ahead at every later checkpoint.
    auto it = state.find("meta/step");
    if (it != state.end()) it->second = it->second.clone().fill_(index * k_ + 1);
    return state;
  }

 private:
  std::string how_;
  int64_t from_;
  int64_t k_ = 1;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeWithholdSolver(const nlohmann::json& params) {
  BehaviourParams p("withhold", params);
  VT_RETURN_IF_ERROR(p.Only({"how", "from_index"}));
  VT_ASSIGN_OR_RETURN(std::string how,
                      p.Choice("how", "refuse", {"refuse", "bad-proof", "unreachable", "wrong-step", "verifiers"}));
  VT_ASSIGN_OR_RETURN(int64_t from, WithholdFromIndex(params));
  return std::unique_ptr<SolverBehaviour>(new WithholdSolver(how, from));
}

Result<int64_t> WithholdFromIndex(const nlohmann::json& params) {
  return BehaviourParams("withhold", params).Int("from_index", 1, 1, kMaxBehaviourPosition);
}

Status WithholdFromIndexFits(int64_t from_index, int64_t intervals) {
  if (from_index <= intervals) return Status::Ok();
  return Status::InvalidArgument("withhold.from_index " + std::to_string(from_index) +
                                 " is past the task's last checkpoint (" +
                                 std::to_string(intervals) + "): the solver would never "
                                 "withhold anything");
}

}  // namespace veritrain
