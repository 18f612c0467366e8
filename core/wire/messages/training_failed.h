// training_failed (solver → arbiter request, v2): the solver cannot train
// the task it was assigned — a checkpoint it cannot write (a full disk), a
// job it cannot build — and says so at once, instead of leaving the task to
// wait out the training deadline. The arbiter settles the task as the
// deadline would have (solver_timeout; docs/reliability.md, "Disk full"),
// with `reason` in the task's reason; it refuses the request from anyone but
// the task's solver, and once the solver has committed its trace.
// `steps_computed`: the training steps the solver computed for the task
// before it gave up (what its compute cost is charged on; v1 had none, and
// a solver whose disk filled after 80 steps was charged for none).
#pragma once

#include <cstdint>
#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct TrainingFailed {
  static constexpr const char* kType = "training_failed";
  static constexpr int kVersion = 2;

  std::string reason;  // what failed, as the solver saw it
  int64_t steps_computed = 0;

  nlohmann::json ToBody() const {
    return {{"reason", reason}, {"steps_computed", steps_computed}};
  }
  // InvalidArgument for a negative steps_computed.
  static Result<TrainingFailed> FromBody(const nlohmann::json& b) {
    TrainingFailed t;
    VT_ASSIGN_OR_RETURN(t.reason, BodyString(b, "reason"));
    VT_ASSIGN_OR_RETURN(t.steps_computed, BodyInt(b, "steps_computed"));
    if (t.steps_computed < 0) {
      return Status::InvalidArgument("steps_computed is negative: " +
                                     std::to_string(t.steps_computed));
    }
    return t;
  }
};

}  // namespace veritrain
