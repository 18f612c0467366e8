// forced_error_revealed (arbiter event, v1): verification of the posted
// trace is over and the arbiter makes its forced-error draw public. With
// `forced` the posted trace was wrong on the arbiter's order: the task's
// solver must now open the commitment to its real trace (real_trace)
// before `deadline_ms` (arbiter clock), and verification starts again on
// it. The event is published (and republished until the solver opens it)
// only for a forced error; an unforced task's draw is in the event log.
#pragma once

#include "core/wire/body_fields.h"

namespace veritrain {

struct ForcedErrorRevealed {
  static constexpr const char* kType = "forced_error_revealed";
  static constexpr int kVersion = 1;
  bool forced = false;
  int64_t deadline_ms = 0;

  nlohmann::json ToBody() const { return {{"forced", forced}, {"deadline_ms", deadline_ms}}; }
  static Result<ForcedErrorRevealed> FromBody(const nlohmann::json& b) {
    ForcedErrorRevealed r;
    VT_ASSIGN_OR_RETURN(r.forced, BodyBool(b, "forced"));
    VT_ASSIGN_OR_RETURN(r.deadline_ms, BodyInt(b, "deadline_ms"));
    return r;
  }
};

}  // namespace veritrain
