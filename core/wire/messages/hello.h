// hello (participant → arbiter, v1): a role announces itself after its
// event subscription is live. The solver gives the endpoint where it serves
// checkpoints. The arbiter answers with an `ack`.
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct Hello {
  static constexpr const char* kType = "hello";
  static constexpr int kVersion = 1;
  std::string role;            // "solver" | "verifier" | "submitter"
  std::string serve_endpoint;  // solver only; "" otherwise

  nlohmann::json ToBody() const {
    return {{"role", role}, {"serve_endpoint", serve_endpoint}};
  }
  static Result<Hello> FromBody(const nlohmann::json& b) {
    Hello h;
    VT_ASSIGN_OR_RETURN(h.role, BodyString(b, "role"));
    VT_ASSIGN_OR_RETURN(h.serve_endpoint, BodyString(b, "serve_endpoint"));
    return h;
  }
};

}  // namespace veritrain
