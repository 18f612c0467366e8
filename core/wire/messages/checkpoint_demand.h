// checkpoint_demand (arbiter event, v1): the arbiter demands checkpoint
// `index` of the task's trace from its solver, to be delivered
// (checkpoint_delivery) before `deadline_ms` on the arbiter's clock; or,
// with `state` "delivered" or "failed", says how the demand ended
// (core/protocol/availability.h). Republished while the task is open.
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct CheckpointDemand {
  static constexpr const char* kType = "checkpoint_demand";
  static constexpr int kVersion = 1;
  std::string solver;
  int64_t index = 0;
  std::string state;  // "open" | "delivered" | "failed"
  int64_t deadline_ms = 0;
  std::string reason;

  nlohmann::json ToBody() const {
    return {{"solver", solver},
            {"index", index},
            {"state", state},
            {"deadline_ms", deadline_ms},
            {"reason", reason}};
  }
  static Result<CheckpointDemand> FromBody(const nlohmann::json& b) {
    CheckpointDemand d;
    VT_ASSIGN_OR_RETURN(d.solver, BodyString(b, "solver"));
    VT_ASSIGN_OR_RETURN(d.index, BodyInt(b, "index"));
    VT_ASSIGN_OR_RETURN(d.state, BodyString(b, "state"));
    VT_ASSIGN_OR_RETURN(d.deadline_ms, BodyInt(b, "deadline_ms"));
    VT_ASSIGN_OR_RETURN(d.reason, BodyString(b, "reason"));
    if (d.index < 0) return Status::InvalidArgument("body field 'index' must be >= 0");
    if (d.state != "open" && d.state != "delivered" && d.state != "failed") {
      return Status::InvalidArgument("body field 'state' must be open, delivered or failed");
    }
    return d;
  }
};

}  // namespace veritrain
