#include "solver/behaviours/switching.h"

#include <map>

#include "core/util/strategy_file.h"
#include "core/util/switching_params.h"

namespace veritrain {
namespace {

class SwitchingSolver final : public SolverBehaviour {
 public:
  SwitchingSolver(std::map<std::string, std::unique_ptr<SolverBehaviour>> strategies,
                  std::string initial, std::string file)
      : strategies_(std::move(strategies)), file_(std::move(file)) {
    current_ = strategies_.at(initial).get();
  }

  std::string name() const override { return current_->name(); }

  Status Begin(const TrainingJob& job, const TaskContext& task) override {
    auto named = ReadStrategyFile(file_);
    std::string strategy;
    if (named.ok()) {
      strategy = *named;
    } else if (named.status().code() != Status::Code::kNotFound) {
      return named.status();
    }
    if (!strategy.empty()) {
      auto it = strategies_.find(strategy);
      if (it == strategies_.end()) {
        return Status::InvalidArgument("switching: the strategy file " + file_ + " names '" +
                                       strategy + "', which is not one of its strategies");
      }
      current_ = it->second.get();
    }
    return current_->StartTask(job, task);
  }
  Result<TensorMap> Step(const TrainingJob& job, TensorMap state) override {
    const int64_t before = current_->steps_computed();
    auto next = current_->Step(job, std::move(state));
    steps_computed_ += current_->steps_computed() - before;
    return next;
  }
  NodeHook Hook(int64_t step) override { return current_->Hook(step); }
  bool AnswersGameMove(int64_t move) override { return current_->AnswersGameMove(move); }
  bool ServesDisputeData() override { return current_->ServesDisputeData(); }
  bool OpensRealTrace() override { return current_->OpensRealTrace(); }
  bool TrainsHonestly() const override { return current_->TrainsHonestly(); }
  CheckpointServing ServesCheckpoint(int64_t index, bool to_arbiter) override {
    return current_->ServesCheckpoint(index, to_arbiter);
  }
  Result<TensorMap> Commit(const TrainingJob& job, int64_t index, TensorMap state) override {
    return current_->Commit(job, index, std::move(state));
  }
  nlohmann::json ClaimedOptimizer(int64_t index, const nlohmann::json& task_optimizer) override {
    return current_->ClaimedOptimizer(index, task_optimizer);
  }
  nlohmann::json Report() const override { return current_->Report(); }

 private:
  std::map<std::string, std::unique_ptr<SolverBehaviour>> strategies_;
  std::string file_;
  SolverBehaviour* current_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeSwitchingSolver(const nlohmann::json& params) {
  VT_ASSIGN_OR_RETURN(auto parsed,
                      ParseSwitchingParams<SolverBehaviour>(params, "solver", MakeSolverBehaviour));
  return std::unique_ptr<SolverBehaviour>(
      new SwitchingSolver(std::move(parsed.strategies), parsed.initial, parsed.file));
}

}  // namespace veritrain
