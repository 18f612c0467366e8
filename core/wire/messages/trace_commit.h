// trace_commit (solver → arbiter, v1): stage 4, the proof. The signed
// Merkle root over the checkpoint state hashes, the final state hash, the
// per-interval update norms (the PoL top-Q hint; a diverged run's NaN or
// infinite norms as "nan"/"inf", see BodyReals in core/wire/body_fields.h),
// the endpoint serving the checkpoints, the solver's training report
// (accuracy, time), and `real_commitment`: the hiding commitment to the
// solver's real trace (core/protocol/real_trace.h), opened with real_trace
// after a forced error. When no error was forced the real trace is the
// posted one.
#pragma once

#include <string>
#include <vector>

#include "core/wire/body_fields.h"

namespace veritrain {

// The most intervals a trace can have: its commitment (and proof_posted,
// real_trace) carries one update norm per interval in its JSON header, at
// most 25 bytes each, and a header is at most 1 MiB (WireLimits): 40,000
// norms fit with room for the rest. `check` refuses a task with more, which
// its solver could never commit (it was slashed for not committing).
inline constexpr int64_t kMaxTraceIntervals = 40000;

struct TraceCommit {
  static constexpr const char* kType = "trace_commit";
  static constexpr int kVersion = 1;
  Digest trace_root;
  Digest final_state_hash;
  int64_t num_checkpoints = 0;       // intervals + 1 (checkpoint 0 = initial state)
  std::vector<double> update_norms;  // one per interval, l2 over parameters
  std::string serve_endpoint;
  nlohmann::json training = nlohmann::json::object();
  Digest real_commitment;

  nlohmann::json ToBody() const {
    return {{"trace_root", trace_root.Hex()},
            {"final_state_hash", final_state_hash.Hex()},
            {"num_checkpoints", num_checkpoints},
            {"update_norms", RealsToBody(update_norms)},
            {"serve_endpoint", serve_endpoint},
            {"training", training},
            {"real_commitment", real_commitment.Hex()}};
  }
  static Result<TraceCommit> FromBody(const nlohmann::json& b) {
    TraceCommit t;
    VT_ASSIGN_OR_RETURN(t.trace_root, BodyDigest(b, "trace_root"));
    VT_ASSIGN_OR_RETURN(t.final_state_hash, BodyDigest(b, "final_state_hash"));
    VT_ASSIGN_OR_RETURN(t.num_checkpoints, BodyInt(b, "num_checkpoints"));
    VT_ASSIGN_OR_RETURN(t.update_norms, BodyReals(b, "update_norms"));
    VT_ASSIGN_OR_RETURN(t.serve_endpoint, BodyString(b, "serve_endpoint"));
    VT_ASSIGN_OR_RETURN(t.training, BodyObject(b, "training"));
    VT_ASSIGN_OR_RETURN(t.real_commitment, BodyDigest(b, "real_commitment"));
    if (t.num_checkpoints < 2) {
      return Status::InvalidArgument("body field 'num_checkpoints' must be >= 2");
    }
    return t;
  }
};

}  // namespace veritrain
