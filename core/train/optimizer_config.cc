#include "core/train/optimizer_config.h"

#include <cmath>
#include <limits>

#include "core/train/json_fields.h"

namespace veritrain {
namespace {

// The optimizer computes in the job's dtype, float32 for a float32
// profile, so every hyperparameter must convert to float32: beyond its
// range the first step fails ("cannot be converted to type float without
// overflow"), after the task was posted and stakes were locked.
Status WithinFloat32(const nlohmann::json& j, const std::string& path) {
  constexpr double kFloatMax = std::numeric_limits<float>::max();
  for (const char* key : {"lr", "weight_decay", "eps", "momentum"}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) continue;  // GetDouble names it
    const double v = it->get<double>();
    if (std::isfinite(v) && std::fabs(v) > kFloatMax) {
      return Status::InvalidArgument(
          (path.empty() ? std::string(key) : path + "." + key) + " is " + it->dump() +
          ", beyond float32's range (3.4e38): the optimizer computes in the job's dtype, "
          "and a float32 participant could not convert it");
    }
    // Below float32's smallest number it becomes 0 there: an lr of 1e-50
    // trained nothing, and the run was accepted.
    if (v != 0 && static_cast<float>(v) == 0.0f) {
      return Status::InvalidArgument(
          (path.empty() ? std::string(key) : path + "." + key) + " is " + it->dump() +
          ", below float32's smallest positive number (1.4e-45): the optimizer computes in "
          "the job's dtype, and a float32 participant would compute with 0");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<OptimizerConfig> OptimizerConfig::FromJson(const nlohmann::json& j,
                                                  const std::string& path) {
  VT_RETURN_IF_ERROR(RequireObject(j, path));
  VT_RETURN_IF_ERROR(WithinFloat32(j, path));
  OptimizerConfig c;
  VT_RETURN_IF_ERROR(GetString(j, "name", path, &c.name));
  if (c.name == "sgd") {
    c.lr = 0.01;
  } else if (c.name != "adam") {
    return Status::InvalidArgument(path + ".name: unknown optimizer '" +
                                   c.name + "' (known: adam, sgd)");
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  VT_RETURN_IF_ERROR(GetDouble(j, "lr", path, 0.0, true, kInf, &c.lr));
  VT_RETURN_IF_ERROR(
      GetDouble(j, "weight_decay", path, 0.0, false, kInf, &c.weight_decay));
  if (c.is_adam()) {
    VT_RETURN_IF_ERROR(RejectUnknownFields(
        j, path, {"name", "lr", "weight_decay", "beta1", "beta2", "eps"}));
    // Betas in [0, 1): a beta of 1 would make the bias correction divide
    // by zero.
    VT_RETURN_IF_ERROR(
        GetDouble(j, "beta1", path, 0.0, false, 0.999999999, &c.beta1));
    VT_RETURN_IF_ERROR(
        GetDouble(j, "beta2", path, 0.0, false, 0.999999999, &c.beta2));
    VT_RETURN_IF_ERROR(GetDouble(j, "eps", path, 0.0, true, kInf, &c.eps));
  } else {
    VT_RETURN_IF_ERROR(RejectUnknownFields(
        j, path,
        {"name", "lr", "weight_decay", "momentum", "dampening", "nesterov"}));
    // Momentum below 1: at 1 or more the velocity never decays and the
    // updates grow without bound (1.5 took them from 2.3 to 9.2e6).
    VT_RETURN_IF_ERROR(
        GetDouble(j, "momentum", path, 0.0, false, 0.999999999, &c.momentum));
    VT_RETURN_IF_ERROR(
        GetDouble(j, "dampening", path, 0.0, false, 1.0, &c.dampening));
    VT_RETURN_IF_ERROR(GetBool(j, "nesterov", path, &c.nesterov));
    if (c.nesterov && (c.momentum <= 0.0 || c.dampening != 0.0)) {
      return Status::InvalidArgument(
          path + ".nesterov requires momentum > 0 and dampening = 0");
    }
  }
  return c;
}

nlohmann::json OptimizerConfig::ToJson() const {
  nlohmann::json j = {
      {"name", name}, {"lr", lr}, {"weight_decay", weight_decay}};
  if (is_adam()) {
    j["beta1"] = beta1;
    j["beta2"] = beta2;
    j["eps"] = eps;
  } else {
    j["momentum"] = momentum;
    j["dampening"] = dampening;
    j["nesterov"] = nesterov;
  }
  return j;
}

}  // namespace veritrain
