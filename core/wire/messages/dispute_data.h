// dispute_data (solver → challenger, v1): the answer to
// fetch_dispute_data. For "state": the state's tensors (the receiver
// checks their state hash against the hash the solver posted in the game).
// For "step_outputs": `nodes` game nodes' outputs, tensor "<j>/<name>" being
// output <name> of node j (0-based); the receiver hashes each node's
// outputs and checks the chain of them against the hashes the solver
// posted (core/protocol/node_chain.h). Nothing in it is trusted unchecked.
#pragma once

#include "core/state/tensor_data.h"
#include "core/wire/body_fields.h"

namespace veritrain {

struct DisputeData {
  static constexpr const char* kType = "dispute_data";
  static constexpr int kVersion = 1;
  std::string what;
  int64_t position = 0;
  int64_t step = 0;
  int64_t nodes = 0;  // "step_outputs": the number of game nodes
  State tensors;
  // TensorHash of each tensor, in the order of `tensors` (Message::
  // tensor_hashes): verified against the frames when received; when
  // sending, empty or the hashes the sender already knows.
  std::vector<Digest> tensor_hashes;

  nlohmann::json ToBody() const {
    return {{"what", what}, {"position", position}, {"step", step}, {"nodes", nodes}};
  }
  static Result<DisputeData> FromBody(const nlohmann::json& b) {
    DisputeData d;
    VT_ASSIGN_OR_RETURN(d.what, BodyString(b, "what"));
    VT_ASSIGN_OR_RETURN(d.position, BodyInt(b, "position"));
    VT_ASSIGN_OR_RETURN(d.step, BodyInt(b, "step"));
    VT_ASSIGN_OR_RETURN(d.nodes, BodyInt(b, "nodes"));
    if (d.nodes < 0) return Status::InvalidArgument("body field 'nodes' must be >= 0");
    return d;
  }
};

}  // namespace veritrain
