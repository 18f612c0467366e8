#include "core/train/torchscript_job.h"

#include <torch/torch.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/train/dataset_spec.h"
#include "core/train/job_files.h"
#include "core/train/json_fields.h"
#include "core/train/op_job.h"
#include "core/train/torchscript_model.h"

namespace veritrain {

Result<std::unique_ptr<TrainingJob>> MakeTorchScriptJob(const JobConfig& config) {
  const nlohmann::json& p = config.params;
  VT_RETURN_IF_ERROR(RequireObject(p, "job"));
  VT_RETURN_IF_ERROR(RejectUnknownFields(
      p, "job",
      {"model", "model_sha256", "dataset", "input_shape", "optimizer", "graph"}));
  if (!p.contains("model")) {
    return Status::InvalidArgument("job.model is required: the TorchScript file");
  }
  if (!p.contains("dataset")) {
    return Status::InvalidArgument(
        "job.dataset is required (see docs/bring-your-own-job.md)");
  }
  std::string model;
  VT_RETURN_IF_ERROR(GetString(p, "model", "job", &model));
  std::string sha;
  VT_RETURN_IF_ERROR(GetString(p, "model_sha256", "job", &sha));
  std::optional<Digest> expected_sha;
  if (p.contains("model_sha256")) {
    expected_sha = Digest::FromHex(sha);
    if (!expected_sha) {
      return Status::InvalidArgument(
          "job.model_sha256 must be 64 hex digits, not \"" + sha + "\"");
    }
  }
  std::vector<int64_t> input_shape;
  VT_RETURN_IF_ERROR(GetIntList(p, "input_shape", "job", 1, &input_shape));
  std::string graph = "auto";
  VT_RETURN_IF_ERROR(GetString(p, "graph", "job", &graph));
  if (graph != "auto" && graph != "whole") {
    return Status::InvalidArgument("job.graph must be \"auto\" or \"whole\", not \"" +
                                   graph + "\"");
  }
  const torch::ScalarType dtype =
      config.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;

  const std::string path = ResolveJobFile(model);
  auto loaded = LoadScriptOps(
      path, dtype, graph == "auto" ? ScriptGraphMode::kAuto : ScriptGraphMode::kWhole,
      "data/x", expected_sha);
  if (!loaded.ok()) {
    const bool sha = loaded.status().code() == Status::Code::kFailedPrecondition;
    return loaded.status().WithContext(sha ? "job.model_sha256" : "job.model");
  }
  VT_ASSIGN_OR_RETURN(DatasetPair data, LoadDatasetSpec(p["dataset"], "job.dataset",
                                                        config.data_seed, dtype));
  OpJobSpec spec;
  spec.ops = std::move(loaded->ops);
  spec.given_params = std::move(loaded->params);
  spec.train = std::move(data.train);
  spec.test = std::move(data.test);
  spec.input_shape = std::move(input_shape);
  spec.notes = std::move(loaded->notes);
  return MakeOpJob(config, std::move(spec));
}

}  // namespace veritrain
