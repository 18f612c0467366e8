// Tests for settlement: every outcome moves every held token to the right
// place, splits are exact, and the plan applied to a real ledger conserves
// the supply.
#include "core/protocol/settlement.h"

#include <gtest/gtest.h>

#include <map>

#include "core/protocol/ledger.h"
#include "tests/unit/protocol/settlement_world.h"

namespace veritrain {
namespace {

TEST(ShareOf, FloorsWithoutOverflow) {
  EXPECT_EQ(ShareOf(Amount(999), 5000), Amount(499));
  EXPECT_EQ(ShareOf(Amount(TaskEconomics::kMaxAmount), 10000),
            Amount(TaskEconomics::kMaxAmount));
  EXPECT_EQ(ShareOf(Amount(7), 0), Amount(0));
}

TEST(SettlementOutcomeNamed, InvertsTheNameAndPaysOnlyAcceptedResults) {
  int paying = 0;
  for (int i = 1; i <= static_cast<int>(SettlementOutcome::kWithheld); ++i) {
    const auto o = static_cast<SettlementOutcome>(i);
    EXPECT_EQ(SettlementOutcomeNamed(SettlementOutcomeName(o)), o) << SettlementOutcomeName(o);
    paying += PaysReward(o) ? 1 : 0;
  }
  EXPECT_EQ(paying, 2);
  EXPECT_TRUE(PaysReward(SettlementOutcomeNamed("accepted")));
  EXPECT_TRUE(PaysReward(SettlementOutcomeNamed("challenge_rejected")));
  EXPECT_EQ(SettlementOutcomeNamed("rejected"), SettlementOutcome::kInvalid);
  EXPECT_EQ(SettlementOutcomeNamed(""), SettlementOutcome::kInvalid);
  EXPECT_FALSE(PaysReward(SettlementOutcome::kInvalid));
}

TEST(Settlement, AcceptedPaysRewardMinusTaxFeesAndReturnsStakes) {
  SettlementWorld w;
  w.economics.jackpot_tax_bps = 1000;  // 10 %
  w.Verdicts({VerdictKind::kAccept, VerdictKind::kAccept});
  auto plan = w.Settle(SettlementOutcome::kAccepted);
  EXPECT_EQ(w.Balance("solver"), w.funds + 900);  // reward 1000 − tax 100
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee);
  EXPECT_EQ(w.Balance("v2"), w.funds + w.economics.verifier_fee);
  EXPECT_EQ(w.Balance(kJackpotAccount), 100);
  EXPECT_EQ(plan.tax, Amount(100));
  EXPECT_TRUE(plan.slashed.empty());
  EXPECT_TRUE(w.HeldIsEmpty());
}

TEST(Settlement, UpheldSlashesTheSolverInTheScenariosSplit) {
  SettlementWorld w;  // solver stake 1000, split 60 / 30 / 10
  w.Verdicts({VerdictKind::kChallenge, VerdictKind::kAccept});
  auto plan = w.Settle(SettlementOutcome::kChallengeUpheld, "v1");
  EXPECT_EQ(w.Balance("solver"), w.funds - 1000);
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee + 600);
  EXPECT_EQ(w.Balance(kJackpotAccount), 300);
  EXPECT_EQ(w.Balance(kBurnAccount), 100);
  // The reward comes back; the fees were earned.
  EXPECT_EQ(w.Balance("submitter"),
            w.submitter_funds - 2 * w.economics.verifier_fee);
  ASSERT_EQ(plan.lazy.size(), 1u);  // v2 approved a wrong result
  EXPECT_EQ(plan.lazy[0], "v2");
  EXPECT_EQ(w.Balance("v2"),
            w.funds + w.economics.verifier_fee);  // not slashed by default
  EXPECT_TRUE(w.HeldIsEmpty());
}

// Upheld because the solver ran out of its clock (or sent evidence that
// failed a check): the solver is slashed, but the game did not prove its
// result wrong, so the verifier that approved it is not lazy.
TEST(Settlement, UpheldWithoutProofSlashesTheSolverButNoApprover) {
  SettlementWorld w;
  w.economics.slash_lazy = true;
  w.Verdicts({VerdictKind::kChallenge, VerdictKind::kAccept});
  w.in.result_proven_wrong = false;
  auto plan = w.Settle(SettlementOutcome::kChallengeUpheld, "v1");
  EXPECT_EQ(w.Balance("solver"), w.funds - 1000);
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee + 600);
  EXPECT_TRUE(plan.lazy.empty());
  EXPECT_EQ(w.Balance("v2"), w.funds + w.economics.verifier_fee);
  EXPECT_TRUE(w.HeldIsEmpty());
  // Proven wrong, the same approver is lazy and, with slash_lazy, slashed.
  SettlementWorld proven;
  proven.economics.slash_lazy = true;
  proven.Verdicts({VerdictKind::kChallenge, VerdictKind::kAccept});
  auto lazy = proven.Settle(SettlementOutcome::kChallengeUpheld, "v1");
  EXPECT_EQ(lazy.lazy, std::vector<std::string>{"v2"});
  EXPECT_EQ(proven.Balance("v2"), proven.funds + proven.economics.verifier_fee - 300);
}

