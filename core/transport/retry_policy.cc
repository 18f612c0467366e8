#include "core/transport/retry_policy.h"

#include <algorithm>

#include "core/wire/body_fields.h"

namespace veritrain {

int64_t RetryPolicy::BackoffMs(int attempt) const {
  int64_t ms = initial_ms;
  for (int i = 1; i < attempt && ms < max_ms; ++i) ms *= 2;
  return std::min(ms, max_ms);
}

nlohmann::json RetryPolicy::ToJson() const {
  return {{"initial_ms", initial_ms},
          {"max_ms", max_ms},
          {"heartbeat_ms", heartbeat_ms},
          {"silence_ms", silence_ms}};
}

Result<RetryPolicy> RetryPolicy::FromJson(const nlohmann::json& j) {
  RetryPolicy p;
  if (!j.is_object()) return Status::InvalidArgument("retry: must be an object");
  for (auto [name, out, min] : {std::tuple{"initial_ms", &p.initial_ms, int64_t{1}},
                                std::tuple{"max_ms", &p.max_ms, int64_t{1}},
                                std::tuple{"heartbeat_ms", &p.heartbeat_ms, int64_t{0}},
                                std::tuple{"silence_ms", &p.silence_ms, int64_t{1}}}) {
    if (!j.contains(name)) continue;
    VT_ASSIGN_OR_RETURN(*out, BodyInt(j, name));
    if (*out < min) {
      return Status::InvalidArgument(std::string("retry.") + name + ": must be at least " +
                                     std::to_string(min));
    }
  }
  if (p.max_ms < p.initial_ms) {
    return Status::InvalidArgument("retry.max_ms: must not be below retry.initial_ms");
  }
  if (p.heartbeat_ms > 0 && p.heartbeat_ms >= p.silence_ms) {
    // Otherwise every participant, however alive, is taken for silent.
    return Status::InvalidArgument("retry.heartbeat_ms: must be below retry.silence_ms (" +
                                   std::to_string(p.silence_ms) + ")");
  }
  return p;
}

}  // namespace veritrain
