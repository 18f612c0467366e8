// real_trace (solver → arbiter request, v1): after a forced error has been
// revealed (forced_error_revealed), the task's solver opens the commitment
// to its real trace that it posted with its trace_commit
// (core/protocol/real_trace.h): the real trace root, final state hash and
// checkpoint count, the update norms of the real trace, and the nonce. The
// arbiter checks the opening and starts verification again on the real
// trace; a solver that does not open it before the reveal deadline, or
// opens it with something else, loses its stake (outcome withheld).
#pragma once

#include <vector>

#include "core/wire/body_fields.h"

namespace veritrain {

struct RealTrace {
  static constexpr const char* kType = "real_trace";
  static constexpr int kVersion = 1;
  Digest trace_root;
  Digest final_state_hash;
  int64_t num_checkpoints = 0;
  std::vector<double> update_norms;  // one per interval of the real trace
  Digest nonce;

  nlohmann::json ToBody() const {
    return {{"trace_root", trace_root.Hex()},
            {"final_state_hash", final_state_hash.Hex()},
            {"num_checkpoints", num_checkpoints},
            {"update_norms", RealsToBody(update_norms)},
            {"nonce", nonce.Hex()}};
  }
  static Result<RealTrace> FromBody(const nlohmann::json& b) {
    RealTrace t;
    VT_ASSIGN_OR_RETURN(t.trace_root, BodyDigest(b, "trace_root"));
    VT_ASSIGN_OR_RETURN(t.final_state_hash, BodyDigest(b, "final_state_hash"));
    VT_ASSIGN_OR_RETURN(t.num_checkpoints, BodyInt(b, "num_checkpoints"));
    VT_ASSIGN_OR_RETURN(t.update_norms, BodyReals(b, "update_norms"));
    VT_ASSIGN_OR_RETURN(t.nonce, BodyDigest(b, "nonce"));
    if (t.num_checkpoints < 2) {
      return Status::InvalidArgument("body field 'num_checkpoints' must be >= 2");
    }
    return t;
  }
};

}  // namespace veritrain