// An approval vouches for the intervals the verifier was drawn to check:
// a game that proved another interval wrong does not make it lazy (its
// draw missed the wrong interval; it did its work), one that proved an
// interval of its draw wrong does. A forced error, all of whose
// checkpoints are wrong, exposes every approver whatever its draw.
TEST(Settlement, AnApproverIsLazyOnlyForTheIntervalsItWasDrawnToCheck) {
  auto settle = [](int64_t proven_wrong, const std::vector<int64_t>& drawn) {
    SettlementWorld w;
    w.economics.slash_lazy = true;
    w.Verdicts({VerdictKind::kChallenge, VerdictKind::kAccept});
    w.in.verifiers[1].intervals = drawn;
    w.in.proven_wrong_interval = proven_wrong;
    auto plan = w.Settle(SettlementOutcome::kChallengeUpheld, "v1");
    EXPECT_TRUE(w.HeldIsEmpty());
    return std::make_pair(plan.lazy, w.Balance("v2") - (w.funds + w.economics.verifier_fee));
  };
  // Drawn 2 and 3, interval 1 proven wrong: not lazy, its stake back.
  auto [lazy, change] = settle(1, {2, 3});
  EXPECT_TRUE(lazy.empty());
  EXPECT_EQ(change, 0);
  // Drawn 1 and 3: it approved the wrong interval.
  std::tie(lazy, change) = settle(1, {1, 3});
  EXPECT_EQ(lazy, std::vector<std::string>{"v2"});
  EXPECT_EQ(change, -300);
  // Not known which interval: every approver, as before.
  std::tie(lazy, change) = settle(-1, {2, 3});
  EXPECT_EQ(lazy, std::vector<std::string>{"v2"});

  SettlementWorld forced;
  forced.economics.slash_lazy = true;
  forced.Verdicts({VerdictKind::kChallenge, VerdictKind::kAccept});
  forced.in.verifiers[1].intervals = {2, 3};
  forced.in.proven_wrong_interval = 1;
  auto plan = forced.Settle(SettlementOutcome::kForcedError);
  EXPECT_EQ(plan.lazy, std::vector<std::string>{"v2"});
}

// Withheld with two verifiers that asked for the withheld data: the
// winner (the first in selection order) gets the winner share, and each of
// them its fee though neither posted a verdict.
TEST(Settlement, WithheldPaysEveryWithheldChallengerItsFee) {
  SettlementWorld w;  // solver stake 1000, split 60 / 30 / 10
  w.Verdicts({VerdictKind::kNone, VerdictKind::kNone});
  w.in.withheld_challengers = {"v1", "v2"};
  auto plan = w.Settle(SettlementOutcome::kWithheld, "v1");
  EXPECT_EQ(w.Balance("solver"), w.funds - 1000);
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee + 600);
  EXPECT_EQ(w.Balance("v2"), w.funds + w.economics.verifier_fee);
  EXPECT_EQ(w.Balance("submitter"), w.submitter_funds - 2 * w.economics.verifier_fee);
  ASSERT_EQ(plan.slashed.size(), 1u);
  EXPECT_EQ(plan.slashed[0].winner, "v1");
  EXPECT_TRUE(plan.silent.empty());
  EXPECT_TRUE(w.HeldIsEmpty());
}

TEST(Settlement, RejectedSlashesTheChallengerToTheSolver) {
  SettlementWorld w;
  w.Verdicts({VerdictKind::kChallenge});
  w.Settle(SettlementOutcome::kChallengeRejected, "v1");
  EXPECT_EQ(w.Balance("solver"), w.funds + 1000 + 120);  // reward + 60 % of 200
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee - 200);
  EXPECT_EQ(w.Balance(kJackpotAccount), 60);
  EXPECT_EQ(w.Balance(kBurnAccount), 20);
  EXPECT_TRUE(w.HeldIsEmpty());
}

