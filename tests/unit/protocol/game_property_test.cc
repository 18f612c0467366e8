// Property test of the challenge game, in-process with a fake world:
// 12,000 games with random interval lengths, graph sizes, arities,
// divergence points and random (including adversarial) strategies for the
// dishonest party. The honest party must win every game, within exactly
// ⌈log_n L⌉ + ⌈log_n N⌉ rounds when the game runs to the end, and within
// the two clocks' total time.
//
// The fake world: true state hashes T[p] for every step position, true
// node outputs for the disputed step. The referee "evaluates" a node by
// knowing its true output: given agreed inputs (an agreed chain prefix),
// the solver is right iff its chain hash after the node equals the true
// one.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "core/protocol/game.h"
#include "core/protocol/node_chain.h"

namespace veritrain {
namespace {

struct World {
  std::vector<Digest> truth_steps;   // T[0..L]
  std::vector<Digest> truth_outputs; // per step position s: outputs of step s (same for all s here)
};

Digest Rand(std::mt19937_64& rng) {
  Digest d;
  for (auto& b : d.bytes) b = static_cast<uint8_t>(rng());
  return d;
}

enum class Strategy { kHonest, kWrong, kGarbage, kStall, kInvalid };

struct Outcome {
  Party winner;
  int64_t rounds;
  int64_t expected_rounds;
  bool ran_to_ruling;
  int64_t elapsed;
};

// The challenger's choice among the sub-ranges ending at `b[1..]`: a
// cheating one picks any legal sub-range (one that starts before `end`) at
// random; an honest one the first whose end disagrees with the truth
// (`agrees(p)`: the claim at boundary p is the truth).
int64_t Choose(std::mt19937_64& rng, bool cheat, const std::vector<int64_t>& b, int64_t arity,
               int64_t end, const std::function<bool(int64_t)>& agrees) {
  int64_t choice = 0;
  if (cheat) {
    std::vector<int64_t> legal;
    for (int64_t i = 0; i < arity; ++i) {
      if (b[i] < end) legal.push_back(i);
    }
    return legal[rng() % legal.size()];
  }
  while (agrees(b[choice + 1])) ++choice;
  return choice;
}

// A cheating solver's claims, from the truth (step hashes 0..length, node
// outputs): it diverges from a random step and node, may coincidentally
// agree again later, and its last claims are always wrong.
void Falsify(std::mt19937_64& rng, std::vector<Digest>* claimed,
             std::vector<Digest>* claimed_outputs) {
  const int64_t length = static_cast<int64_t>(claimed->size()) - 1;
  const int64_t nodes = static_cast<int64_t>(claimed_outputs->size());
  const int64_t d = 1 + static_cast<int64_t>(rng() % length);
  for (int64_t p = d; p <= length; ++p) {
    if (p == length || rng() % 3 != 0) (*claimed)[p] = Rand(rng);
  }
  const int64_t e = static_cast<int64_t>(rng() % nodes);
  for (int64_t j = e; j < nodes; ++j) {
    if (j == nodes - 1 || rng() % 3 != 0) (*claimed_outputs)[j] = Rand(rng);
  }
}

// An invalid move of some kind by `mover`: a sub-range that does not
// exist, or hashes and a graph commitment at the wrong time or of the
// wrong size.
void InvalidMove(std::mt19937_64& rng, Game& g, Party mover, int64_t arity, int64_t now) {
  if (mover == Party::kChallenger) {
    (void)g.ChooseSubRange(mover, arity + static_cast<int64_t>(rng() % 3), now);
    return;
  }
  (void)g.PostStepHashes(mover, {Rand(rng), Rand(rng), Rand(rng), Rand(rng), Rand(rng),
                                 Rand(rng), Rand(rng), Rand(rng), Rand(rng)}, now);
  if (!g.resolved()) (void)g.CommitGraph(mover, 0, Rand(rng), Rand(rng), now);
}

// Plays one game. `dishonest` is the cheating party; its strategy is drawn
// at random per move from adversarial choices.
Outcome Play(std::mt19937_64& rng, Party dishonest) {
  const int64_t length = 1 + static_cast<int64_t>(rng() % 64);
  const int64_t arity = 2 + static_cast<int64_t>(rng() % 7);
  const int64_t nodes = 1 + static_cast<int64_t>(rng() % 40);
  const int64_t clock = 10000;

  std::vector<Digest> truth(length + 1);
  for (auto& d : truth) d = Rand(rng);
  std::vector<Digest> true_outputs(nodes);
  for (auto& d : true_outputs) d = Rand(rng);

  std::vector<Digest> claimed = truth;
  std::vector<Digest> claimed_outputs = true_outputs;
  if (dishonest == Party::kSolver) Falsify(rng, &claimed, &claimed_outputs);

  GameSetup setup;
  setup.first_step = 0;
  setup.steps = length;
  setup.arity = arity;
  setup.start_hash = truth[0];
  setup.solver_end_hash = claimed[length];
  setup.clock_ms = clock;
  Game g(setup);
  int64_t now = 0;
  const int64_t stall_at = static_cast<int64_t>(rng() % 20);
  int64_t moves = 0;
  bool garbage_chain = rng() % 2 == 0;

  std::vector<Digest> true_chain, solver_chain;
  while (!g.resolved()) {
    const Party mover = g.to_move();
    const bool cheat = mover == dishonest;
    now += 1 + static_cast<int64_t>(rng() % 50);
    if (cheat && moves++ == stall_at && rng() % 4 == 0) {
      now += clock + 1;  // stalls: goes silent past its clock
      g.Tick(now);
      break;
    }
    if (cheat && rng() % 40 == 0) {  // an invalid move of some kind
      InvalidMove(rng, g, mover, arity, now);
      if (!g.resolved()) g.Tick(now + 2 * clock);  // the honest side waits it out
      continue;
    }
    // The other party tries to move out of turn now and then: rejected.
    if (rng() % 10 == 0) {
      const Party other = mover == Party::kSolver ? Party::kChallenger : Party::kSolver;
      Status s = other == Party::kChallenger ? g.ChooseSubRange(other, 0, now)
                                             : g.PostStepHashes(other, {}, now);
      EXPECT_FALSE(s.ok());
      EXPECT_FALSE(g.resolved());
    }
    switch (g.state()) {
      case GameState::kStepSplits: {
        std::vector<Digest> h;
        for (int64_t p : g.PositionsToPost()) h.push_back(claimed[p]);
        EXPECT_TRUE(g.PostStepHashes(mover, h, now).ok());
        break;
      }
      case GameState::kStepChoice: {
        const int64_t choice = Choose(rng, cheat, g.trace().back().boundaries, arity, length,
                                      [&](int64_t p) { return *g.StepHash(p) == truth[std::min(p, length)]; });
        EXPECT_TRUE(g.ChooseSubRange(mover, choice, now).ok());
        break;
      }
      case GameState::kGraphCommit: {
        // The step both agree on the start of: its true outputs chain from
        // the agreed state; the solver's from the same start.
        const Digest agreed = g.agreed_state_hash();
        true_chain = Chain(agreed, true_outputs);
        solver_chain = Chain(agreed, claimed_outputs);
        EXPECT_TRUE(g.CommitGraph(mover, nodes, Rand(rng), solver_chain.back(), now).ok());
        break;
      }
      case GameState::kNodeSplits: {
        std::vector<Digest> h;
        for (int64_t p : g.PositionsToPost()) {
          h.push_back(cheat && garbage_chain && rng() % 2 ? Rand(rng) : solver_chain[p]);
        }
        EXPECT_TRUE(g.PostNodeHashes(mover, h, now).ok());
        break;
      }
      case GameState::kNodeChoice: {
        const int64_t choice = Choose(rng, cheat, g.trace().back().boundaries, arity, nodes,
                                      [&](int64_t p) {
                                        return *g.ChainHash(p) == true_chain[std::min(p, nodes)];
                                      });
        EXPECT_TRUE(g.ChooseSubRange(mover, choice, now).ok());
        break;
      }
      case GameState::kEvidence: {
        // The referee evaluates the node from the agreed prefix: the
        // solver is right iff its claimed chain step equals the truth.
        const int64_t j = g.disputed_node();
        const bool inputs_true = *g.ChainHash(j) == true_chain[j];
        const bool correct = inputs_true && *g.ChainHash(j + 1) == true_chain[j + 1];
        // With the honest solver the inputs are always true; with the
        // honest challenger the dissection guarantees it.
        EXPECT_TRUE(inputs_true || dishonest == Party::kChallenger);
        EXPECT_TRUE(g.Rule(correct, "referee", now).ok());
        break;
      }
      default:
        ADD_FAILURE() << "unexpected state " << GameStateName(g.state());
        return {};
    }
  }
  Outcome o;
  o.winner = g.winner();
  o.rounds = g.rounds_phase1() + g.rounds_phase2();
  o.expected_rounds = CeilLog(length, arity) + (g.node_dissection() ? CeilLog(nodes, arity) : 0);
  o.ran_to_ruling = g.reason() == "referee";
  o.elapsed = now;
  return o;
}

TEST(GameProperty, HonestPartyAlwaysWinsWithinBoundedRoundsAndTime) {
  std::mt19937_64 rng(20261122);
  int64_t rulings = 0, games = 0;
  for (int i = 0; i < 12000; ++i) {
    const Party dishonest = i % 2 == 0 ? Party::kSolver : Party::kChallenger;
    const Party honest = dishonest == Party::kSolver ? Party::kChallenger : Party::kSolver;
    Outcome o = Play(rng, dishonest);
    ASSERT_EQ(o.winner, honest) << "game " << i;
    if (o.ran_to_ruling) {
      ++rulings;
      ASSERT_EQ(o.rounds, o.expected_rounds) << "game " << i;
    }
    ASSERT_LE(o.rounds, o.expected_rounds);
    ++games;
  }
  EXPECT_EQ(games, 12000);
  EXPECT_GT(rulings, 6000);  // most games go all the way to a one-node ruling
}

}  // namespace
}  // namespace veritrain
