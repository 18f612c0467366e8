#include "core/train/optimizer_config.h"

#include <limits>

#include "core/train/json_fields.h"

namespace veritrain {

Result<OptimizerConfig> OptimizerConfig::FromJson(const nlohmann::json& j,
                                                  const std::string& path) {
  VT_RETURN_IF_ERROR(RequireObject(j, path));
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
    VT_RETURN_IF_ERROR(
        GetDouble(j, "momentum", path, 0.0, false, kInf, &c.momentum));
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
