// A plug-in job whose step depends on the process computing it: its op adds
// a constant drawn from the process id when the library loads. Two steps in
// one process agree; a step in another process does not. For the test that
// `check` steps a plug-in's job in another process too
// (scenarios/check/process_purity.h).
#include <torch/torch.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "core/train/dataset_spec.h"
#include "core/train/op_job.h"
#include "core/train/plugin.h"

namespace {

const double kDrawnAtLoad = 1e-3 * static_cast<double>(::getpid() % 1000 + 1);

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
    return torch::matmul(x[0], p[0].t()) + kDrawnAtLoad;
  };
  spec.ops.push_back(std::move(fc));
  spec.train = std::move(data.train);
  spec.test = std::move(data.test);
  return veritrain::MakeOpJob(config, std::move(spec));
}

}  // namespace

VERITRAIN_PLUGIN(registry) { registry.AddJob("process-dependent", MakeJob); }
