// Property test: the dispute settlement matches the game's winner in every
// game. 5,000 challenge games (core/protocol/game.h) are played in-process
// by two random players — legal and illegal moves, wrong-sized hash lists,
// out-of-range choices, stalls past the clock, random rulings — and each
// outcome is settled through a real ledger. Whoever the game names the
// winner must come out ahead by exactly the scenario's split of the loser's
// stake, the loser must lose exactly its stake, and the supply must be
// conserved.
#include <gtest/gtest.h>

#include <random>

#include "core/protocol/game.h"
#include "core/protocol/settlement.h"
#include "tests/unit/protocol/settlement_world.h"

namespace veritrain {
namespace {

Digest RandomDigest(std::mt19937_64& rng) {
  Digest d;
  for (auto& b : d.bytes) b = static_cast<uint8_t>(rng());
  return d;
}

std::vector<Digest> RandHashes(std::mt19937_64& rng, size_t n) {
  // Now and then the wrong number of hashes: an invalid move.
  if (rng() % 20 == 0) n = n + 1;
  std::vector<Digest> out;
  for (size_t i = 0; i < n; ++i) out.push_back(RandomDigest(rng));
  return out;
}

// Plays one game with random moves until it is resolved; returns the winner.
Party PlayRandomGame(std::mt19937_64& rng) {
  GameSetup setup;
  setup.steps = 1 + static_cast<int64_t>(rng() % 40);
  setup.arity = 2 + static_cast<int64_t>(rng() % 5);
  setup.start_hash = RandomDigest(rng);
  setup.solver_end_hash = RandomDigest(rng);
  setup.clock_ms = 2000;
  Game g(setup);
  int64_t now = 0;
  for (int guard = 0; !g.resolved() && guard < 10000; ++guard) {
    now += static_cast<int64_t>(rng() %
                                150);  // sometimes a party runs out of time
    if (g.Tick(now)) break;
    const Party p = rng() % 25 == 0
                        ? (g.to_move() == Party::kSolver ? Party::kChallenger
                                                         : Party::kSolver)
                        : g.to_move();  // a move out of turn now and then
    switch (g.state()) {
      case GameState::kStepSplits:
        (void)g.PostStepHashes(p, RandHashes(rng, g.PositionsToPost().size()),
                               now);
        break;
      case GameState::kNodeSplits:
        (void)g.PostNodeHashes(p, RandHashes(rng, g.PositionsToPost().size()),
                               now);
        break;
      case GameState::kStepChoice:
      case GameState::kNodeChoice:
        (void)g.ChooseSubRange(
            p, static_cast<int64_t>(rng() % (setup.arity + 1)), now);
        break;
      case GameState::kGraphCommit:
        (void)g.CommitGraph(p, 1 + static_cast<int64_t>(rng() % 30), RandomDigest(rng),
                            RandomDigest(rng), now);
        break;
      case GameState::kEvidence:
        (void)g.Rule(rng() % 2 == 0, "random ruling", now);
        break;
      default:
        break;
    }
  }
  EXPECT_TRUE(g.resolved());
  return g.winner();
}

TEST(SettlementProperty, TheGamesWinnerIsPaidInEveryGame) {
  std::mt19937_64 rng(20240611);
  int challenger_wins = 0, solver_wins = 0;
  for (int game = 0; game < 5000; ++game) {
    const Party winner = PlayRandomGame(rng);
    ASSERT_NE(winner, Party::kInvalid);
    SettlementWorld w;
    w.funds = 20000;  // enough for any stake drawn below
    w.economics.slash_winner_bps = static_cast<int64_t>(rng() % 10001);
    w.economics.slash_jackpot_bps =
        static_cast<int64_t>(rng() % (10001 - w.economics.slash_winner_bps));
    w.economics.slash_burn_bps =
        10000 - w.economics.slash_winner_bps - w.economics.slash_jackpot_bps;
    w.economics.solver_stake = static_cast<int64_t>(rng() % 5000);
    w.economics.challenge_stake = static_cast<int64_t>(rng() % 5000);
    w.economics.jackpot_tax_bps = static_cast<int64_t>(rng() % 3000);
    w.Verdicts({VerdictKind::kChallenge});
    const bool upheld = winner == Party::kChallenger;
    SettlementPlan plan =
        w.Settle(upheld ? SettlementOutcome::kChallengeUpheld
                        : SettlementOutcome::kChallengeRejected,
                 "v1");
    const int64_t fee = w.economics.verifier_fee;
    if (upheld) {
      ++challenger_wins;
      const int64_t share = ShareOf(Amount(w.economics.solver_stake),
                                    w.economics.slash_winner_bps)
                                .value();
      ASSERT_EQ(w.Balance("solver"), w.funds - w.economics.solver_stake)
          << "game " << game;
      ASSERT_EQ(w.Balance("v1"), w.funds + fee + share) << "game " << game;
      ASSERT_EQ(w.Balance("submitter"), w.submitter_funds - fee)
          << "game " << game;
    } else {
      ++solver_wins;
      const int64_t share = ShareOf(Amount(w.economics.challenge_stake),
                                    w.economics.slash_winner_bps)
                                .value();
      const int64_t tax =
          ShareOf(Amount(w.reward), w.economics.jackpot_tax_bps).value();
      ASSERT_EQ(w.Balance("solver"), w.funds + w.reward - tax + share)
          << "game " << game;
      ASSERT_EQ(w.Balance("v1"), w.funds + fee - w.economics.challenge_stake)
          << "game " << game;
    }
    ASSERT_TRUE(w.HeldIsEmpty()) << "game " << game;
    ASSERT_TRUE(w.ledger.CheckConservation().ok());
    ASSERT_TRUE(Ledger::Replay(w.ledger.entries()).ok());
  }
  // Both kinds of outcome occur, so both branches were exercised.
  EXPECT_GT(challenger_wins, 500);
  EXPECT_GT(solver_wins, 500);
}

}  // namespace
}  // namespace veritrain
