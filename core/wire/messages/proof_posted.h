// proof_posted (arbiter event, v1): the solver's trace commitment is on
// record; verification starts. Reveals the secret committed in
// task_assigned, from which verifiers derive their random intervals.
// `real_trace`: this is the solver's real trace, opened after a forced
// error (real_trace); verification starts again on it, with the verifiers
// drawn from its root.
#pragma once

#include <string>
#include <vector>

#include "core/wire/body_fields.h"

namespace veritrain {

struct ProofPosted {
  static constexpr const char* kType = "proof_posted";
  static constexpr int kVersion = 1;
  std::string solver;
  Digest trace_root;
  Digest final_state_hash;
  int64_t num_checkpoints = 0;
  std::vector<double> update_norms;
  std::string serve_endpoint;
  Digest randomness_secret;
  bool real_trace = false;

  nlohmann::json ToBody() const {
    return {{"solver", solver},
            {"trace_root", trace_root.Hex()},
            {"final_state_hash", final_state_hash.Hex()},
            {"num_checkpoints", num_checkpoints},
            {"update_norms", RealsToBody(update_norms)},
            {"serve_endpoint", serve_endpoint},
            {"randomness_secret", randomness_secret.Hex()},
            {"real_trace", real_trace}};
  }
  static Result<ProofPosted> FromBody(const nlohmann::json& b) {
    ProofPosted p;
    VT_ASSIGN_OR_RETURN(p.solver, BodyString(b, "solver"));
    VT_ASSIGN_OR_RETURN(p.trace_root, BodyDigest(b, "trace_root"));
    VT_ASSIGN_OR_RETURN(p.final_state_hash, BodyDigest(b, "final_state_hash"));
    VT_ASSIGN_OR_RETURN(p.num_checkpoints, BodyInt(b, "num_checkpoints"));
    VT_ASSIGN_OR_RETURN(p.update_norms, BodyReals(b, "update_norms"));
    VT_ASSIGN_OR_RETURN(p.serve_endpoint, BodyString(b, "serve_endpoint"));
    VT_ASSIGN_OR_RETURN(p.randomness_secret, BodyDigest(b, "randomness_secret"));
    VT_ASSIGN_OR_RETURN(p.real_trace, BodyBool(b, "real_trace"));
    return p;
  }
};

}  // namespace veritrain
