// shutdown (submitter → arbiter request, then arbiter event, v1): the run
// is over; every role finishes its current message and exits cleanly.
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct Shutdown {
  static constexpr const char* kType = "shutdown";
  static constexpr int kVersion = 1;
  std::string reason;

  nlohmann::json ToBody() const { return {{"reason", reason}}; }
  static Result<Shutdown> FromBody(const nlohmann::json& b) {
    Shutdown s;
    VT_ASSIGN_OR_RETURN(s.reason, BodyString(b, "reason"));
    return s;
  }
};

}  // namespace veritrain
