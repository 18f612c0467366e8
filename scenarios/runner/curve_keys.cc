#include "scenarios/runner/curve_keys.h"

#include <filesystem>

namespace veritrain {

namespace fs = std::filesystem;

std::string CurveKeysDir(const Scenario& scenario) {
  const std::string& keys = scenario.network.curve.keys;
  if (keys == "generate") return "";
  fs::path dir(keys);
  if (dir.is_relative() && !scenario.source_dir.empty()) {
    dir = fs::path(scenario.source_dir) / dir;
  }
  return dir.lexically_normal().string();
}

Result<std::map<std::string, CurveKeyPair>> RunCurveKeys(
    const Scenario& scenario, const std::vector<std::string>& names) {
  std::map<std::string, CurveKeyPair> out;
  if (!scenario.network.curve.enabled) return out;
  if (!CurveAvailable()) {
    return Status::FailedPrecondition(
        "network.curve: this libzmq was built without CURVE");
  }
  const std::string dir = CurveKeysDir(scenario);
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    return Status::NotFound("network.curve.keys: " + dir + " is not a directory");
  }
  std::map<std::string, std::string> owner;  // public key -> name
  for (const std::string& name : names) {
    CurveKeyPair pair;
    if (dir.empty()) {
      VT_ASSIGN_OR_RETURN(pair, CurveKeyPair::Generate());
    } else {
      auto loaded = LoadCurveKeyFile(dir + "/" + name + ".curve");
      if (!loaded.ok()) {
        return loaded.status().WithContext("network.curve.keys: the key pair of '" + name + "'");
      }
      pair = *loaded;
    }
    auto [it, fresh] = owner.emplace(pair.public_key, name);
    if (!fresh) {
      return Status::InvalidArgument("network.curve.keys: '" + it->second + "' and '" + name +
                                     "' have the same CURVE public key");
    }
    out[name] = pair;
  }
  return out;
}

}  // namespace veritrain
