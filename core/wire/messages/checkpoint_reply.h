// checkpoint (solver → requester, v1): checkpoint `index` with its state
// hash, the inclusion proof of that hash in the trace root, the checkpoint's
// metadata, and the state's tensors as raw tensor frames. The receiver
// recomputes the state hash from the tensors' hashes, each checked against
// its frame on receipt (StateHashWithTensorHashes), and checks the proof; it
// never trusts the claimed hash.
#pragma once

#include "core/state/tensor_data.h"
#include "core/wire/body_fields.h"

namespace veritrain {

struct CheckpointReply {
  static constexpr const char* kType = "checkpoint";
  static constexpr int kVersion = 1;
  int64_t index = 0;
  Digest state_hash;
  InclusionProof proof;
  nlohmann::json meta = nlohmann::json::object();
  State tensors;
  // TensorHash of each tensor, in the order of `tensors` (Message::
  // tensor_hashes): verified against the frames when received; when
  // sending, empty or the hashes the sender already knows.
  std::vector<Digest> tensor_hashes;

  nlohmann::json ToBody() const {
    return {{"index", index},
            {"state_hash", state_hash.Hex()},
            {"proof", ProofToJson(proof)},
            {"meta", meta}};
  }
  static Result<CheckpointReply> FromBody(const nlohmann::json& b) {
    CheckpointReply c;
    VT_ASSIGN_OR_RETURN(c.index, BodyInt(b, "index"));
    VT_ASSIGN_OR_RETURN(c.state_hash, BodyDigest(b, "state_hash"));
    VT_ASSIGN_OR_RETURN(auto proof, BodyObject(b, "proof"));
    VT_ASSIGN_OR_RETURN(c.proof, ProofFromJson(proof, "proof"));
    VT_ASSIGN_OR_RETURN(c.meta, BodyObject(b, "meta"));
    return c;
  }
};

}  // namespace veritrain
