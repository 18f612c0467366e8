// dispute_opened (arbiter event, v1): a verifier's challenge starts the
// challenge game over one interval. Both parties prepare: the solver
// recomputes its trajectory from the agreed start checkpoint, the
// challenger its own.
//
//   game  the game's number on the task: 0 for the first challenge
//         played, one more for every challenge played (and rejected)
//         before it (core/protocol/game_order.h); a party ignores an
//         event of a game below the one it is on
#pragma once

#include <string>

#include "core/wire/body_fields.h"

namespace veritrain {

struct DisputeOpened {
  static constexpr const char* kType = "dispute_opened";
  static constexpr int kVersion = 1;
  std::string solver;
  std::string challenger;
  int64_t interval = 0;    // checkpoint interval index
  int64_t first_step = 0;  // global step of the interval's start
  int64_t steps = 0;       // L
  int64_t arity = 2;       // n
  int64_t clock_ms = 0;    // each party's thinking time
  Digest start_hash;       // agreed (trace checkpoint `interval`)
  Digest solver_end_hash;  // disputed (trace checkpoint `interval + 1`)
  int64_t game = 0;        // the game's number on the task

  nlohmann::json ToBody() const {
    return {{"solver", solver},         {"challenger", challenger},
            {"game", game},             {"interval", interval},
            {"first_step", first_step}, {"steps", steps},
            {"arity", arity},
            {"clock_ms", clock_ms},     {"start_hash", start_hash.Hex()},
            {"solver_end_hash", solver_end_hash.Hex()}};
  }
  static Result<DisputeOpened> FromBody(const nlohmann::json& b) {
    DisputeOpened d;
    VT_ASSIGN_OR_RETURN(d.solver, BodyString(b, "solver"));
    VT_ASSIGN_OR_RETURN(d.challenger, BodyString(b, "challenger"));
    VT_ASSIGN_OR_RETURN(d.game, BodyInt(b, "game"));
    if (d.game < 0) return Status::InvalidArgument("body field 'game' must not be negative");
    VT_ASSIGN_OR_RETURN(d.interval, BodyInt(b, "interval"));
    VT_ASSIGN_OR_RETURN(d.first_step, BodyInt(b, "first_step"));
    VT_ASSIGN_OR_RETURN(d.steps, BodyInt(b, "steps"));
    VT_ASSIGN_OR_RETURN(d.arity, BodyInt(b, "arity"));
    VT_ASSIGN_OR_RETURN(d.clock_ms, BodyInt(b, "clock_ms"));
    VT_ASSIGN_OR_RETURN(d.start_hash, BodyDigest(b, "start_hash"));
    VT_ASSIGN_OR_RETURN(d.solver_end_hash, BodyDigest(b, "solver_end_hash"));
    return d;
  }
};

}  // namespace veritrain
