// training_failed (solver → arbiter request, v1): the solver cannot train
// the task it was assigned — a checkpoint it cannot write (a full disk), a
// job it cannot build — and says so at once, instead of leaving the task to
// wait out the training deadline. The arbiter settles the task as the
// deadline would have (solver_timeout; docs/reliability.md, "Disk full"),
// with `reason` in the task's reason; it refuses the request from anyone but
// the task's solver, and once the solver has committed its trace.
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct TrainingFailed {
  static constexpr const char* kType = "training_failed";
  static constexpr int kVersion = 1;

  std::string reason;  // what failed, as the solver saw it

  nlohmann::json ToBody() const { return {{"reason", reason}}; }
  static Result<TrainingFailed> FromBody(const nlohmann::json& b) {
    TrainingFailed t;
    VT_ASSIGN_OR_RETURN(t.reason, BodyString(b, "reason"));
    return t;
  }
};

}  // namespace veritrain
