// goodbye (participant → arbiter request, v1): the participant has seen the
// shutdown event and is leaving. The arbiter answers with an ack, and keeps
// repeating the shutdown event until every participant still heard from
// has said goodbye (a subscriber that was reconnecting, or that lost the
// event, would otherwise never learn of it).
#pragma once

#include "core/wire/body_fields.h"

namespace veritrain {

struct Goodbye {
  static constexpr const char* kType = "goodbye";
  static constexpr int kVersion = 1;

  nlohmann::json ToBody() const { return nlohmann::json::object(); }
  static Result<Goodbye> FromBody(const nlohmann::json&) { return Goodbye{}; }
};

}  // namespace veritrain