// Two challenges played in turn: v1's game was rejected, v2's upheld. The
// solver is slashed to v2; v1 forfeits its challenge stake as a rejected
// challenger does (60 % of it to the solver, which won that game), and
// v2's is returned.
TEST(Settlement, AnEarlierRejectedChallengerForfeitsWhenALaterGameIsUpheld) {
  SettlementWorld w;  // challenge stake 200, split 60 / 30 / 10
  w.Verdicts({VerdictKind::kChallenge, VerdictKind::kChallenge});
  w.in.rejected_challengers = {"v1"};
  auto plan = w.Settle(SettlementOutcome::kChallengeUpheld, "v2");
  ASSERT_EQ(plan.slashed.size(), 2u);
  EXPECT_EQ(plan.slashed[0].owner, "solver");
  EXPECT_EQ(plan.slashed[0].winner, "v2");
  EXPECT_EQ(plan.slashed[1].owner, "v1");
  EXPECT_EQ(plan.slashed[1].why, "challenge rejected");
  // The solver won v1's game, but the task found it wrong: it gets
  // nothing, the winner share goes to the jackpot.
  EXPECT_EQ(plan.slashed[1].winner, "");
  EXPECT_EQ(w.Balance("solver"), w.funds - 1000);
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee - 200);
  EXPECT_EQ(w.Balance("v2"), w.funds + w.economics.verifier_fee + 600);
  EXPECT_EQ(w.Balance(kJackpotAccount), 300 + 120 + 60);
  EXPECT_EQ(w.Balance(kBurnAccount), 100 + 20);
  EXPECT_TRUE(plan.lazy.empty());  // neither approved the wrong result
  EXPECT_TRUE(w.HeldIsEmpty());
}

// Both challenges played and rejected: the solver is paid and wins both
// forfeited challenge stakes' winner shares.
TEST(Settlement, EveryRejectedChallengerForfeits) {
  SettlementWorld w;
  w.Verdicts({VerdictKind::kChallenge, VerdictKind::kChallenge});
  w.in.rejected_challengers = {"v1", "v2"};
  auto plan = w.Settle(SettlementOutcome::kChallengeRejected, "v2");
  ASSERT_EQ(plan.slashed.size(), 2u);
  EXPECT_EQ(w.Balance("solver"), w.funds + 1000 + 2 * 120);
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee - 200);
  EXPECT_EQ(w.Balance("v2"), w.funds + w.economics.verifier_fee - 200);
  EXPECT_EQ(w.Balance(kJackpotAccount), 2 * 60);
  EXPECT_EQ(w.Balance(kBurnAccount), 2 * 20);
  EXPECT_TRUE(w.HeldIsEmpty());
}

TEST(Settlement, ForcedErrorPaysTheCatcherFromTheJackpotAndSlashesTheLazy) {
  SettlementWorld w;
  w.economics.slash_lazy = true;
  w.jackpot = 500;
  w.Verdicts({VerdictKind::kChallenge, VerdictKind::kAccept});
  auto plan = w.Settle(SettlementOutcome::kForcedError);
  // The solver is neither paid nor slashed yet: its reward and stake wait
  // for the verification of its real trace.
  EXPECT_EQ(w.Balance("solver"), w.funds - 1000);
  EXPECT_EQ(w.Balance(w.in.solver_stake_account), 1000);
  EXPECT_EQ(w.Balance(w.in.escrow_account), 1000);
  EXPECT_EQ(plan.tax, Amount(0));
  ASSERT_EQ(plan.caught, std::vector<std::string>{"v1"});
  ASSERT_EQ(plan.lazy, std::vector<std::string>{"v2"});
  // v2's stake of 300: 180 to the catcher, 90 to the jackpot, 30 burned;
  // the catcher's whistleblower reward of 250 comes from the jackpot.
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee + 180 + 250);
  EXPECT_EQ(w.Balance("v2"), w.funds + w.economics.verifier_fee - 300);
  EXPECT_EQ(w.Balance(kJackpotAccount), 500 + 90 - 250);
  EXPECT_EQ(plan.whistleblower_paid, Amount(250));
  EXPECT_FALSE(w.HeldIsEmpty());
}

