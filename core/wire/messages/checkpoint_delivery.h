// checkpoint_delivery (solver → arbiter request, v1): the task's solver
// delivers checkpoint `index` that the arbiter demanded (checkpoint_demand):
// its state hash, the inclusion proof of that hash in the trace root, and
// the state's tensors as raw tensor frames. The arbiter checks it once
// (core/protocol/availability.h: proof, hash, step counter) and only
// against an open demand; anything else is refused before any tensor is
// hashed.
#pragma once

#include "core/state/tensor_data.h"
#include "core/wire/body_fields.h"

namespace veritrain {

struct CheckpointDelivery {
  static constexpr const char* kType = "checkpoint_delivery";
  static constexpr int kVersion = 1;
  int64_t index = 0;
  Digest state_hash;
  InclusionProof proof;
  State tensors;
  // TensorHash of each tensor, in the order of `tensors` (Message::
  // tensor_hashes): verified against the frames when received; when
  // sending, empty or the hashes the sender already knows.
  std::vector<Digest> tensor_hashes;

  nlohmann::json ToBody() const {
    return {{"index", index}, {"state_hash", state_hash.Hex()}, {"proof", ProofToJson(proof)}};
  }
  static Result<CheckpointDelivery> FromBody(const nlohmann::json& b) {
    CheckpointDelivery c;
    VT_ASSIGN_OR_RETURN(c.index, BodyInt(b, "index"));
    VT_ASSIGN_OR_RETURN(c.state_hash, BodyDigest(b, "state_hash"));
    VT_ASSIGN_OR_RETURN(auto proof, BodyObject(b, "proof"));
    VT_ASSIGN_OR_RETURN(c.proof, ProofFromJson(proof, "proof"));
    if (c.index < 0) return Status::InvalidArgument("body field 'index' must be >= 0");
    return c;
  }
};

}  // namespace veritrain
