#include "core/train/slow_job.h"

#include <chrono>
#include <utility>

namespace veritrain {
namespace {

// Evaluates `job` on `state` over and over until `ms` have passed (at
// least once); the last result.
Result<double> EvaluateFor(const TrainingJob& job, const TensorMap& state, int64_t ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  Result<double> accuracy = job.TestAccuracy(state);
  while (accuracy.ok() && std::chrono::steady_clock::now() < until) {
    accuracy = job.TestAccuracy(state);
  }
  return accuracy;
}

class SlowJob : public TrainingJob {
 public:
  SlowJob(std::unique_ptr<TrainingJob> inner, int64_t test_ms)
      : inner_(std::move(inner)), test_ms_(test_ms) {}

  const std::string& name() const override { return inner_->name(); }
  const JobConfig& config() const override { return inner_->config(); }
  TensorMap InitialState(uint64_t init_seed) const override {
    return inner_->InitialState(init_seed);
  }
  Result<TensorMap> Batch(int64_t step) const override { return inner_->Batch(step); }
  const StepGraph& graph() const override { return inner_->graph(); }
  std::vector<std::string> StateNames() const override { return inner_->StateNames(); }
  std::vector<StateTensorLayout> StateLayout() const override {
    return inner_->StateLayout();
  }
  Result<double> TestAccuracy(const TensorMap& state) const override {
    return EvaluateFor(*inner_, state, test_ms_);
  }
  Digest DatasetRoot() const override { return inner_->DatasetRoot(); }
  double StepFlops() const override { return inner_->StepFlops(); }
  std::vector<std::string> Notes() const override {
    std::vector<std::string> notes = inner_->Notes();
    notes.push_back("slow_setup_ms/slow_test_ms are set: building and evaluating the job "
                    "take longer on purpose (a test of long computations)");
    return notes;
  }

 private:
  std::unique_ptr<TrainingJob> inner_;
  int64_t test_ms_;
};

}  // namespace

Result<std::unique_ptr<TrainingJob>> WrapSlow(std::unique_ptr<TrainingJob> inner,
                                              int64_t setup_ms, int64_t test_ms) {
  if (setup_ms == 0 && test_ms == 0) return inner;
  if (setup_ms > 0) {
    VT_RETURN_IF_ERROR(
        EvaluateFor(*inner, inner->InitialState(inner->config().init_seed), setup_ms).status());
  }
  return std::unique_ptr<TrainingJob>(std::make_unique<SlowJob>(std::move(inner), test_ms));
}

}  // namespace veritrain
