// heartbeat (arbiter event, v1): published periodically. A subscriber that
// has received one knows its subscription is live (ZeroMQ drops PUB
// messages sent before a SUB connects), and it carries the arbiter's clock.
#pragma once

#include "core/wire/body_fields.h"

namespace veritrain {

struct Heartbeat {
  static constexpr const char* kType = "heartbeat";
  static constexpr int kVersion = 1;
  int64_t beat = 0;

  nlohmann::json ToBody() const { return {{"beat", beat}}; }
  static Result<Heartbeat> FromBody(const nlohmann::json& b) {
    Heartbeat h;
    VT_ASSIGN_OR_RETURN(h.beat, BodyInt(b, "beat"));
    return h;
  }
};

}  // namespace veritrain
