// game_update (arbiter event, v1): the public state of a dispute after
// every move: whose turn it is and what it must do. A party acts only on
// the update whose `move` number it has not answered yet, so a duplicated
// or late update is harmless.
//
//   challenger the dispute's challenger: the challenges of a task are
//              played one after another (docs/protocol.md), and each
//              party acts only on the updates of its own game
//   game       the game's number on the task, as its dispute_opened's
//              (an update of a game that is over changes nothing)
//   state      step_splits | step_choice | graph_commit | node_splits |
//              node_choice | evidence | resolved
//   positions  the positions whose hashes the solver must post (splits)
//   boundaries the n+1 boundaries of the sub-ranges to choose from (choice)
//   hashes     the solver's hash at each boundary (choice), as [pos, hex]
//   step_hashes once the steps are dissected: the solver's state hashes
//              before and after the disputed step, as [pos, hex] with pos
//              in the interval (a challenger restarted in the node rounds
//              checks the solver's states against them)
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/wire/body_fields.h"

namespace veritrain {

struct GameUpdate {
  static constexpr const char* kType = "game_update";
  static constexpr int kVersion = 1;
  std::string challenger;
  int64_t game = 0;  // the game's number on the task (dispute_opened)
  int64_t move = 0;  // number of moves made so far
  std::string state;
  std::string to_move;  // "solver" | "challenger" | "nobody"
  std::vector<int64_t> positions;
  std::vector<int64_t> boundaries;
  std::vector<std::pair<int64_t, Digest>> hashes;
  std::vector<std::pair<int64_t, Digest>> step_hashes;
  int64_t disputed_step = -1;
  int64_t disputed_node = -1;
  int64_t graph_nodes = 0;
  std::string winner;  // when resolved
  std::string reason;

  nlohmann::json ToBody() const {
    return {{"challenger", challenger},
            {"game", game},
            {"move", move},
            {"state", state},
            {"to_move", to_move},
            {"positions", positions},
            {"boundaries", boundaries},
            {"hashes", PairsToJson(hashes)},
            {"step_hashes", PairsToJson(step_hashes)},
            {"disputed_step", disputed_step},
            {"disputed_node", disputed_node},
            {"graph_nodes", graph_nodes},
            {"winner", winner},
            {"reason", reason}};
  }
  static Result<GameUpdate> FromBody(const nlohmann::json& b) {
    GameUpdate u;
    VT_ASSIGN_OR_RETURN(u.challenger, BodyString(b, "challenger"));
    VT_ASSIGN_OR_RETURN(u.game, BodyInt(b, "game"));
    if (u.game < 0) return Status::InvalidArgument("body field 'game' must not be negative");
    VT_ASSIGN_OR_RETURN(u.move, BodyInt(b, "move"));
    VT_ASSIGN_OR_RETURN(u.state, BodyString(b, "state"));
    VT_ASSIGN_OR_RETURN(u.to_move, BodyString(b, "to_move"));
    VT_ASSIGN_OR_RETURN(auto positions, BodyNumbers(b, "positions"));
    for (double p : positions) u.positions.push_back(static_cast<int64_t>(p));
    VT_ASSIGN_OR_RETURN(auto boundaries, BodyNumbers(b, "boundaries"));
    for (double p : boundaries) u.boundaries.push_back(static_cast<int64_t>(p));
    VT_ASSIGN_OR_RETURN(u.hashes, PairsFromBody(b, "hashes"));
    VT_ASSIGN_OR_RETURN(u.step_hashes, PairsFromBody(b, "step_hashes"));
    VT_ASSIGN_OR_RETURN(u.disputed_step, BodyInt(b, "disputed_step"));
    VT_ASSIGN_OR_RETURN(u.disputed_node, BodyInt(b, "disputed_node"));
    VT_ASSIGN_OR_RETURN(u.graph_nodes, BodyInt(b, "graph_nodes"));
    VT_ASSIGN_OR_RETURN(u.winner, BodyString(b, "winner"));
    VT_ASSIGN_OR_RETURN(u.reason, BodyString(b, "reason"));
    return u;
  }

 private:
  using Pairs = std::vector<std::pair<int64_t, Digest>>;
  static nlohmann::json PairsToJson(const Pairs& pairs) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [p, d] : pairs) out.push_back({p, d.Hex()});
    return out;
  }
  static Result<Pairs> PairsFromBody(const nlohmann::json& b, const std::string& field) {
    const std::string what = "body field '" + field + "' must be an array of [position, hash]";
    auto h = b.find(field);
    if (h == b.end() || !h->is_array()) return Status::InvalidArgument(what);
    Pairs out;
    for (const auto& e : *h) {
      if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_string()) {
        return Status::InvalidArgument(what);
      }
      auto d = Digest::FromHex(e[1].get<std::string>());
      if (!d) return Status::InvalidArgument("body field '" + field + "' holds a bad digest");
      out.emplace_back(e[0].get<int64_t>(), *d);
    }
    return out;
  }
};

}  // namespace veritrain
