// verdict (verifier → arbiter, v1): stage 5. Accept, or challenge the
// first interval whose re-execution disagrees. `intervals` reports every
// interval checked: {index, reason, expected, computed, match}. The cost
// report (steps re-executed, seconds) feeds the metrics. A challenge
// carries the disputed interval's two checkpoint hashes with their
// inclusion proofs in the trace root, so the arbiter can open the game on
// hashes the solver itself committed to.
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct Verdict {
  static constexpr const char* kType = "verdict";
  static constexpr int kVersion = 1;
  bool accept = true;
  int64_t disputed_interval = -1;  // -1 when accepting
  std::string reason;              // why it challenges, or "all intervals match"
  nlohmann::json intervals = nlohmann::json::array();
  int64_t steps_reexecuted = 0;
  double seconds = 0;
  nlohmann::json evidence = nlohmann::json::object();  // challenge: {start, end}: {hash, proof}

  nlohmann::json ToBody() const {
    return {{"accept", accept},
            {"disputed_interval", disputed_interval},
            {"reason", reason},
            {"intervals", intervals},
            {"steps_reexecuted", steps_reexecuted},
            {"seconds", seconds},
            {"evidence", evidence}};
  }
  static Result<Verdict> FromBody(const nlohmann::json& b) {
    Verdict v;
    VT_ASSIGN_OR_RETURN(v.accept, BodyBool(b, "accept"));
    VT_ASSIGN_OR_RETURN(v.disputed_interval, BodyInt(b, "disputed_interval"));
    VT_ASSIGN_OR_RETURN(v.reason, BodyString(b, "reason"));
    auto it = b.find("intervals");
    if (it == b.end() || !it->is_array()) {
      return Status::InvalidArgument("body field 'intervals' must be an array");
    }
    v.intervals = *it;
    VT_ASSIGN_OR_RETURN(v.steps_reexecuted, BodyInt(b, "steps_reexecuted"));
    VT_ASSIGN_OR_RETURN(v.seconds, BodyNumber(b, "seconds"));
    VT_ASSIGN_OR_RETURN(v.evidence, BodyObject(b, "evidence"));
    return v;
  }
};

}  // namespace veritrain
