// Registries of things made by name (solver and verifier behaviours): a map
// from name to factory, and the one way to look a name up, so that every
// registry refuses an unknown name alike.
//
// Thread-safety: MakeByName is as thread-safe as the factory it calls.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/util/status.h"

namespace veritrain {

template <typename T>
using NamedFactory = std::function<Result<std::unique_ptr<T>>(const nlohmann::json& params)>;

// The `what` named `name` (e.g. "solver behaviour" "honest"), made by its
// factory with `params`. InvalidArgument naming the unknown name and the
// known ones when `registry` has no `name`.
template <typename T>
Result<std::unique_ptr<T>> MakeByName(const std::map<std::string, NamedFactory<T>>& registry,
                                      const std::string& what, const std::string& name,
                                      const nlohmann::json& params) {
  auto it = registry.find(name);
  if (it == registry.end()) {
    std::string known;
    for (const auto& [n, f] : registry) known += (known.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("unknown " + what + " '" + name + "' (known: " + known + ")");
  }
  return it->second(params);
}

}  // namespace veritrain
