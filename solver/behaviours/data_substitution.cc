#include "solver/behaviours/data_substitution.h"

#include <torch/types.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "solver/behaviours/attack_util.h"

namespace veritrain {
namespace {

class DataSubstitutionSolver final : public SolverBehaviour {
 public:
  explicit DataSubstitutionSolver(double fraction) : fraction_(fraction) {}

  std::string name() const override { return "data-substitution"; }

  // Samples substituted by identical ones (a one-sample training set, a
  // set with duplicates) change nothing: the trace is then the honest
  // training, and missing it misses nothing.
  bool TrainsHonestly() const override { return changed_ == 0; }

  Status Begin(const TrainingJob& job, const TaskContext& task) override {
    offset_ = task.steps;
    substituted_ = 0;
    changed_ = 0;
    samples_ = 0;
    return Status::Ok();
  }

  Result<TensorMap> Step(const TrainingJob& job,
                         TensorMap state) override {
    VT_ASSIGN_OR_RETURN(int64_t step, StepOf(state));
    VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(step));
    VT_ASSIGN_OR_RETURN(TensorMap other, job.Batch(step + offset_));
    try {
      // Samples are the rows of data/x. A sequence job's data/y holds a
      // label per token, flattened (seq_len rows a sample): a sample's
      // labels are its rows there.
      const int64_t size = batch.at("data/x").size(0);
      const int64_t m = std::min<int64_t>(
          size, static_cast<int64_t>(
                    std::ceil(fraction_ * static_cast<double>(size))));
      std::vector<bool> changed(static_cast<size_t>(m), false);
      for (const char* name : {"data/x", "data/y"}) {
        const int64_t rows = batch.at(name).size(0);
        if (size == 0 || rows % size != 0 || other.at(name).size(0) != rows) {
          return Status::Internal(std::string("data-substitution: ") + name + " has " +
                                  std::to_string(rows) + " rows for a batch of " +
                                  std::to_string(size) + " samples");
        }
        const int64_t per_sample = rows / size;
        const torch::Tensor mine = batch.at(name).narrow(0, 0, m * per_sample).contiguous();
        const torch::Tensor theirs = other.at(name).narrow(0, 0, m * per_sample).contiguous();
        const size_t row = m > 0 ? static_cast<size_t>(mine.nbytes()) / static_cast<size_t>(m) : 0;
        const auto* a = static_cast<const char*>(mine.data_ptr());
        const auto* b = static_cast<const char*>(theirs.data_ptr());
        for (size_t i = 0; i < changed.size(); ++i) {
          changed[i] = changed[i] || std::memcmp(a + i * row, b + i * row, row) != 0;
        }
        torch::Tensor t = batch.at(name).clone();
        t.narrow(0, 0, m * per_sample).copy_(theirs);
        batch[name] = t;
      }
      substituted_ += m;
      for (bool c : changed) changed_ += c ? 1 : 0;
      samples_ += size;
    } catch (const std::exception& e) {
      return Status::Internal(std::string("data-substitution: ") + e.what());
    }
    ++steps_computed_;
    return RunStepGraph(job.graph(), std::move(state), batch, nullptr, Hook(step));
  }

  nlohmann::json Report() const override {
    // What was asked and what was done: a whole number of samples per
    // batch, so a fraction below 1/B substitutes one sample in B.
    return {{"steps_computed", steps_computed_},
            {"fraction", fraction_},
            {"samples_substituted", substituted_},
            // Those whose substitute differs in its bytes (features or label).
            {"samples_changed", changed_},
            {"substituted_fraction",
             samples_ > 0 ? static_cast<double>(substituted_) / static_cast<double>(samples_)
                          : 0.0}};
  }

 private:
  const double fraction_;
  int64_t offset_ = 0;
  int64_t substituted_ = 0;
  int64_t changed_ = 0;
  int64_t samples_ = 0;  // in the batches trained on, substituted or not
};

}  // namespace

Result<std::unique_ptr<SolverBehaviour>> MakeDataSubstitutionSolver(
    const nlohmann::json& params) {
  BehaviourParams p("data-substitution", params);
  VT_RETURN_IF_ERROR(p.Only({"fraction"}));
  VT_ASSIGN_OR_RETURN(double fraction,
                      p.Number("fraction", 0.25, 0, 1, /*min_exclusive=*/true));
  return std::unique_ptr<SolverBehaviour>(new DataSubstitutionSolver(fraction));
}

}  // namespace veritrain
