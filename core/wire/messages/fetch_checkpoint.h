// fetch_checkpoint (verifier or arbiter → solver, v1): asks for checkpoint
// `index` of a task. Answered with a `checkpoint` message; with
// `with_tensors` false it carries only the hash and its proof (exact-mode
// verifiers need no more for an interval's end).
#pragma once

#include "core/wire/body_fields.h"

namespace veritrain {

struct FetchCheckpoint {
  static constexpr const char* kType = "fetch_checkpoint";
  static constexpr int kVersion = 1;
  int64_t index = 0;
  bool with_tensors = true;

  nlohmann::json ToBody() const {
    return {{"index", index}, {"with_tensors", with_tensors}};
  }
  static Result<FetchCheckpoint> FromBody(const nlohmann::json& b) {
    FetchCheckpoint f;
    VT_ASSIGN_OR_RETURN(f.index, BodyInt(b, "index"));
    VT_ASSIGN_OR_RETURN(f.with_tensors, BodyBool(b, "with_tensors"));
    if (f.index < 0) return Status::InvalidArgument("body field 'index' must be >= 0");
    return f;
  }
};

}  // namespace veritrain
