// forced_error_query (solver → arbiter request, v1): the task's solver asks
// whether it must post a wrong result for the task (Truebit's forced
// error). The arbiter answers the solver alone with a forced_error_notice
// carrying the query's request id, or refuses with an ack. Asking (rather
// than being told) lets a solver that missed the answer, or restarted, ask
// again.
#pragma once

#include "core/wire/body_fields.h"

namespace veritrain {

struct ForcedErrorQuery {
  static constexpr const char* kType = "forced_error_query";
  static constexpr int kVersion = 1;

  nlohmann::json ToBody() const { return nlohmann::json::object(); }
  static Result<ForcedErrorQuery> FromBody(const nlohmann::json&) { return ForcedErrorQuery{}; }
};

}  // namespace veritrain
