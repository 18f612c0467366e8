// verdict (verifier → arbiter, v1): stage 5. Accept, or challenge the
// first interval whose re-execution disagrees, or abstain: the verifier
// could not verify for a reason of its own (it cannot build the job, its
// computation failed) and says so, rather than going silent or blaming the
// solver (`reason` says why; accept is false, disputed_interval -1). `intervals` reports every
// interval checked: {index, reason, expected, computed, match}. The cost
// report (steps re-executed, seconds) feeds the metrics. A challenge
// carries the disputed interval's two checkpoint hashes with their
// inclusion proofs in the trace root, so the arbiter can open the game on
// hashes the solver itself committed to. `trace_root` names the trace the
// verdict is on: after a forced error the same task is verified twice (the
// posted trace, then the real one), and a verdict on the other trace is
// refused.
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct Verdict {
  static constexpr const char* kType = "verdict";
  static constexpr int kVersion = 1;
  bool accept = true;
  bool abstain = false;            // neither accept nor challenge (see above)
  int64_t disputed_interval = -1;  // -1 when accepting or abstaining
  std::string reason;              // why it challenges, or "all intervals match"
  nlohmann::json intervals = nlohmann::json::array();
  int64_t steps_reexecuted = 0;
  double seconds = 0;
  nlohmann::json evidence = nlohmann::json::object();  // challenge: {start, end}: {hash, proof}
  Digest trace_root;

  nlohmann::json ToBody() const {
    return {{"accept", accept},
            {"abstain", abstain},
            {"disputed_interval", disputed_interval},
            {"reason", reason},
            {"intervals", intervals},
            {"steps_reexecuted", steps_reexecuted},
            {"seconds", seconds},
            {"evidence", evidence},
            {"trace_root", trace_root.Hex()}};
  }
  static Result<Verdict> FromBody(const nlohmann::json& b) {
    Verdict v;
    VT_ASSIGN_OR_RETURN(v.accept, BodyBool(b, "accept"));
    if (b.contains("abstain")) {
      VT_ASSIGN_OR_RETURN(v.abstain, BodyBool(b, "abstain"));
    }
    VT_ASSIGN_OR_RETURN(v.disputed_interval, BodyInt(b, "disputed_interval"));
    if (v.abstain && (v.accept || v.disputed_interval != -1)) {
      return Status::InvalidArgument(
          "an abstaining verdict neither accepts nor names an interval");
    }
    VT_ASSIGN_OR_RETURN(v.reason, BodyString(b, "reason"));
    auto it = b.find("intervals");
    if (it == b.end() || !it->is_array()) {
      return Status::InvalidArgument("body field 'intervals' must be an array");
    }
    v.intervals = *it;
    VT_ASSIGN_OR_RETURN(v.steps_reexecuted, BodyInt(b, "steps_reexecuted"));
    VT_ASSIGN_OR_RETURN(v.seconds, BodyNumber(b, "seconds"));
    VT_ASSIGN_OR_RETURN(v.evidence, BodyObject(b, "evidence"));
    VT_ASSIGN_OR_RETURN(v.trace_root, BodyDigest(b, "trace_root"));
    return v;
  }
};

}  // namespace veritrain
