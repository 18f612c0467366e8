// A plug-in job whose op throws from its 200th call in a process on: a job
// with a bug that shows only after some training. `check` steps it a few
// times and passes it; the solver's training then fails on a step. For the
// test that such a failure fails the run rather than settling as a solver
// that timed out (solver/solver.cc).
#include <torch/torch.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/train/dataset_spec.h"
#include "core/train/op_job.h"
#include "core/train/plugin.h"

namespace {

std::atomic<int> calls{0};

veritrain::Result<std::unique_ptr<veritrain::TrainingJob>> MakeJob(
    const veritrain::JobConfig& config) {
  VT_ASSIGN_OR_RETURN(
      veritrain::DatasetPair data,
      veritrain::LoadDatasetSpec({{"format", "synthetic"}, {"features", 4}, {"classes", 3},
                                  {"train_size", 64}, {"test_size", 16}},
                                 "job.dataset", config.data_seed,
                                 config.dtype == "float64" ? torch::kFloat64 : torch::kFloat32));
  veritrain::OpJobSpec spec;
  veritrain::Op fc;
  fc.name = "fc";
  fc.inputs = {"data/x"};
  fc.params = {veritrain::OpParam{"weight", {3, 4}, veritrain::ParamInit::kUniform, 0.5}};
  fc.forward = [](const std::vector<torch::Tensor>& x, const std::vector<torch::Tensor>& p) {
    if (++calls >= 200) throw std::runtime_error("the fc op failed at its 200th call");
    return torch::matmul(x[0], p[0].t());
  };
  spec.ops.push_back(std::move(fc));
  spec.train = std::move(data.train);
  spec.test = std::move(data.test);
  return veritrain::MakeOpJob(config, std::move(spec));
}

}  // namespace

VERITRAIN_PLUGIN(registry) { registry.AddJob("fails-in-training", MakeJob); }
