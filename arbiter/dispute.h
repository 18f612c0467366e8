// Dispute: the arbiter's record of one challenge game — the Game state
// machine plus who plays it, the move counter that makes moves
// idempotent, per-party byte counts, and the ruling.
//
// Thread-safety: owned by the arbiter's one thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/protocol/game.h"
#include "core/train/node_arbitration.h"
#include "core/wire/messages/dispute_opened.h"
#include "core/wire/messages/game_move.h"
#include "core/wire/messages/game_update.h"
#include "core/wire/messages/verdict.h"

namespace veritrain {

struct Dispute {
  std::string task;
  std::string solver;
  std::string challenger;
  int64_t number = 0;  // the game's number on the task (DisputeOpened::game)
  int64_t interval = 0;
  std::unique_ptr<Game> game;
  int64_t moves = 0;                         // accepted moves so far
  std::map<std::string, int64_t> bytes;      // bytes of game messages, per party
  std::map<std::string, int64_t> rejected;   // rejected game messages, per party
  std::optional<NodeRuling> ruling;
  double job_load_seconds = 0;
  int64_t opened_ms = 0;
  int64_t resolved_ms = 0;

  Party PartyOf(const std::string& name) const;
  // The public state after the latest move.
  GameUpdate Update() const;
  // The dispute's record for events.jsonl and summary.json.
  nlohmann::json Report(const std::string& node_name) const;
};

// The dispute `opened` describes on `task`, its game started at `now_ms`.
Dispute DisputeFromOpened(const std::string& task, const DisputeOpened& opened, int64_t now_ms);

// Applies one game move of `party` to the dispute's game (a split, a
// choice, a graph commitment), at `now_ms` on the game's clocks; the
// game's refusal when the move is illegal.
Status ApplyGameMove(Dispute& d, Party party, const GameMove& move, int64_t now_ms);

// The challenged intervals of a challenge verdict, in the order they are
// to be played (`disputed_interval`, then `further`), each with its
// checkpoint hashes checked against the trace root (tree size from the
// solver's signed commitment). Corruption or InvalidArgument naming the
// interval and what is wrong. With "initial_state": true (interval 0 only)
// the challenge says that checkpoint 0 is not the task's initial state:
// the arbiter rules on it by recomputing the initial state, without a game.
struct ChallengedInterval {
  int64_t interval = -1;
  Digest start_hash;
  Digest end_hash;
  bool initial_state = false;
};
Result<std::vector<ChallengedInterval>> CheckChallengeEvidence(const Verdict& v,
                                                               const Digest& trace_root,
                                                               int64_t num_checkpoints);

}  // namespace veritrain
