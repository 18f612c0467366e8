// JobConfig: the training job of a task, as the scenario's "job" object
// names it.
//
// JSON: {"name": "mlp", "steps": 300, "batch_size": 64, "init_seed": 1,
//        "data_seed": 2, "dtype": "float32", ...job-specific fields}
// The common fields are members; every other field of the object is kept in
// `params` and read by the job named (e.g. "hidden", "optimizer",
// "dataset_dir", "train_limit"), which rejects fields it does not know.
// `dtype` normally comes from the hardware profile.
//
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/train/optimizer_config.h"
#include "core/util/status.h"

namespace veritrain {

struct JobConfig {
  std::string name;  // "mlp" | "synthetic" | a registered job
  int64_t steps = 0;
  int64_t batch_size = 64;
  uint64_t init_seed = 0;
  uint64_t data_seed = 0;
  std::string dtype = "float32";  // "float32" | "float64"
  nlohmann::json params = nlohmann::json::object();

  // Errors name the field: "job.batch_size must be >= 1",
  // "job.optimizer.lr must be > 0". The optimizer, when present, is checked
  // here since every job has one.
  static Result<JobConfig> FromJson(const nlohmann::json& j);
  // The common fields merged with `params`; FromJson(ToJson()) == *this.
  nlohmann::json ToJson() const;

  // params["optimizer"] parsed, or the default (Adam, lr 1e-3) when absent.
  Result<OptimizerConfig> Optimizer() const;
};

}  // namespace veritrain
