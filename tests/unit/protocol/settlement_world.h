// A small fake world for settlement tests: a ledger with a submitter, a
// solver and verifiers v1, v2, ..., the task's escrow and stakes locked the
// way the arbiter locks them, and a helper that settles and applies the
// plan to the ledger (asserting every transfer is legal).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/protocol/ledger.h"
#include "core/protocol/settlement.h"

namespace veritrain {

struct SettlementWorld {
  int64_t funds = 5000;
  int64_t submitter_funds = 10000;
  int64_t reward = 1000;
  int64_t jackpot = 0;
  TaskEconomics economics = [] {
    TaskEconomics e;
    e.verifier_fee = 50;
    e.solver_stake = 1000;
    e.verifier_stake = 300;
    e.challenge_stake = 200;
    e.slash_winner_bps = 6000;
    e.slash_jackpot_bps = 3000;
    e.slash_burn_bps = 1000;
    e.whistleblower_reward = 250;
    return e;
  }();
  Ledger ledger;
  SettlementInput in;

  // Mints, escrows and locks the stakes of one verifier per verdict.
  void Verdicts(const std::vector<VerdictKind>& verdicts) {
    const std::string task = "task-0001";
    ASSERT_TRUE(
        ledger.Mint("submitter", Amount(submitter_funds), "genesis").ok());
    ASSERT_TRUE(ledger.Mint("solver", Amount(funds), "genesis").ok());
    for (size_t i = 0; i < verdicts.size(); ++i) {
      ASSERT_TRUE(ledger.Mint(Name(i), Amount(funds), "genesis").ok());
    }
    ASSERT_TRUE(ledger.Mint(kJackpotAccount, Amount(jackpot), "genesis").ok());
    in.economics = economics;
    in.task = task;
    in.submitter = "submitter";
    in.solver = "solver";
    in.escrow_account = "escrow/" + task;
    const int64_t escrow =
        reward + economics.verifier_fee * static_cast<int64_t>(verdicts.size());
    Lock("submitter", in.escrow_account, escrow);
    in.escrow = Amount(escrow);
    in.reward = Amount(reward);
    in.solver_stake_account = "stake/" + task + "/solver";
    Lock("solver", in.solver_stake_account, economics.solver_stake);
    in.solver_stake = Amount(economics.solver_stake);
    for (size_t i = 0; i < verdicts.size(); ++i) {
      VerifierPosition v;
      v.name = Name(i);
      v.verdict = verdicts[i];
      v.stake_account = "stake/" + task + "/" + v.name;
      Lock(v.name, v.stake_account, economics.verifier_stake);
      v.stake = Amount(economics.verifier_stake);
      if (v.verdict == VerdictKind::kChallenge) {
        v.challenge_account = "challenge/" + task + "/" + v.name;
        Lock(v.name, v.challenge_account, economics.challenge_stake);
        v.challenge_stake = Amount(economics.challenge_stake);
      }
      in.verifiers.push_back(v);
    }
  }

  SettlementPlan Settle(SettlementOutcome outcome,
                        const std::string& challenger = "") {
    in.outcome = outcome;
    in.challenger = challenger;
    in.economics = economics;
    in.jackpot = ledger.Balance(kJackpotAccount);
    auto plan = PlanSettlement(in);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    if (!plan.ok()) return {};
    for (const auto& t : plan->transfers) {
      Status s = ledger.Transfer(t.from, t.to, t.amount, t.reason, in.task);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    EXPECT_TRUE(ledger.CheckConservation().ok());
    return *plan;
  }

  int64_t Balance(const std::string& account) const {
    return ledger.Balance(account).value();
  }

  // Every escrow and stake account of the task is empty after settling.
  bool HeldIsEmpty() const {
    for (const auto& [name, amount] : ledger.Balances()) {
      const bool held = name.rfind("escrow/", 0) == 0 ||
                        name.rfind("stake/", 0) == 0 ||
                        name.rfind("challenge/", 0) == 0;
      if (held && amount != Amount(0)) return false;
    }
    return true;
  }

  static std::string Name(size_t i) { return "v" + std::to_string(i + 1); }

  // After a forced error's settlement: v1 alone verifies the real trace,
  // with `verdict`, a new stake (and challenge stake) locked; the escrow
  // holds what is left of it (the reward); the settlement is the real
  // trace round's.
  static void Relock(SettlementWorld& w, VerdictKind verdict) {
    Relock(w, std::vector<VerdictKind>{verdict});
  }
  // The same with v1, v2, ... verifying the real trace with `verdicts`,
  // and `slashed_silent` those the forced error's settlement slashed for
  // posting no verdict.
  static void Relock(SettlementWorld& w,
                     const std::vector<VerdictKind>& verdicts,
                     const std::vector<std::string>& slashed_silent = {}) {
    w.in.verifiers.clear();
    for (size_t i = 0; i < verdicts.size(); ++i) {
      VerifierPosition v;
      v.name = Name(i);
      v.verdict = verdicts[i];
      v.stake_account = "stake/" + w.in.task + "/" + v.name;
      w.Lock(v.name, v.stake_account, w.economics.verifier_stake);
      v.stake = Amount(w.economics.verifier_stake);
      if (v.verdict == VerdictKind::kChallenge) {
        v.challenge_account = "challenge/" + w.in.task + "/" + v.name;
        w.Lock(v.name, v.challenge_account, w.economics.challenge_stake);
        v.challenge_stake = Amount(w.economics.challenge_stake);
      }
      w.in.verifiers.push_back(v);
    }
    w.in.escrow = w.ledger.Balance(w.in.escrow_account);
    w.in.solver_stake = w.ledger.Balance(w.in.solver_stake_account);
    w.in.real_trace_round = true;
    w.in.slashed_silent = slashed_silent;
  }

 private:
  void Lock(const std::string& from, const std::string& to, int64_t amount) {
    ASSERT_TRUE(
        ledger.Transfer(from, to, Amount(amount), "lock", in.task).ok());
  }
};

}  // namespace veritrain
