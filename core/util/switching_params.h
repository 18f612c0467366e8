// The parameters of a "switching" behaviour (solver or verifier; see
// core/util/strategy_file.h and docs/market.md), checked once for both
// roles: {"strategies": {<behaviour>: <its params>, ...} (at least two,
// not "switching" itself), "initial": one of them, "file": the strategy
// file's path}. Each strategy is built with the role's own factory.
//
// Thread-safety: pure function.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/util/behaviour_params.h"
#include "core/util/status.h"

namespace veritrain {

template <typename Behaviour>
struct SwitchingParams {
  std::map<std::string, std::unique_ptr<Behaviour>> strategies;
  std::string initial;
  std::string file;
};

// `role` ("solver", "verifier") names the behaviours in the errors; `make`
// is the role's factory, Result<std::unique_ptr<Behaviour>>(name, params).
template <typename Behaviour, typename Make>
Result<SwitchingParams<Behaviour>> ParseSwitchingParams(const nlohmann::json& params,
                                                        const std::string& role, Make make) {
  const BehaviourParams p("switching", params);
  VT_RETURN_IF_ERROR(p.Only({"strategies", "initial", "file"}));
  if (!params.is_object() || !params.contains("strategies") || !params["strategies"].is_object() ||
      params["strategies"].size() < 2) {
    return Status::InvalidArgument("switching.strategies must be an object naming at least two " +
                                   role + " behaviours");
  }
  if (!params.contains("initial") || !params["initial"].is_string() ||
      !params["strategies"].contains(params["initial"].get<std::string>())) {
    return Status::InvalidArgument("switching.initial must name one of switching.strategies");
  }
  if (!params.contains("file") || !params["file"].is_string() ||
      params["file"].get<std::string>().empty()) {
    return Status::InvalidArgument("switching.file must be the path of the strategy file");
  }
  SwitchingParams<Behaviour> out;
  for (const auto& [name, inner] : params["strategies"].items()) {
    if (name == "switching") {
      return Status::InvalidArgument("switching.strategies cannot hold 'switching' itself");
    }
    auto made = make(name, inner);
    if (!made.ok()) return made.status().WithContext("switching.strategies." + name);
    out.strategies[name] = std::move(*made);
  }
  out.initial = params["initial"].get<std::string>();
  out.file = params["file"].get<std::string>();
  return out;
}

}  // namespace veritrain
