// RetryPolicy: how a requester resends a request that has had no reply,
// and how often a participant tells the arbiter it is alive.
//
// A request is resent after initial_ms, then after twice as long each time,
// up to max_ms between attempts, until its reply arrives (each resend is a
// new message with the same request id; see core/wire/message.h). Resends
// never give up on their own: the protocol's deadlines and game clocks
// bound how long waiting can matter.
//
// Thread-safety: value type.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/util/status.h"

namespace veritrain {

struct RetryPolicy {
  int64_t initial_ms = 250;
  int64_t max_ms = 4000;
  int64_t heartbeat_ms = 500;  // participant → arbiter "I am alive"; 0: none
  int64_t silence_ms = 10000;  // no message for this long: the peer is silent

  // The wait before attempt `attempt` (1 = the first resend).
  int64_t BackoffMs(int attempt) const;

  nlohmann::json ToJson() const;
  // Missing fields keep their defaults; InvalidArgument naming a field that
  // is not a positive integer (heartbeat_ms may be 0), or heartbeat_ms not
  // below silence_ms.
  static Result<RetryPolicy> FromJson(const nlohmann::json& j);
};

}  // namespace veritrain
