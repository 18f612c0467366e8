#include "core/train/job_config.h"

#include "core/train/json_fields.h"

namespace veritrain {

namespace {
constexpr const char* kCommonFields[] = {"name",      "steps",     "batch_size",
                                         "init_seed", "data_seed", "dtype"};
}  // namespace

Result<JobConfig> JobConfig::FromJson(const nlohmann::json& j) {
  const std::string path = "job";
  VT_RETURN_IF_ERROR(RequireObject(j, path));
  JobConfig c;
  if (!j.contains("name")) {
    return Status::InvalidArgument("job.name is required");
  }
  VT_RETURN_IF_ERROR(GetString(j, "name", path, &c.name));
  if (c.name.empty()) return Status::InvalidArgument("job.name is empty");
  VT_RETURN_IF_ERROR(GetInt(j, "steps", path, 0, int64_t{1} << 40, &c.steps));
  VT_RETURN_IF_ERROR(
      GetInt(j, "batch_size", path, 1, int64_t{1} << 24, &c.batch_size));
  VT_RETURN_IF_ERROR(GetUint64(j, "init_seed", path, &c.init_seed));
  VT_RETURN_IF_ERROR(GetUint64(j, "data_seed", path, &c.data_seed));
  VT_RETURN_IF_ERROR(GetString(j, "dtype", path, &c.dtype));
  if (c.dtype != "float32" && c.dtype != "float64") {
    return Status::InvalidArgument(
        "job.dtype must be \"float32\" or "
        "\"float64\", not \"" +
        c.dtype + "\"");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool common = false;
    for (const char* k : kCommonFields) common = common || it.key() == k;
    if (!common) c.params[it.key()] = it.value();
  }
  VT_RETURN_IF_ERROR(c.Optimizer().status());
  return c;
}

nlohmann::json JobConfig::ToJson() const {
  nlohmann::json j = params.is_object() ? params : nlohmann::json::object();
  j["name"] = name;
  j["steps"] = steps;
  j["batch_size"] = batch_size;
  j["init_seed"] = init_seed;
  j["data_seed"] = data_seed;
  j["dtype"] = dtype;
  return j;
}

Result<OptimizerConfig> JobConfig::Optimizer() const {
  if (!params.is_object() || !params.contains("optimizer")) {
    return OptimizerConfig();
  }
  return OptimizerConfig::FromJson(params["optimizer"], "job.optimizer");
}

}  // namespace veritrain
