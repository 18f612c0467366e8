// fetch_dispute_data (challenger → solver, v1): in a tolerance-mode
// dispute, the challenger asks for what the solver has committed to in the
// game, to compare it with its own evaluation (core/pol/): with what
// "state", the solver's state `position` steps into the disputed interval
// (a hash of which the solver has posted); with what "step_outputs", every
// node output of the disputed step `step` (the solver's node chain).
// Answered with `dispute_data`, or an ack refusing.
#pragma once

#include "core/wire/body_fields.h"

namespace veritrain {

struct FetchDisputeData {
  static constexpr const char* kType = "fetch_dispute_data";
  static constexpr int kVersion = 1;
  static constexpr const char* kState = "state";
  static constexpr const char* kStepOutputs = "step_outputs";
  std::string what = kState;
  int64_t position = 0;  // "state": steps into the interval, 0..L
  int64_t step = 0;      // "step_outputs": the disputed step (global)

  nlohmann::json ToBody() const {
    return {{"what", what}, {"position", position}, {"step", step}};
  }
  static Result<FetchDisputeData> FromBody(const nlohmann::json& b) {
    FetchDisputeData f;
    VT_ASSIGN_OR_RETURN(f.what, BodyString(b, "what"));
    VT_ASSIGN_OR_RETURN(f.position, BodyInt(b, "position"));
    VT_ASSIGN_OR_RETURN(f.step, BodyInt(b, "step"));
    if (f.what != kState && f.what != kStepOutputs) {
      return Status::InvalidArgument("body field 'what' must be \"state\" or \"step_outputs\"");
    }
    if (f.position < 0) return Status::InvalidArgument("body field 'position' must be >= 0");
    if (f.step < 0) return Status::InvalidArgument("body field 'step' must be >= 0");
    return f;
  }
};

}  // namespace veritrain
