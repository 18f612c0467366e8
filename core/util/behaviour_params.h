// Reading a participant behaviour's "params" object (a solver attack, a
// verifier's deviation) with errors that name the behaviour and the
// parameter, so that a typo in a scenario is refused, never ignored.
//
// Thread-safety: a value; const methods only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/util/status.h"

namespace veritrain {

// The largest step, interval, checkpoint or move a behaviour parameter may
// name: a task has at most this many steps (job.steps' bound), so a larger
// value names nothing, and an error quoting it reads as the task's bound
// rather than as 2^63 - 1.
inline constexpr int64_t kMaxBehaviourPosition = 100000000;

// A behaviour's "params" object. Errors read "<behaviour>.<param> ...".
class BehaviourParams {
 public:
  BehaviourParams(std::string behaviour, const nlohmann::json& params)
      : behaviour_(std::move(behaviour)), params_(params) {}

  // InvalidArgument unless params is absent (null) or an object whose
  // fields are all in `known` (naming the first other one and the known
  // ones).
  Status Only(std::initializer_list<const char*> known) const;
  // A finite number in [min, max] (min excluded when min_exclusive), or
  // `fallback` when absent.
  Result<double> Number(const char* key, double fallback, double min,
                        double max, bool min_exclusive = false) const;
  // An integer in [min, max], or `fallback` when absent.
  Result<int64_t> Int(const char* key, int64_t fallback, int64_t min,
                      int64_t max) const;
  // One of `allowed`, or `fallback` when absent.
  Result<std::string> Choice(const char* key, const std::string& fallback,
                             const std::vector<std::string>& allowed) const;
  // A non-negative integer (a seed), or `fallback` when absent.
  Result<uint64_t> Seed(const char* key, uint64_t fallback) const;

 private:
  std::string Name(const char* key) const { return behaviour_ + "." + key; }
  std::string behaviour_;
  nlohmann::json params_;
};

}  // namespace veritrain
