// The arbiter's dispute record: the public game_update it publishes at each
// state, and the check of a challenge's checkpoint proofs.
#include "arbiter/dispute.h"

#include <gtest/gtest.h>

#include "core/crypto/merkle.h"
#include "core/wire/body_fields.h"

namespace veritrain {
namespace {

Dispute MakeDispute(int64_t steps, int64_t arity) {
  Dispute d;
  d.task = "task-0001";
  d.solver = "s";
  d.challenger = "v";
  GameSetup setup;
  setup.first_step = 40;
  setup.steps = steps;
  setup.arity = arity;
  setup.start_hash = Sha256Of("start");
  setup.solver_end_hash = Sha256Of("end");
  d.game = std::make_unique<Game>(setup);
  return d;
}

TEST(Dispute, UpdateTellsEachPartyWhatToDo) {
  Dispute d = MakeDispute(8, 2);
  EXPECT_EQ(d.PartyOf("s"), Party::kSolver);
  EXPECT_EQ(d.PartyOf("v"), Party::kChallenger);
  EXPECT_EQ(d.PartyOf("x"), Party::kInvalid);
  GameUpdate u = d.Update();
  EXPECT_EQ(u.state, "step_splits");
  EXPECT_EQ(u.to_move, "solver");
  EXPECT_EQ(u.positions, (std::vector<int64_t>{4}));
  ASSERT_TRUE(d.game->PostStepHashes(Party::kSolver, {Sha256Of("four")}, 1).ok());
  u = d.Update();
  EXPECT_EQ(u.state, "step_choice");
  EXPECT_EQ(u.to_move, "challenger");
  EXPECT_EQ(u.boundaries, (std::vector<int64_t>{0, 4, 8}));
  ASSERT_EQ(u.hashes.size(), 3u);
  EXPECT_EQ(u.hashes[1].second, Sha256Of("four"));
  EXPECT_EQ(u.hashes[2].second, Sha256Of("end"));
}

// Once the steps are dissected, every update carries the solver's hashes
// around the disputed step, which a challenger restarted in the node rounds
// has no other record of; through the wire as they were.
TEST(Dispute, UpdatesOfTheNodeRoundsCarryTheHashesAroundTheDisputedStep) {
  Dispute d = MakeDispute(4, 2);
  EXPECT_TRUE(d.Update().step_hashes.empty());
  ASSERT_TRUE(d.game->PostStepHashes(Party::kSolver, {Sha256Of("two")}, 1).ok());
  EXPECT_TRUE(d.Update().step_hashes.empty());
  ASSERT_TRUE(d.game->ChooseSubRange(Party::kChallenger, 1, 2).ok());   // steps 2..4
  ASSERT_TRUE(d.game->PostStepHashes(Party::kSolver, {Sha256Of("three")}, 3).ok());
  ASSERT_TRUE(d.game->ChooseSubRange(Party::kChallenger, 0, 4).ok());   // step 2
  ASSERT_EQ(d.game->state(), GameState::kGraphCommit);
  GameUpdate u = d.Update();
  EXPECT_EQ(u.disputed_step, 42);
  const std::vector<std::pair<int64_t, Digest>> around = {{2, Sha256Of("two")},
                                                          {3, Sha256Of("three")}};
  EXPECT_EQ(u.step_hashes, around);
  ASSERT_TRUE(d.game->CommitGraph(Party::kSolver, 3, Sha256Of("r"), Sha256Of("h"), 5).ok());
  u = d.Update();
  EXPECT_EQ(u.step_hashes, around);
  auto back = GameUpdate::FromBody(u.ToBody());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->step_hashes, around);
  nlohmann::json bad = u.ToBody();
  bad["step_hashes"] = {{2, "not a digest"}};
  EXPECT_NE(GameUpdate::FromBody(bad).status().message().find("'step_hashes' holds a bad digest"),
            std::string::npos);
  bad.erase("step_hashes");
  EXPECT_FALSE(GameUpdate::FromBody(bad).ok());
}

TEST(Dispute, ReportCarriesRoundsAndWinner) {
  Dispute d = MakeDispute(1, 2);
  ASSERT_TRUE(d.game->CommitGraph(Party::kSolver, 3, Sha256Of("r"), Sha256Of("h"), 1).ok());
  ASSERT_TRUE(d.game->PostNodeHashes(Party::kSolver, {Sha256Of("h2")}, 2).ok());
  ASSERT_TRUE(d.game->ChooseSubRange(Party::kChallenger, 0, 3).ok());
  ASSERT_TRUE(d.game->ChooseSubRange(Party::kChallenger, 0, 4).code() ==
              Status::Code::kFailedPrecondition);  // not its turn: node splits next
  ASSERT_TRUE(d.game->PostNodeHashes(Party::kSolver, {Sha256Of("h1")}, 5).ok());
  ASSERT_TRUE(d.game->ChooseSubRange(Party::kChallenger, 1, 6).ok());
  ASSERT_EQ(d.game->state(), GameState::kEvidence);
  ASSERT_TRUE(d.game->Rule(false, "differs", 7).ok());
  auto r = d.Report("fc1.forward");
  EXPECT_EQ(r["step"], 40);
  EXPECT_EQ(r["node"], "fc1.forward");
  EXPECT_EQ(r["node_index"], 1);
  EXPECT_EQ(r["rounds"], 2);
  EXPECT_EQ(r["expected_rounds"], 2);
  EXPECT_EQ(r["winner"], "challenger");
  EXPECT_EQ(r["trace"].size(), 2u);
  // An exact ruling compares hashes: it reports no deviation (a 0 would
  // read as a perfect match); a tolerance ruling reports the one measured.
  NodeRuling exact;
  exact.node_flops = 10;
  exact.step_flops = 100;
  d.ruling = exact;
  r = d.Report("fc1.forward");
  EXPECT_EQ(r["arbiter"]["flops_ratio"], 0.1);
  EXPECT_FALSE(r["arbiter"].contains("deviation")) << r["arbiter"].dump();
  EXPECT_FALSE(r["arbiter"].contains("tolerance")) << r["arbiter"].dump();
  NodeRuling within = exact;
  within.tolerance_mode = true;
  within.deviation = 0.25;
  within.tolerance = 0.5;
  d.ruling = within;
  r = d.Report("fc1.forward");
  EXPECT_EQ(r["arbiter"]["deviation"], 0.25);
  EXPECT_EQ(r["arbiter"]["tolerance"], 0.5);
}

TEST(Dispute, ChallengeEvidenceIsCheckedAgainstTheTraceRoot) {
  std::vector<Digest> states = {Sha256Of("c0"), Sha256Of("c1"), Sha256Of("c2")};
  std::vector<Digest> leaves;
  for (const auto& s : states) leaves.push_back(MerkleLeafHash(s));
  MerkleTree tree(leaves);
  Verdict v;
  v.accept = false;
  v.disputed_interval = 1;
  v.evidence = {{"start", {{"hash", states[1].Hex()}, {"proof", ProofToJson(tree.Prove(1))}}},
                {"end", {{"hash", states[2].Hex()}, {"proof", ProofToJson(tree.Prove(2))}}}};
  auto ok = CheckChallengeEvidence(v, tree.root(), 3);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ(ok->front().interval, 1);
  EXPECT_EQ(ok->front().start_hash, states[1]);
  EXPECT_EQ(ok->front().end_hash, states[2]);

  Verdict swapped = v;  // proofs for other positions
  swapped.evidence["start"]["proof"] = ProofToJson(tree.Prove(0));
  EXPECT_FALSE(CheckChallengeEvidence(swapped, tree.root(), 3).ok());
  Verdict forged = v;  // a hash the solver never committed to
  forged.evidence["end"]["hash"] = Sha256Of("forged").Hex();
  EXPECT_FALSE(CheckChallengeEvidence(forged, tree.root(), 3).ok());
  Verdict outside = v;
  outside.disputed_interval = 2;
  EXPECT_FALSE(CheckChallengeEvidence(outside, tree.root(), 3).ok());
  Verdict bare = v;
  bare.evidence = nlohmann::json::object();
  EXPECT_FALSE(CheckChallengeEvidence(bare, tree.root(), 3).ok());
  EXPECT_FALSE(ok->front().initial_state);
}

// "checkpoint 0 is not the task's initial state" is ruled on without a
// game, so it is only about interval 0, and the flag must be a boolean.
TEST(Dispute, InitialStateChallengeNamesIntervalZero) {
  std::vector<Digest> states = {Sha256Of("c0"), Sha256Of("c1"), Sha256Of("c2")};
  std::vector<Digest> leaves;
  for (const auto& s : states) leaves.push_back(MerkleLeafHash(s));
  MerkleTree tree(leaves);
  auto evidence = [&](int64_t interval) {
    return nlohmann::json{
        {"start", {{"hash", states[interval].Hex()}, {"proof", ProofToJson(tree.Prove(interval))}}},
        {"end",
         {{"hash", states[interval + 1].Hex()}, {"proof", ProofToJson(tree.Prove(interval + 1))}}},
        {"initial_state", true}};
  };
  Verdict v;
  v.accept = false;
  v.disputed_interval = 0;
  v.evidence = evidence(0);
  auto ok = CheckChallengeEvidence(v, tree.root(), 3);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->front().initial_state);
  EXPECT_EQ(ok->front().start_hash, states[0]);

  Verdict later = v;
  later.disputed_interval = 1;
  later.evidence = evidence(1);
  auto refused = CheckChallengeEvidence(later, tree.root(), 3);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("interval 0"), std::string::npos);

  Verdict not_bool = v;
  not_bool.evidence["initial_state"] = "yes";
  EXPECT_FALSE(CheckChallengeEvidence(not_bool, tree.root(), 3).ok());
}

}  // namespace
}  // namespace veritrain
