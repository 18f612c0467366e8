// The challenge game (design stage 6) as an explicit state machine.
//
// A dispute over one interval of a task: the solver's trace says the state
// goes from `start_hash` at step a to `solver_end_hash` at step a+L; the
// challenger says otherwise. The game narrows the dispute to one node of
// one step, which the arbiter then evaluates itself.
//
//   state         to move     move                        next state
//   step_splits   solver      PostStepHashes(n-1 hashes)  step_choice
//   step_choice   challenger  ChooseSubRange(i)           step_splits, or
//                                                          graph_commit once
//                                                          one step is left
//   graph_commit  solver      CommitGraph(N, root, h_N)   node_splits
//                                                          (evidence if N = 1)
//   node_splits   solver      PostNodeHashes(...)         node_choice
//   node_choice   challenger  ChooseSubRange(i)           node_splits, or
//                                                          evidence once one
//                                                          node is left
//   evidence      solver      (evidence, checked by the   resolved
//                              arbiter) → Rule(...)
//   any           the party to move runs out of its clock  resolved (it loses)
//   any           the party to move makes an invalid move  resolved (it loses)
//
// A move by the party not to move, or after the game is resolved, is
// rejected with a named error and changes nothing (it may be a duplicate
// delivered late); it is counted. Rounds are exactly ⌈log_n L⌉ in phase 1
// and ⌈log_n N⌉ in phase 2 (see Dissection).
//
// Thread-safety: not thread-safe; one owner. Time is passed in (ms from any
// fixed origin), so tests drive it with a fake clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/protocol/dissection.h"
#include "core/util/status.h"

namespace veritrain {

enum class GameState {
  kInvalid = 0,  // deliberately not a state
  kStepSplits,
  kStepChoice,
  kGraphCommit,
  kNodeSplits,
  kNodeChoice,
  kEvidence,
  kResolved,
};

enum class Party { kInvalid = 0, kSolver, kChallenger };

const char* GameStateName(GameState s);
const char* PartyName(Party p);

struct GameSetup {
  int64_t first_step = 0;   // global step index of the interval's start
  int64_t steps = 1;        // L >= 1
  int64_t arity = 2;        // n >= 2
  Digest start_hash;        // agreed: the trace's state hash at first_step
  Digest solver_end_hash;   // disputed: the trace's state hash at first_step + L
  int64_t clock_ms = 60000; // each party's total thinking time
  int64_t now_ms = 0;       // when the game opens
};

// One round of a dissection, for the dispute trace.
struct GameRound {
  int phase = 1;                    // 1 = steps, 2 = nodes
  std::vector<int64_t> boundaries;  // virtual boundaries offered
  int64_t chosen = -1;              // sub-range index the challenger chose
};

class Game {
 public:
  explicit Game(const GameSetup& setup);

  GameState state() const { return state_; }
  Party to_move() const;
  bool resolved() const { return state_ == GameState::kResolved; }
  Party winner() const { return winner_; }
  const std::string& reason() const { return reason_; }
  // Resolved by the arbiter's ruling on the disputed node (Rule), rather
  // than by a clock that ran out or an invalid move: lost on the merits.
  bool ruled() const { return ruled_; }

  Status PostStepHashes(Party p, const std::vector<Digest>& hashes, int64_t now_ms);
  Status ChooseSubRange(Party p, int64_t index, int64_t now_ms);
  Status CommitGraph(Party p, int64_t nodes, const Digest& outputs_root,
                     const Digest& chain_end, int64_t now_ms);
  Status PostNodeHashes(Party p, const std::vector<Digest>& hashes, int64_t now_ms);
  // The arbiter's ruling on the disputed node. REQUIRES state() == kEvidence.
  Status Rule(bool solver_correct, const std::string& reason, int64_t now_ms);
  // Ends the game against the party to move if its clock has run out.
  // Returns true when that happened.
  bool Tick(int64_t now_ms);
  // Milliseconds until the party to move runs out of time (0 if resolved).
  int64_t TimeLeftForMove(int64_t now_ms) const;

  const GameSetup& setup() const { return setup_; }
  const Dissection& step_dissection() const { return steps_; }
  const std::optional<Dissection>& node_dissection() const { return nodes_; }
  // Positions (relative to first_step, or chain positions) whose hashes the
  // solver must post now; empty unless state() is *_splits.
  std::vector<int64_t> PositionsToPost() const;
  // The solver's claimed hash at a relative step position / chain position
  // (the disputed end stands for every padded position past it).
  std::optional<Digest> StepHash(int64_t position) const;
  std::optional<Digest> ChainHash(int64_t position) const;

  // Valid from graph_commit on: the disputed step (global index), the
  // agreed state hash before it and the solver's claimed hash after it.
  int64_t disputed_step() const { return setup_.first_step + steps_.lo(); }
  Digest agreed_state_hash() const { return *StepHash(steps_.lo()); }
  Digest solver_next_state_hash() const { return *StepHash(steps_.lo() + 1); }
  // Valid from evidence on: the disputed node (0-based graph index) and the
  // chain hashes around it (h_j agreed before it, h_{j+1} disputed).
  int64_t disputed_node() const { return nodes_ ? nodes_->lo() : -1; }
  int64_t graph_nodes() const { return graph_nodes_; }
  const Digest& outputs_root() const { return outputs_root_; }

  int64_t rounds_phase1() const { return steps_.rounds(); }
  int64_t rounds_phase2() const { return nodes_ ? nodes_->rounds() : 0; }
  const std::vector<GameRound>& trace() const { return trace_; }
  int64_t clock_left(Party p) const;
  int64_t rejected_moves(Party p) const;

 private:
  // Common checks for a move; resolves against `p` for an invalid move.
  Status CheckTurn(Party p, GameState expected, const char* move, int64_t now_ms);
  Status Invalid(Party p, const std::string& why, int64_t now_ms);
  void PassTurn(int64_t now_ms);
  void Resolve(Party winner, const std::string& reason);
  void EnterNodesOrEvidence();

  GameSetup setup_;
  GameState state_ = GameState::kStepSplits;
  Dissection steps_;
  std::optional<Dissection> nodes_;
  std::map<int64_t, Digest> step_hashes_;
  std::map<int64_t, Digest> chain_hashes_;
  int64_t graph_nodes_ = 0;
  Digest outputs_root_;
  std::vector<GameRound> trace_;
  int64_t solver_clock_;
  int64_t challenger_clock_;
  int64_t turn_started_;
  int64_t solver_rejected_ = 0;
  int64_t challenger_rejected_ = 0;
  Party winner_ = Party::kInvalid;
  bool ruled_ = false;
  std::string reason_;
};

}  // namespace veritrain
