// ack (any ROUTER → requester, v1): the answer to a request. `ok` false
// carries the reason the request was refused; `data` carries a result
// (e.g. the task id assigned to a posted task).
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct Ack {
  static constexpr const char* kType = "ack";
  static constexpr int kVersion = 1;
  bool ok = true;
  std::string error;
  nlohmann::json data = nlohmann::json::object();

  // `data` null (as `Ack{false, why, {}}` makes it) is written as {}: a
  // refusal whose data could not be read back went unseen, and a runner
  // whose post was refused waited for its timeout.
  nlohmann::json ToBody() const {
    return {{"ok", ok}, {"error", error}, {"data", data.is_null() ? nlohmann::json::object() : data}};
  }
  static Result<Ack> FromBody(const nlohmann::json& b) {
    Ack a;
    VT_ASSIGN_OR_RETURN(a.ok, BodyBool(b, "ok"));
    VT_ASSIGN_OR_RETURN(a.error, BodyString(b, "error"));
    VT_ASSIGN_OR_RETURN(a.data, BodyObject(b, "data"));
    return a;
  }
};

}  // namespace veritrain
