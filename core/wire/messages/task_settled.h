// task_settled (arbiter event, v1): stage 8. The task's outcome and the
// balances after settlement: every account except the escrow, stake and
// challenge accounts of tasks that are empty (so that the event does not
// grow with the number of tasks settled before it).
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct TaskSettled {
  static constexpr const char* kType = "task_settled";
  static constexpr int kVersion = 1;
  // accepted | challenge_upheld | challenge_rejected | solver_timeout | unverified
  std::string outcome;
  std::string reason;
  nlohmann::json balances = nlohmann::json::object();
  // The record of the game that decided (the last played), if any.
  nlohmann::json dispute = nlohmann::json::object();

  nlohmann::json ToBody() const {
    return {{"outcome", outcome}, {"reason", reason}, {"balances", balances},
            {"dispute", dispute}};
  }
  static Result<TaskSettled> FromBody(const nlohmann::json& b) {
    TaskSettled t;
    VT_ASSIGN_OR_RETURN(t.outcome, BodyString(b, "outcome"));
    VT_ASSIGN_OR_RETURN(t.reason, BodyString(b, "reason"));
    VT_ASSIGN_OR_RETURN(t.balances, BodyObject(b, "balances"));
    VT_ASSIGN_OR_RETURN(t.dispute, BodyObject(b, "dispute"));
    return t;
  }
};

}  // namespace veritrain