// The second settlement of a forced-error task: the real trace's outcome
// settles the reward and the solver's stake that the first one held, with
// an escrow that holds the reward alone (the fees went in the first); the
// real trace's verifier is paid its fee from the jackpot.
TEST(Settlement, TheRealTracesOutcomeSettlesWhatAForcedErrorHeld) {
  for (const SettlementOutcome real : {SettlementOutcome::kAccepted,
                                       SettlementOutcome::kChallengeUpheld}) {
    SettlementWorld w;
    w.economics.jackpot_tax_bps = 1000;
    w.Verdicts({VerdictKind::kChallenge, VerdictKind::kAccept});
    w.Settle(SettlementOutcome::kForcedError);
    const int64_t v1_after_forced = w.Balance("v1");
    // Verification of the real trace: v1 challenges or accepts, with a new
    // stake locked.
    SettlementWorld::Relock(w, real == SettlementOutcome::kChallengeUpheld
                                   ? VerdictKind::kChallenge
                                   : VerdictKind::kAccept);
    const std::string challenger = real == SettlementOutcome::kAccepted ? "" : "v1";
    auto plan = w.Settle(real, challenger);
    EXPECT_TRUE(w.HeldIsEmpty()) << SettlementOutcomeName(real);
    EXPECT_EQ(plan.fees_from_jackpot, Amount(w.economics.verifier_fee));
    EXPECT_EQ(plan.fees_unpaid, Amount(0));
    if (real == SettlementOutcome::kAccepted) {
      EXPECT_EQ(w.Balance("solver"), w.funds + 900);  // paid, less the tax
      // Its second fee, from the jackpot that the tax of 100 has just filled.
      EXPECT_EQ(w.Balance("v1"), v1_after_forced + w.economics.verifier_fee);
      EXPECT_EQ(w.Balance(kJackpotAccount), 100 - w.economics.verifier_fee);
    } else {
      // A cheating solver that drew a forced error is still slashed: 60 %
      // of its stake of 1000 to the challenger; the reward goes back.
      EXPECT_EQ(w.Balance("solver"), w.funds - 1000);
      EXPECT_EQ(w.Balance("v1"),
                v1_after_forced + 600 + w.economics.verifier_fee);
      EXPECT_EQ(w.Balance("submitter"), w.submitter_funds - 2 * w.economics.verifier_fee);
      ASSERT_EQ(plan.slashed.size(), 1u);
      EXPECT_EQ(plan.slashed[0].owner, "solver");
    }
  }
}

// The jackpot pays the real trace's fees in selection order as far as it
// reaches; the rest is recorded unpaid, and nobody else pays it.
TEST(Settlement, TheRealTracesFeesAreCappedByTheJackpot) {
  SettlementWorld w;
  w.Verdicts({VerdictKind::kChallenge, VerdictKind::kChallenge});
  // The jackpot is empty (no whistleblower reward paid); then a slashed
  // share of 70 comes in.
  w.Settle(SettlementOutcome::kForcedError);
  ASSERT_TRUE(w.ledger
                  .Transfer("solver", kJackpotAccount, Amount(70), "a slash",
                            w.in.task)
                  .ok());
  const int64_t v1 = w.Balance("v1"), v2 = w.Balance("v2");
  const int64_t submitter = w.Balance("submitter");
  SettlementWorld::Relock(w, {VerdictKind::kAccept, VerdictKind::kAccept});
  auto plan = w.Settle(SettlementOutcome::kAccepted);  // no tax
  EXPECT_EQ(w.Balance("v1"), v1 + 50);
  EXPECT_EQ(w.Balance("v2"), v2 + 20);
  EXPECT_EQ(w.Balance(kJackpotAccount), 0);
  EXPECT_EQ(w.Balance("submitter"), submitter);
  EXPECT_EQ(plan.fees_from_jackpot, Amount(70));
  EXPECT_EQ(plan.fees_unpaid, Amount(30));
  EXPECT_EQ(plan.ToJson().at("fees_unpaid"), 30);
  EXPECT_TRUE(w.HeldIsEmpty());
}

