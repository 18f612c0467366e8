// The optimizer of a training job and its hyper-parameters.
//
// JSON (the job's "optimizer" object):
//   {"name": "adam", "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
//    "weight_decay": 0}
//   {"name": "sgd", "lr": 0.01, "momentum": 0.9, "dampening": 0,
//    "nesterov": false, "weight_decay": 0}
// Absent fields take the values above (PyTorch's defaults, except SGD's
// momentum which defaults to 0 as in PyTorch). Semantics are PyTorch's
// torch.optim.Adam (L2 weight decay added to the gradient, no amsgrad) and
// torch.optim.SGD. Hyper-parameters belong to the task, never to the state.
//
// Thread-safety: a value.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/util/status.h"

namespace veritrain {

struct OptimizerConfig {
  std::string name = "adam";  // "adam" | "sgd"
  double lr = 1e-3;
  double weight_decay = 0.0;
  // Adam.
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  // SGD.
  double momentum = 0.0;
  double dampening = 0.0;
  bool nesterov = false;

  bool is_adam() const { return name == "adam"; }
  bool is_sgd() const { return name == "sgd"; }

  // Errors name the field under `path`: "job.optimizer.lr must be > 0",
  // "job.optimizer.name: unknown optimizer 'x' (known: adam, sgd)".
  static Result<OptimizerConfig> FromJson(
      const nlohmann::json& j, const std::string& path = "job.optimizer");
  // The fields that apply to this optimizer; FromJson(ToJson()) == *this.
  nlohmann::json ToJson() const;
};

}  // namespace veritrain
