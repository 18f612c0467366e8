#include "core/protocol/game.h"

#include "core/protocol/node_chain.h"

namespace veritrain {
namespace {

Party Other(Party p) { return p == Party::kSolver ? Party::kChallenger : Party::kSolver; }

constexpr int64_t kMaxGraphNodes = 1 << 20;

}  // namespace

const char* GameStateName(GameState s) {
  switch (s) {
    case GameState::kInvalid: return "invalid";
    case GameState::kStepSplits: return "step_splits";
    case GameState::kStepChoice: return "step_choice";
    case GameState::kGraphCommit: return "graph_commit";
    case GameState::kNodeSplits: return "node_splits";
    case GameState::kNodeChoice: return "node_choice";
    case GameState::kEvidence: return "evidence";
    case GameState::kResolved: return "resolved";
  }
  return "invalid";
}

const char* PartyName(Party p) {
  switch (p) {
    case Party::kSolver: return "solver";
    case Party::kChallenger: return "challenger";
    case Party::kInvalid: return "nobody";
  }
  return "nobody";
}

Game::Game(const GameSetup& setup)
    : setup_(setup),
      steps_(setup.steps, setup.arity),
      solver_clock_(setup.clock_ms),
      challenger_clock_(setup.clock_ms),
      turn_started_(setup.now_ms) {
  step_hashes_[0] = setup.start_hash;
  step_hashes_[steps_.length()] = setup.solver_end_hash;
  if (steps_.done()) state_ = GameState::kGraphCommit;
}

Party Game::to_move() const {
  switch (state_) {
    case GameState::kStepSplits:
    case GameState::kGraphCommit:
    case GameState::kNodeSplits:
    case GameState::kEvidence:
      return Party::kSolver;
    case GameState::kStepChoice:
    case GameState::kNodeChoice:
      return Party::kChallenger;
    default:
      return Party::kInvalid;
  }
}

int64_t Game::clock_left(Party p) const {
  return p == Party::kSolver ? solver_clock_ : challenger_clock_;
}

int64_t Game::rejected_moves(Party p) const {
  return p == Party::kSolver ? solver_rejected_ : challenger_rejected_;
}

int64_t Game::TimeLeftForMove(int64_t now_ms) const {
  if (resolved()) return 0;
  return std::max<int64_t>(0, clock_left(to_move()) - (now_ms - turn_started_));
}

bool Game::Tick(int64_t now_ms) {
  if (resolved()) return false;
  const Party mover = to_move();
  if (clock_left(mover) - (now_ms - turn_started_) >= 0) return false;
  (mover == Party::kSolver ? solver_clock_ : challenger_clock_) = 0;
  Resolve(Other(mover), std::string(PartyName(mover)) + " ran out of time in " +
                            GameStateName(state_));
  return true;
}

void Game::Resolve(Party winner, const std::string& reason) {
  state_ = GameState::kResolved;
  winner_ = winner;
  reason_ = reason;
}

Status Game::Invalid(Party p, const std::string& why, int64_t now_ms) {
  PassTurn(now_ms);
  Resolve(Other(p), std::string(PartyName(p)) + " made an invalid move: " + why);
  return Status::InvalidArgument(why);
}

void Game::PassTurn(int64_t now_ms) {
  int64_t& clock = to_move() == Party::kSolver ? solver_clock_ : challenger_clock_;
  clock -= now_ms - turn_started_;
  turn_started_ = now_ms;
}

Status Game::CheckTurn(Party p, GameState expected, const char* move, int64_t now_ms) {
  auto reject = [&](const std::string& why) {
    ++(p == Party::kSolver ? solver_rejected_ : challenger_rejected_);
    return Status::FailedPrecondition(std::string(move) + " from the " + PartyName(p) + ": " +
                                      why);
  };
  if (p != Party::kSolver && p != Party::kChallenger) return reject("not a party to the game");
  if (resolved()) return reject("the game is already resolved");
  if (Tick(now_ms)) return reject("out of time");
  if (p != to_move()) {
    return reject(std::string("not its turn (the game waits for the ") + PartyName(to_move()) +
                  " in " + GameStateName(state_) + ")");
  }
  if (state_ != expected) {
    return Invalid(p, std::string(move) + " is not a legal move in " + GameStateName(state_),
                   now_ms);
  }
  return Status::Ok();
}

std::vector<int64_t> Game::PositionsToPost() const {
  if (state_ == GameState::kStepSplits) return steps_.PositionsToPost();
  if (state_ == GameState::kNodeSplits && nodes_) return nodes_->PositionsToPost();
  return {};
}

std::optional<Digest> Game::StepHash(int64_t position) const {
  if (position >= steps_.length()) return setup_.solver_end_hash;
  auto it = step_hashes_.find(position);
  if (it == step_hashes_.end()) return std::nullopt;
  return it->second;
}

std::optional<Digest> Game::ChainHash(int64_t position) const {
  if (!nodes_) return std::nullopt;
  if (position >= nodes_->length()) position = nodes_->length();
  auto it = chain_hashes_.find(position);
  if (it == chain_hashes_.end()) return std::nullopt;
  return it->second;
}

Status Game::PostStepHashes(Party p, const std::vector<Digest>& hashes, int64_t now_ms) {
  VT_RETURN_IF_ERROR(CheckTurn(p, GameState::kStepSplits, "step hashes", now_ms));
  const auto positions = steps_.PositionsToPost();
  if (hashes.size() != positions.size()) {
    return Invalid(p, "expected " + std::to_string(positions.size()) + " step hashes, got " +
                          std::to_string(hashes.size()), now_ms);
  }
  for (size_t i = 0; i < positions.size(); ++i) step_hashes_[positions[i]] = hashes[i];
  trace_.push_back(GameRound{1, steps_.Boundaries(), -1});
  PassTurn(now_ms);
  state_ = GameState::kStepChoice;
  return Status::Ok();
}

Status Game::ChooseSubRange(Party p, int64_t index, int64_t now_ms) {
  const GameState expected =
      state_ == GameState::kNodeChoice ? GameState::kNodeChoice : GameState::kStepChoice;
  VT_RETURN_IF_ERROR(CheckTurn(p, expected, "sub-range choice", now_ms));
  Dissection& d = expected == GameState::kStepChoice ? steps_ : *nodes_;
  Status chosen = d.Choose(index);
  if (!chosen.ok()) return Invalid(p, chosen.message(), now_ms);
  trace_.back().chosen = index;
  PassTurn(now_ms);
  if (expected == GameState::kStepChoice) {
    state_ = steps_.done() ? GameState::kGraphCommit : GameState::kStepSplits;
  } else {
    state_ = nodes_->done() ? GameState::kEvidence : GameState::kNodeSplits;
  }
  return Status::Ok();
}

Status Game::CommitGraph(Party p, int64_t nodes, const Digest& outputs_root,
                         const Digest& chain_end, int64_t now_ms) {
  VT_RETURN_IF_ERROR(CheckTurn(p, GameState::kGraphCommit, "graph commitment", now_ms));
  if (nodes < 1 || nodes > kMaxGraphNodes) {
    return Invalid(p, "a step graph must have between 1 and " + std::to_string(kMaxGraphNodes) +
                          " nodes, not " + std::to_string(nodes), now_ms);
  }
  graph_nodes_ = nodes;
  outputs_root_ = outputs_root;
  nodes_.emplace(nodes, setup_.arity);
  chain_hashes_[0] = ChainStart(agreed_state_hash());
  chain_hashes_[nodes] = chain_end;
  PassTurn(now_ms);
  state_ = nodes_->done() ? GameState::kEvidence : GameState::kNodeSplits;
  return Status::Ok();
}

Status Game::PostNodeHashes(Party p, const std::vector<Digest>& hashes, int64_t now_ms) {
  VT_RETURN_IF_ERROR(CheckTurn(p, GameState::kNodeSplits, "node hashes", now_ms));
  const auto positions = nodes_->PositionsToPost();
  if (hashes.size() != positions.size()) {
    return Invalid(p, "expected " + std::to_string(positions.size()) + " chain hashes, got " +
                          std::to_string(hashes.size()), now_ms);
  }
  for (size_t i = 0; i < positions.size(); ++i) chain_hashes_[positions[i]] = hashes[i];
  trace_.push_back(GameRound{2, nodes_->Boundaries(), -1});
  PassTurn(now_ms);
  state_ = GameState::kNodeChoice;
  return Status::Ok();
}

Status Game::Rule(bool solver_correct, const std::string& reason, int64_t now_ms) {
  if (state_ != GameState::kEvidence) {
    return Status::FailedPrecondition(std::string("no ruling is due in ") + GameStateName(state_));
  }
  PassTurn(now_ms);
  Resolve(solver_correct ? Party::kSolver : Party::kChallenger, reason);
  ruled_ = true;
  return Status::Ok();
}

}  // namespace veritrain
