#include "core/role/role_config.h"

#include <fstream>
#include <sstream>

#include "core/state/atomic_file.h"
#include "core/util/json_depth.h"
#include "core/wire/body_fields.h"

namespace veritrain {

nlohmann::json RoleConfig::ToJson() const {
  nlohmann::json j = {{"name", name},
                      {"role", role},
                      {"behaviour", behaviour},
                      {"behaviour_params", behaviour_params},
                      {"profile", profile},
                      {"identity_file", identity_file},
                      {"roster", roster},
                      {"arbiter_requests", arbiter_requests},
                      {"arbiter_events", arbiter_events},
                      {"serve_endpoint", serve_endpoint},
                      {"work_dir", work_dir},
                      {"out_dir", out_dir},
                      {"seed", seed},
                      {"settings", settings},
                      {"plugins", plugins},
                      {"job_dir", job_dir},
                      {"network", network},
                      {"crash", crash},
                      {"restarts", restarts},
                      {"run_id", run_id}};
  if (disk_free_bytes >= 0) j["disk_free_bytes"] = disk_free_bytes;
  if (curve()) {
    j["curve"] = {{"key_file", curve_key_file},
                  {"arbiter", curve_arbiter},
                  {"public_keys", curve_public_keys}};
  }
  return j;
}

Result<RoleConfig> RoleConfig::FromJson(const nlohmann::json& j) {
  RoleConfig c;
  VT_ASSIGN_OR_RETURN(c.name, BodyString(j, "name"));
  VT_ASSIGN_OR_RETURN(c.role, BodyString(j, "role"));
  VT_ASSIGN_OR_RETURN(c.behaviour, BodyString(j, "behaviour"));
  VT_ASSIGN_OR_RETURN(c.behaviour_params, BodyObject(j, "behaviour_params"));
  VT_ASSIGN_OR_RETURN(c.profile, BodyObject(j, "profile"));
  VT_ASSIGN_OR_RETURN(c.identity_file, BodyString(j, "identity_file"));
  VT_ASSIGN_OR_RETURN(auto roster, BodyObject(j, "roster"));
  for (const auto& [k, v] : roster.items()) {
    if (!v.is_string()) {
      return Status::InvalidArgument("roster entry '" + k + "' must be a hex key");
    }
    c.roster[k] = v.get<std::string>();
  }
  VT_ASSIGN_OR_RETURN(c.arbiter_requests, BodyString(j, "arbiter_requests"));
  VT_ASSIGN_OR_RETURN(c.arbiter_events, BodyString(j, "arbiter_events"));
  VT_ASSIGN_OR_RETURN(c.serve_endpoint, BodyString(j, "serve_endpoint"));
  VT_ASSIGN_OR_RETURN(c.work_dir, BodyString(j, "work_dir"));
  VT_ASSIGN_OR_RETURN(c.out_dir, BodyString(j, "out_dir"));
  VT_ASSIGN_OR_RETURN(int64_t seed, BodyInt(j, "seed"));
  c.seed = static_cast<uint64_t>(seed);
  VT_ASSIGN_OR_RETURN(c.settings, BodyObject(j, "settings"));
  if (j.contains("plugins")) {
    VT_ASSIGN_OR_RETURN(c.plugins, BodyStrings(j, "plugins"));
  }
  if (j.contains("job_dir")) {
    VT_ASSIGN_OR_RETURN(c.job_dir, BodyString(j, "job_dir"));
  }
  if (j.contains("network")) {
    VT_ASSIGN_OR_RETURN(c.network, BodyObject(j, "network"));
  }
  if (j.contains("crash") && !j["crash"].is_null()) {
    VT_ASSIGN_OR_RETURN(c.crash, BodyObject(j, "crash"));
  }
  if (j.contains("restarts")) {
    VT_ASSIGN_OR_RETURN(c.restarts, BodyInt(j, "restarts"));
  }
  if (j.contains("run_id")) {
    VT_ASSIGN_OR_RETURN(c.run_id, BodyString(j, "run_id"));
  }
  if (j.contains("disk_free_bytes")) {
    VT_ASSIGN_OR_RETURN(c.disk_free_bytes, BodyInt(j, "disk_free_bytes"));
    if (c.disk_free_bytes < 0) {
      return Status::InvalidArgument("disk_free_bytes must be >= 0, not " +
                                     std::to_string(c.disk_free_bytes));
    }
  }
  VT_RETURN_IF_ERROR(c.Faults().status());
  VT_RETURN_IF_ERROR(c.Retry().status());
  if (j.contains("curve")) {
    VT_ASSIGN_OR_RETURN(auto curve, BodyObject(j, "curve"));
    VT_ASSIGN_OR_RETURN(c.curve_key_file, BodyString(curve, "key_file"));
    VT_ASSIGN_OR_RETURN(c.curve_arbiter, BodyString(curve, "arbiter"));
    VT_ASSIGN_OR_RETURN(auto keys, BodyObject(curve, "public_keys"));
    for (const auto& [k, v] : keys.items()) {
      if (!v.is_string()) {
        return Status::InvalidArgument("curve.public_keys entry '" + k +
                                       "' must be a Z85 key");
      }
      c.curve_public_keys[k] = v.get<std::string>();
    }
    if (c.curve_public_keys.count(c.curve_arbiter) == 0) {
      return Status::InvalidArgument("curve.public_keys has no key for the arbiter '" +
                                     c.curve_arbiter + "'");
    }
  }
  return c;
}

Result<FaultPlan> RoleConfig::Faults() const {
  return FaultPlan::FromJson(network.value("faults", nlohmann::json::object()));
}

Result<RetryPolicy> RoleConfig::Retry() const {
  return RetryPolicy::FromJson(network.value("retry", nlohmann::json::object()));
}

Result<RoleConfig> RoleConfig::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("role config " + path + " cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(ss.str(), "role config " + path));
  auto j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::InvalidArgument("role config " + path + " is not valid JSON");
  }
  auto c = FromJson(j);
  if (!c.ok()) return c.status().WithContext("role config " + path);
  return c;
}

Status RoleConfig::Save(const std::string& path) const {
  std::string text = ToJson().dump(2) + "\n";
  return WriteFileAtomically(path, {text});
}

Result<KeyDirectory> RoleConfig::Keys() const {
  KeyDirectory keys;
  for (const auto& [name, hex] : roster) {
    auto key = PublicKey::FromHex(hex);
    if (!key) {
      return Status::InvalidArgument("roster key of '" + name + "' is not 64 hex digits");
    }
    keys.Add(name, *key);
  }
  return keys;
}

Result<std::optional<RoleCurve>> RoleCurveOf(const RoleConfig& config) {
  if (!config.curve()) return std::optional<RoleCurve>();
  VT_ASSIGN_OR_RETURN(RoleCurve curve, RoleCurve::FromKeys(config.name, config.curve_key_file,
                                                           config.curve_public_keys,
                                                           config.curve_arbiter));
  return std::optional<RoleCurve>(std::move(curve));
}

}  // namespace veritrain
