// The challenge game's state machine: a scripted honest dispute, every
// named rejection, invalid moves and timeouts.
#include "core/protocol/game.h"

#include <gtest/gtest.h>

#include "core/protocol/node_chain.h"

namespace veritrain {
namespace {

Digest H(int64_t i) { return Sha256Of("state-" + std::to_string(i)); }

GameSetup MakeSetup(int64_t steps, int64_t arity) {
  GameSetup s;
  s.first_step = 100;
  s.steps = steps;
  s.arity = arity;
  s.start_hash = H(0);
  s.solver_end_hash = Sha256Of("wrong end");
  s.clock_ms = 1000;
  s.now_ms = 0;
  return s;
}

TEST(Game, ScriptedDisputeEndsAtTheDivergentStepAndNode) {
  // Truth: state hashes H(p); the solver diverges from step 5 on (of 8).
  Game g(MakeSetup(8, 2));
  auto solver_hash = [](int64_t p) { return p < 6 ? H(p) : Sha256Of("bad-" + std::to_string(p)); };
  int64_t now = 0;
  while (g.state() == GameState::kStepSplits) {
    std::vector<Digest> hashes;
    for (int64_t p : g.PositionsToPost()) hashes.push_back(solver_hash(p));
    ASSERT_TRUE(g.PostStepHashes(Party::kSolver, hashes, ++now).ok());
    const auto& b = g.trace().back().boundaries;
    int64_t choice = 0;
    while (*g.StepHash(b[choice + 1]) == H(b[choice + 1])) ++choice;  // first disagreement
    ASSERT_TRUE(g.ChooseSubRange(Party::kChallenger, choice, ++now).ok());
  }
  ASSERT_EQ(g.state(), GameState::kGraphCommit);
  EXPECT_EQ(g.disputed_step(), 105);
  EXPECT_EQ(g.agreed_state_hash(), H(5));
  EXPECT_EQ(g.rounds_phase1(), 3);

  // Node outputs: honest o_j, the solver's differ from node 3 (0-based) on.
  const int64_t nodes = 6;
  std::vector<Digest> truth, claimed;
  for (int64_t j = 0; j < nodes; ++j) {
    truth.push_back(Sha256Of("o" + std::to_string(j)));
    claimed.push_back(j < 3 ? truth.back() : Sha256Of("x" + std::to_string(j)));
  }
  auto tchain = Chain(H(5), truth), schain = Chain(H(5), claimed);
  ASSERT_TRUE(g.CommitGraph(Party::kSolver, nodes, Sha256Of("root"), schain.back(), ++now).ok());
  while (g.state() == GameState::kNodeSplits) {
    std::vector<Digest> hashes;
    for (int64_t p : g.PositionsToPost()) hashes.push_back(schain[p]);
    ASSERT_TRUE(g.PostNodeHashes(Party::kSolver, hashes, ++now).ok());
    const auto& b = g.trace().back().boundaries;
    int64_t choice = 0;
    while (*g.ChainHash(b[choice + 1]) == tchain[std::min<int64_t>(b[choice + 1], nodes)]) ++choice;
    ASSERT_TRUE(g.ChooseSubRange(Party::kChallenger, choice, ++now).ok());
  }
  ASSERT_EQ(g.state(), GameState::kEvidence);
  EXPECT_EQ(g.disputed_node(), 3);
  EXPECT_EQ(g.rounds_phase2(), CeilLog(nodes, 2));
  EXPECT_EQ(*g.ChainHash(3), tchain[3]);  // inputs agreed
  EXPECT_NE(*g.ChainHash(4), tchain[4]);  // output disputed
  ASSERT_TRUE(g.Rule(false, "output differs", ++now).ok());
  EXPECT_EQ(g.winner(), Party::kChallenger);
}

TEST(Game, OutOfTurnAndAfterResolutionAreRejectedNotLost) {
  Game g(MakeSetup(4, 2));
  Status s = g.ChooseSubRange(Party::kChallenger, 0, 1);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("not its turn"), std::string::npos) << s.message();
  EXPECT_FALSE(g.resolved());
  EXPECT_EQ(g.rejected_moves(Party::kChallenger), 1);
  ASSERT_TRUE(g.PostStepHashes(Party::kSolver, {H(2)}, 2).ok());
  ASSERT_TRUE(g.ChooseSubRange(Party::kChallenger, 5, 3).code() == Status::Code::kInvalidArgument);
  ASSERT_TRUE(g.resolved());
  EXPECT_EQ(g.winner(), Party::kSolver);
  EXPECT_NE(g.reason().find("challenger made an invalid move"), std::string::npos);
  Status late = g.PostStepHashes(Party::kSolver, {H(1)}, 4);
  EXPECT_NE(late.message().find("already resolved"), std::string::npos);
  EXPECT_EQ(g.winner(), Party::kSolver);
}

TEST(Game, WrongNumberOfHashesLosesForTheSolver) {
  Game g(MakeSetup(9, 3));
  ASSERT_EQ(g.PositionsToPost().size(), 2u);
  EXPECT_EQ(g.PostStepHashes(Party::kSolver, {H(3)}, 1).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(g.winner(), Party::kChallenger);
}

TEST(Game, WrongKindOfMoveByThePartyToMoveLoses) {
  Game g(MakeSetup(9, 3));
  EXPECT_FALSE(g.CommitGraph(Party::kSolver, 4, H(1), H(2), 1).ok());
  EXPECT_TRUE(g.resolved());
  EXPECT_EQ(g.winner(), Party::kChallenger);
}

TEST(Game, ClockRunsOnlyForThePartyToMove) {
  Game g(MakeSetup(4, 2));  // 1000 ms each
  ASSERT_TRUE(g.PostStepHashes(Party::kSolver, {H(2)}, 600).ok());
  EXPECT_EQ(g.clock_left(Party::kSolver), 400);
  EXPECT_EQ(g.clock_left(Party::kChallenger), 1000);
  EXPECT_FALSE(g.Tick(1500));  // challenger has used 900
  EXPECT_TRUE(g.Tick(1601));
  EXPECT_EQ(g.winner(), Party::kSolver);
  EXPECT_NE(g.reason().find("challenger ran out of time in step_choice"), std::string::npos);
}

TEST(Game, MoveAfterTheClockRanOutIsRejectedAndLoses) {
  Game g(MakeSetup(4, 2));
  Status s = g.PostStepHashes(Party::kSolver, {H(2)}, 5000);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(g.winner(), Party::kChallenger);
}

TEST(Game, SingleStepIntervalStartsInPhaseTwo) {
  Game g(MakeSetup(1, 2));
  EXPECT_EQ(g.state(), GameState::kGraphCommit);
  ASSERT_TRUE(g.CommitGraph(Party::kSolver, 1, H(1), H(2), 1).ok());
  EXPECT_EQ(g.state(), GameState::kEvidence);
  EXPECT_EQ(g.disputed_node(), 0);
  EXPECT_EQ(g.rounds_phase1() + g.rounds_phase2(), 0);
}

TEST(Game, RuleOnlyInEvidence) {
  Game g(MakeSetup(4, 2));
  EXPECT_EQ(g.Rule(true, "x", 1).code(), Status::Code::kFailedPrecondition);
  EXPECT_FALSE(g.resolved());
}

}  // namespace
}  // namespace veritrain
