// game_move (solver or challenger → arbiter, v1): one move in a dispute.
// `move` must equal the number of moves made so far (from the latest
// game_update), so a duplicated or stale move is rejected, not replayed.
//
//   kind "split_hashes"  solver: `hashes` for the update's `positions`
//   kind "choose"        challenger: `index` of the first disputed sub-range
//   kind "graph_commit"  solver: `nodes`, `outputs_root`, `chain_end`
//
// `note` (optional, an object) is what the mover wants on the record about
// its move, e.g. a tolerance-mode challenger's distances per sub-range
// (core/pol/distance_dissection.h); the arbiter logs it and never reads it.
//
// The disputed node's evidence is a message of its own (node_evidence).
#pragma once

#include <string>
#include <vector>

#include "core/wire/body_fields.h"

namespace veritrain {

struct GameMove {
  static constexpr const char* kType = "game_move";
  static constexpr int kVersion = 1;
  int64_t move = 0;
  std::string kind;
  std::vector<Digest> hashes;
  int64_t index = -1;
  int64_t nodes = 0;
  Digest outputs_root;
  Digest chain_end;
  nlohmann::json note = nlohmann::json::object();

  nlohmann::json ToBody() const {
    std::vector<std::string> h;
    for (const auto& d : hashes) h.push_back(d.Hex());
    nlohmann::json b = {{"move", move},   {"kind", kind},
                        {"hashes", h},    {"index", index},
                        {"nodes", nodes}, {"outputs_root", outputs_root.Hex()},
                        {"chain_end", chain_end.Hex()}};
    if (!note.empty()) b["note"] = note;
    return b;
  }
  static Result<GameMove> FromBody(const nlohmann::json& b) {
    GameMove m;
    VT_ASSIGN_OR_RETURN(m.move, BodyInt(b, "move"));
    VT_ASSIGN_OR_RETURN(m.kind, BodyString(b, "kind"));
    VT_ASSIGN_OR_RETURN(auto hashes, BodyStrings(b, "hashes"));
    if (hashes.size() > 4096) return Status::InvalidArgument("body field 'hashes' is too long");
    for (const auto& h : hashes) {
      auto d = Digest::FromHex(h);
      if (!d) return Status::InvalidArgument("body field 'hashes' holds a bad digest");
      m.hashes.push_back(*d);
    }
    VT_ASSIGN_OR_RETURN(m.index, BodyInt(b, "index"));
    VT_ASSIGN_OR_RETURN(m.nodes, BodyInt(b, "nodes"));
    VT_ASSIGN_OR_RETURN(m.outputs_root, BodyDigest(b, "outputs_root"));
    VT_ASSIGN_OR_RETURN(m.chain_end, BodyDigest(b, "chain_end"));
    if (b.contains("note")) {
      VT_ASSIGN_OR_RETURN(m.note, BodyObject(b, "note"));
    }
    if (m.kind != "split_hashes" && m.kind != "choose" && m.kind != "graph_commit") {
      return Status::InvalidArgument("body field 'kind' must be split_hashes, choose or graph_commit");
    }
    return m;
  }
};

}  // namespace veritrain
