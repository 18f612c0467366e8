// availability_challenge (verifier → arbiter request, v1): a selected
// verifier of a task being verified cannot get checkpoint `index` of the
// committed trace from the solver (not served, a bad inclusion proof, no
// answer), or got one that does not record step index·k, and asks the
// arbiter to demand it (docs/protocol.md, "Data-availability challenge";
// core/protocol/availability.h). `reason` says what went wrong (at most
// kMaxReason bytes). Asking again for the same checkpoint is how the
// verifier learns the outcome: the arbiter answers with an ack whose data
// is {"index", "state": "open" | "failed", "deadline_ms"} while the demand
// is open or after it failed, and with the delivered checkpoint itself (a
// `checkpoint` message carrying the request id) once the solver has
// delivered a valid one.
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct AvailabilityChallenge {
  static constexpr const char* kType = "availability_challenge";
  static constexpr int kVersion = 1;
  static constexpr size_t kMaxReason = 1000;
  int64_t index = 0;
  std::string reason;

  nlohmann::json ToBody() const { return {{"index", index}, {"reason", reason}}; }
  static Result<AvailabilityChallenge> FromBody(const nlohmann::json& b) {
    AvailabilityChallenge c;
    VT_ASSIGN_OR_RETURN(c.index, BodyInt(b, "index"));
    VT_ASSIGN_OR_RETURN(c.reason, BodyString(b, "reason"));
    if (c.index < 0) return Status::InvalidArgument("body field 'index' must be >= 0");
    if (c.reason.size() > kMaxReason) {
      return Status::InvalidArgument("body field 'reason' is longer than " +
                                     std::to_string(kMaxReason) + " bytes");
    }
    return c;
  }
};

}  // namespace veritrain
