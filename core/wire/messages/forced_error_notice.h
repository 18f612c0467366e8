// forced_error_notice (arbiter → solver, v1): the answer to the solver's
// forced_error_query (same request id), sent to the task's solver alone
// over the arbiter's ROUTER: whether the solver must post a wrong result on
// purpose (Truebit's forced error). Every task's solver asks and gets one,
// so that its arrival tells nobody anything; the decision comes from the
// arbiter's committed secret (core/protocol/task_draws.h) and is made
// public only after verification.
#pragma once

#include "core/wire/body_fields.h"

namespace veritrain {

struct ForcedErrorNotice {
  static constexpr const char* kType = "forced_error_notice";
  static constexpr int kVersion = 1;
  bool forced = false;

  nlohmann::json ToBody() const { return {{"forced", forced}}; }
  static Result<ForcedErrorNotice> FromBody(const nlohmann::json& b) {
    ForcedErrorNotice n;
    VT_ASSIGN_OR_RETURN(n.forced, BodyBool(b, "forced"));
    return n;
  }
};

}  // namespace veritrain
