// node_evidence (solver → arbiter, v1): the inputs of the disputed node,
// each with what proves it against commitments already agreed, and the
// node's claimed output hash. Tensor frames hold the input tensors in the
// order of `inputs` (batch inputs have none: the arbiter derives the batch
// from the task) followed, in tolerance mode, by the node's output tensors.
//
//   inputs[i] = {"name", "source": "state" | "batch" | "node",
//                "producer": node index (source node),
//                "proof": inclusion of the tensor in the agreed state hash
//                         (state) or in the producer's output hash (node),
//                "chain": [o_producer, …, o_{node-1}] hex: the output hashes
//                         chaining from the producer's chain hash to the
//                         agreed one (source node),
//                "chain_base": the chain hash before the producer}
#pragma once

#include <string>

#include "core/state/tensor_data.h"
#include "core/wire/body_fields.h"

namespace veritrain {

struct NodeEvidence {
  static constexpr const char* kType = "node_evidence";
  static constexpr int kVersion = 1;
  int64_t move = 0;
  int64_t node = 0;
  Digest output_hash;
  nlohmann::json inputs = nlohmann::json::array();
  bool with_outputs = false;
  State tensors;

  nlohmann::json ToBody() const {
    return {{"move", move},
            {"node", node},
            {"output_hash", output_hash.Hex()},
            {"inputs", inputs},
            {"with_outputs", with_outputs}};
  }
  static Result<NodeEvidence> FromBody(const nlohmann::json& b) {
    NodeEvidence e;
    VT_ASSIGN_OR_RETURN(e.move, BodyInt(b, "move"));
    VT_ASSIGN_OR_RETURN(e.node, BodyInt(b, "node"));
    VT_ASSIGN_OR_RETURN(e.output_hash, BodyDigest(b, "output_hash"));
    auto it = b.find("inputs");
    if (it == b.end() || !it->is_array()) {
      return Status::InvalidArgument("body field 'inputs' must be an array");
    }
    e.inputs = *it;
    VT_ASSIGN_OR_RETURN(e.with_outputs, BodyBool(b, "with_outputs"));
    return e;
  }
};

}  // namespace veritrain