// A verifier gone for good is silent on both traces of a forced error: one
// failure, slashed once (on the posted trace). A verifier silent on the
// real trace alone, or one slashed as lazy on the posted trace, is slashed
// for its silence on the real trace as any silent verifier is.
TEST(Settlement, AVerifierSilentOnBothTracesIsSlashedOnce) {
  SettlementWorld w;
  w.economics.slash_lazy = true;
  w.Verdicts({VerdictKind::kChallenge, VerdictKind::kNone, VerdictKind::kAccept,
              VerdictKind::kChallenge});
  auto forced = w.Settle(SettlementOutcome::kForcedError);
  ASSERT_EQ(forced.slashed.size(), 2u);  // v2 silent, v3 lazy
  EXPECT_EQ(forced.slashed[0].owner, "v2");
  EXPECT_EQ(forced.slashed[0].why, kNoVerdictSlash);
  std::map<std::string, int64_t> after;
  for (const char* v : {"v1", "v2", "v3", "v4"}) after[v] = w.Balance(v);
  SettlementWorld::Relock(w,
                          {VerdictKind::kAccept, VerdictKind::kNone,
                           VerdictKind::kNone, VerdictKind::kNone},
                          {"v2"});
  auto plan = w.Settle(SettlementOutcome::kAccepted);
  EXPECT_EQ(plan.silent, (std::vector<std::string>{"v2", "v3", "v4"}));
  EXPECT_EQ(w.Balance("v2"), after["v2"]);  // its second stake comes back
  EXPECT_EQ(w.Balance("v3"), after["v3"] - 300);
  EXPECT_EQ(w.Balance("v4"), after["v4"] - 300);
  ASSERT_EQ(plan.slashed.size(), 2u);
  EXPECT_EQ(plan.slashed[0].owner, "v3");
  EXPECT_EQ(plan.slashed[1].owner, "v4");
  bool named = false;
  for (const auto& t : plan.transfers) {
    if (t.to == "v2")
      named = t.reason.find("slashed once") != std::string::npos;
  }
  EXPECT_TRUE(named) << "the returned stake names why";
  EXPECT_TRUE(w.HeldIsEmpty());
}

TEST(Settlement, TheWhistleblowerRewardIsCappedByTheJackpot) {
  SettlementWorld w;
  w.jackpot = 100;
  w.Verdicts({VerdictKind::kChallenge, VerdictKind::kChallenge});
  auto plan = w.Settle(SettlementOutcome::kForcedError);
  EXPECT_EQ(plan.whistleblower_paid, Amount(100));
  EXPECT_EQ(w.Balance(kJackpotAccount), 0);
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee + 100);
  EXPECT_EQ(w.Balance("v2"), w.funds + w.economics.verifier_fee);
}

TEST(Settlement, TimeoutsSlashTheSilent) {
  SettlementWorld training;
  training.Verdicts({});  // no verifier selected yet
  training.Settle(SettlementOutcome::kSolverTimeout);
  EXPECT_EQ(training.Balance("solver"), training.funds - 1000);
  EXPECT_EQ(training.Balance("submitter"), training.submitter_funds + 600);
  EXPECT_TRUE(training.HeldIsEmpty());

  SettlementWorld verifying;
  verifying.Verdicts({VerdictKind::kNone, VerdictKind::kNone});
  auto plan = verifying.Settle(SettlementOutcome::kUnverified);
  EXPECT_EQ(plan.silent.size(), 2u);
  EXPECT_EQ(verifying.Balance("solver"),
            verifying.funds);  // stake back, no reward
  EXPECT_EQ(verifying.Balance("v1"), verifying.funds - 300);
  EXPECT_EQ(verifying.Balance("submitter"), verifying.submitter_funds);
  EXPECT_TRUE(verifying.HeldIsEmpty());
  // A slash with no winner: its record puts the winner share where the
  // ledger sends it, the jackpot.
  ASSERT_EQ(plan.slashed.size(), 2u);
  int64_t to_jackpot = 0;
  for (const Slash& s : plan.slashed) {
    EXPECT_EQ(s.winner, "");
    EXPECT_EQ(s.to_winner.value(), 0);
    EXPECT_EQ(s.to_winner.value() + s.to_jackpot.value() + s.burned.value(), s.amount.value());
    to_jackpot += s.to_jackpot.value();
  }
  int64_t moved = 0;
  for (const PlannedTransfer& t : plan.transfers) {
    if (t.to == kJackpotAccount && t.reason.rfind("slash ", 0) == 0) moved += t.amount.value();
  }
  EXPECT_EQ(to_jackpot, moved);
  EXPECT_GT(moved, 0);
}

TEST(Settlement, RejectsInconsistentInput) {
  SettlementInput in;
  EXPECT_FALSE(PlanSettlement(in).ok());  // no outcome
  in.outcome = SettlementOutcome::kChallengeUpheld;
  EXPECT_FALSE(PlanSettlement(in).ok());  // no challenger
  in.outcome = SettlementOutcome::kAccepted;
  in.reward = Amount(10);
  in.escrow = Amount(5);
  EXPECT_FALSE(PlanSettlement(in).ok());  // reward larger than the escrow
  in.escrow = Amount(10);
  EXPECT_TRUE(PlanSettlement(in).ok());
  in.outcome = SettlementOutcome::kForcedError;
  in.real_trace_round = true;
  EXPECT_FALSE(PlanSettlement(in).ok());  // a real trace is not forced wrong
}

}  // namespace
}  // namespace veritrain
