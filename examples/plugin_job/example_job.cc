// An example C++ training job, built as a veritrain plug-in.
//
// The job "example-rings" trains a small residual network on a CSV dataset
// (by default the three concentric rings next to this file):
//
//   fc1    linear 2 -> hidden
//   swish  h * sigmoid(h), written here with plain tensor ops
//   fc2    linear hidden -> hidden
//   res    fc1 + fc2 (a residual add: fc1's output feeds two ops)
//   head   linear hidden -> classes
//
// Each op becomes a forward and a backward node of the step graph
// (core/train/op_graph.h), so a dispute about this job ends at one of them.
// Job fields: dataset (core/train/dataset_spec.h; required), hidden (16),
// classes (3), optimizer (core/train/optimizer_config.h).
//
// Build: see CMakeLists.txt next to this file. Load: list the library in a
// scenario's "plugins" (by name, "veritrain_example_job", or by path), or
// pass `--plugin path/to/libveritrain_example_job.so` to `veritrain run`.
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/train/dataset_spec.h"
#include "core/train/json_fields.h"
#include "core/train/op_job.h"
#include "core/train/plugin.h"

namespace example {

using veritrain::JobConfig;
using veritrain::Op;
using veritrain::OpParam;
using veritrain::ParamInit;
using veritrain::Result;
using veritrain::Status;
using veritrain::TrainingJob;
using Tensors = std::vector<torch::Tensor>;

Op Linear(const std::string& name, const std::string& input, int64_t in,
          int64_t out) {
  Op op;
  op.name = name;
  op.inputs = {input};
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  op.params = {OpParam{"weight", {out, in}, ParamInit::kUniform, bound},
               OpParam{"bias", {out}, ParamInit::kUniform, bound}};
  op.forward = [](const Tensors& x, const Tensors& p) {
    return torch::linear(x[0], p[0], p[1]);
  };
  // forward_flops left at 0: the job estimates it from the first batch.
  return op;
}

Result<std::unique_ptr<TrainingJob>> MakeRingsJob(const JobConfig& config) {
  const nlohmann::json& p = config.params;
  VT_RETURN_IF_ERROR(veritrain::RequireObject(p, "job"));
  VT_RETURN_IF_ERROR(veritrain::RejectUnknownFields(
      p, "job", {"dataset", "hidden", "classes", "optimizer"}));
  int64_t hidden = 16;
  int64_t classes = 3;
  VT_RETURN_IF_ERROR(veritrain::GetInt(p, "hidden", "job", 1, 4096, &hidden));
  VT_RETURN_IF_ERROR(veritrain::GetInt(p, "classes", "job", 2, 4096, &classes));
  if (!p.contains("dataset")) {
    return Status::InvalidArgument("job.dataset is required");
  }
  const auto dtype =
      config.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  VT_ASSIGN_OR_RETURN(veritrain::DatasetPair data,
                      veritrain::LoadDatasetSpec(p["dataset"], "job.dataset",
                                                 config.data_seed, dtype));
  const int64_t features = data.train.x.size(1);

  veritrain::OpJobSpec spec;
  spec.ops.push_back(Linear("fc1", "data/x", features, hidden));
  Op swish;
  swish.name = "swish";
  swish.inputs = {"act/fc1"};
  swish.forward = [](const Tensors& x, const Tensors&) {
    return x[0] * torch::sigmoid(x[0]);
  };
  spec.ops.push_back(std::move(swish));
  spec.ops.push_back(Linear("fc2", "act/swish", hidden, hidden));
  Op res;
  res.name = "res";
  res.inputs = {"act/fc1", "act/fc2"};
  res.forward = [](const Tensors& x, const Tensors&) { return x[0] + x[1]; };
  spec.ops.push_back(std::move(res));
  spec.ops.push_back(Linear("head", "act/res", hidden, classes));
  spec.train = std::move(data.train);
  spec.test = std::move(data.test);
  return veritrain::MakeOpJob(config, std::move(spec));
}

}  // namespace example

VERITRAIN_PLUGIN(registry) { registry.AddJob("example-rings", example::MakeRingsJob); }
