#include "core/protocol/settlement.h"

#include <algorithm>

namespace veritrain {
namespace {

Amount Minus(Amount a, Amount b) { return Amount(a.value() - b.value()); }
Amount Plus(Amount a, Amount b) { return Amount(a.value() + b.value()); }

class Planner {
 public:
  explicit Planner(const SettlementInput& in) : in_(in), jackpot_(in.jackpot) {}

  void Move(const std::string& from, const std::string& to, Amount amount,
            const std::string& reason) {
    if (amount <= Amount(0) || from.empty()) return;
    plan_.transfers.push_back({from, to, amount, reason});
    if (to == kJackpotAccount) jackpot_ = Plus(jackpot_, amount);
    if (from == kJackpotAccount) jackpot_ = Minus(jackpot_, amount);
  }

  void SlashStake(const std::string& owner, const std::string& account,
                  Amount amount, const std::string& winner,
                  const std::string& why) {
    if (account.empty() || amount <= Amount(0)) return;
    const TaskEconomics& e = in_.economics;
    Slash s;
    s.owner = owner;
    s.why = why;
    s.winner = winner;
    s.amount = amount;
    const Amount winner_share = ShareOf(amount, e.slash_winner_bps);
    const Amount jackpot_share = ShareOf(amount, e.slash_jackpot_bps);
    s.burned = Minus(Minus(amount, winner_share), jackpot_share);
    Move(account, winner.empty() ? kJackpotAccount : winner, winner_share,
         "slash " + owner + " (" + why + "): winner share");
    Move(account, kJackpotAccount, jackpot_share,
         "slash " + owner + " (" + why + "): jackpot share");
    Move(account, kBurnAccount, s.burned,
         "slash " + owner + " (" + why + "): burned");
    // The record says where the money went: with no winner, the winner
    // share went to the jackpot.
    s.to_winner = winner.empty() ? Amount(0) : winner_share;
    s.to_jackpot = winner.empty() ? Plus(winner_share, jackpot_share) : jackpot_share;
    plan_.slashed.push_back(s);
  }

  void Return(const std::string& owner, const std::string& account,
              Amount amount, const std::string& what) {
    Move(account, owner, amount, "return " + what);
  }

  SettlementPlan& plan() { return plan_; }
  Amount jackpot() const { return jackpot_; }

 private:
  const SettlementInput& in_;
  SettlementPlan plan_;
  Amount jackpot_;
};

}  // namespace

bool PaysReward(SettlementOutcome o) {
  return o == SettlementOutcome::kAccepted || o == SettlementOutcome::kChallengeRejected;
}

SettlementOutcome SettlementOutcomeNamed(std::string_view name) {
  for (SettlementOutcome o : kSettlementOutcomes) {
    if (name == SettlementOutcomeName(o)) return o;
  }
  return SettlementOutcome::kInvalid;
}

const char* SettlementOutcomeName(SettlementOutcome o) {
  switch (o) {
    case SettlementOutcome::kAccepted:
      return "accepted";
    case SettlementOutcome::kChallengeUpheld:
      return "challenge_upheld";
    case SettlementOutcome::kChallengeRejected:
      return "challenge_rejected";
    case SettlementOutcome::kSolverTimeout:
      return "solver_timeout";
    case SettlementOutcome::kUnverified:
      return "unverified";
    case SettlementOutcome::kForcedError:
      return "forced_error";
    case SettlementOutcome::kVoid:
      return "void";
    case SettlementOutcome::kWithheld:
      return "withheld";
    case SettlementOutcome::kInvalid:
      break;
  }
  return "invalid";
}

Amount ShareOf(Amount amount, int64_t bps) {
  // a = q·W + r, so floor(a·b / W) = q·b + floor(r·b / W); neither term
  // can overflow (q·b <= a, r·b < W²).
  const int64_t w = TaskEconomics::kWholeBps;
  const int64_t q = amount.value() / w, r = amount.value() % w;
  return Amount(q * bps + r * bps / w);
}

namespace {

// The input's outcome, challenger and holdings make sense.
Status CheckSettlementInput(const SettlementInput& in) {
  const SettlementOutcome o = in.outcome;
  if (o == SettlementOutcome::kInvalid) {
    return Status::InvalidArgument("settlement: invalid outcome");
  }
  VT_RETURN_IF_ERROR(in.economics.Validate().WithContext("settlement"));
  const bool withheld = o == SettlementOutcome::kWithheld;
  const bool game = o == SettlementOutcome::kChallengeUpheld ||
                    o == SettlementOutcome::kChallengeRejected || withheld;
  if (game && in.challenger.empty()) {
    return Status::InvalidArgument(std::string("settlement: outcome ") +
                                   SettlementOutcomeName(o) +
                                   " needs a challenger");
  }
  if (in.real_trace_round && o == SettlementOutcome::kForcedError) {
    return Status::InvalidArgument(
        "settlement: a real trace round is not a forced error");
  }
  if (in.escrow < Amount(0) || in.reward < Amount(0) || in.reward > in.escrow ||
      in.solver_stake < Amount(0) || in.jackpot < Amount(0)) {
    return Status::InvalidArgument(
        "settlement: holdings must be >= 0 and the reward at most the escrow");
  }
  for (const auto& v : in.verifiers) {
    if (v.stake < Amount(0) || v.challenge_stake < Amount(0)) {
      return Status::InvalidArgument("settlement: negative stake of " + v.name);
    }
  }
  return Status::Ok();
}

// Whether `v` earned its fee: it judged (accepted or challenged), or it
// asked for a checkpoint the solver withheld, which did the judging though
// it had no data to post a verdict on.
bool EarnsFee(const SettlementInput& in, const VerifierPosition& v) {
  if (in.outcome == SettlementOutcome::kWithheld &&
      (v.name == in.challenger ||
       std::find(in.withheld_challengers.begin(), in.withheld_challengers.end(), v.name) !=
           in.withheld_challengers.end())) {
    return true;
  }
  return v.verdict == VerdictKind::kAccept ||
         v.verdict == VerdictKind::kChallenge;
}

// Escrow: fees to the verifiers that posted (a real trace round's come
// from the jackpot, at the end), then the reward.
void SettleEscrow(const SettlementInput& in, Planner& p) {
  const SettlementOutcome o = in.outcome;
  const bool forced = o == SettlementOutcome::kForcedError;
  SettlementPlan& plan = p.plan();
  const TaskEconomics& e = in.economics;
  Amount fees = Minus(in.escrow, in.reward);
  for (const auto& v : in.verifiers) {
    if (in.real_trace_round || !EarnsFee(in, v)) continue;
    const Amount fee = Amount(std::min(e.verifier_fee, fees.value()));
    p.Move(in.escrow_account, v.name, fee, "verifier fee");
    fees = Minus(fees, fee);
  }
  p.Move(in.escrow_account, in.submitter, fees, "return unused verifier fees");
  if (forced) {
    // The reward and the solver's stake stay held: the solver's real trace
    // is verified next, and its outcome settles them.
  } else if (PaysReward(o)) {
    plan.tax = ShareOf(in.reward, e.jackpot_tax_bps);
    p.Move(in.escrow_account, kJackpotAccount, plan.tax, "jackpot tax");
    p.Move(in.escrow_account, in.solver, Minus(in.reward, plan.tax),
           "pay reward");
  } else {
    p.Move(in.escrow_account, in.submitter, in.reward, "return escrow");
  }

}

// The solver's stake.
void SettleSolverStake(const SettlementInput& in, Planner& p) {
  const SettlementOutcome o = in.outcome;
  const bool forced = o == SettlementOutcome::kForcedError;
  const bool withheld = o == SettlementOutcome::kWithheld;
  if (forced) {
    // Held (above).
  } else if (o == SettlementOutcome::kChallengeUpheld) {
    p.SlashStake(in.solver, in.solver_stake_account, in.solver_stake,
                 in.challenger, kChallengeUpheldSlash);
  } else if (withheld) {
    p.SlashStake(in.solver, in.solver_stake_account, in.solver_stake,
                 in.challenger, kWithheldSlash);
  } else if (o == SettlementOutcome::kSolverTimeout) {
    p.SlashStake(in.solver, in.solver_stake_account, in.solver_stake,
                 in.submitter, kNoTraceSlash);
  } else {
    p.Return(in.solver, in.solver_stake_account, in.solver_stake,
             "solver stake");
  }

}

// Whether approver `v`'s verdict covered the interval the game proved
// wrong (see SettlementInput::proven_wrong_interval).
bool VouchedForProvenWrong(const SettlementInput& in, const VerifierPosition& v) {
  if (in.proven_wrong_interval < 0) return true;
  return std::find(v.intervals.begin(), v.intervals.end(), in.proven_wrong_interval) !=
         v.intervals.end();
}

// Each selected verifier's stake and challenge stake; who was lazy,
// silent, abstained or caught a forced error.
void SettleVerifierStakes(const SettlementInput& in, Planner& p) {
  const SettlementOutcome o = in.outcome;
  const bool forced = o == SettlementOutcome::kForcedError;
  const bool withheld = o == SettlementOutcome::kWithheld;
  SettlementPlan& plan = p.plan();
  const TaskEconomics& e = in.economics;
  const bool wrong_result =
      forced || (o == SettlementOutcome::kChallengeUpheld && in.result_proven_wrong);
  // Who caught the forced error: every challenger of a forced-error task.
  if (forced) {
    for (const auto& v : in.verifiers) {
      if (v.verdict == VerdictKind::kChallenge) plan.caught.push_back(v.name);
    }
  }
  const std::string lazy_winner =
      o == SettlementOutcome::kChallengeUpheld
          ? in.challenger
          : (plan.caught.empty() ? "" : plan.caught[0]);
  for (const auto& v : in.verifiers) {
    switch (v.verdict) {
      case VerdictKind::kNone:
        if (withheld) {
          // Verification was cut short by the ruling, not by its silence.
          p.Return(v.name, v.stake_account, v.stake, "verifier stake");
          break;
        }
        plan.silent.push_back(v.name);
        if (in.real_trace_round &&
            std::find(in.slashed_silent.begin(), in.slashed_silent.end(),
                      v.name) != in.slashed_silent.end()) {
          // Silent on both traces of the task (a verifier gone for good):
          // one failure, slashed once, on the posted trace.
          p.Return(
              v.name, v.stake_account, v.stake,
              "verifier stake: silent on the real trace too, slashed once for "
              "no verdict on the posted trace");
          break;
        }
        p.SlashStake(v.name, v.stake_account, v.stake, "", kNoVerdictSlash);
        break;
      case VerdictKind::kAbstain:
        plan.abstained.push_back(v.name);
        p.Return(v.name, v.stake_account, v.stake, "verifier stake");
        break;
      case VerdictKind::kAccept:
        if (wrong_result && (forced || VouchedForProvenWrong(in, v))) {
          plan.lazy.push_back(v.name);
          if (e.slash_lazy) {
            p.SlashStake(
                v.name, v.stake_account, v.stake, lazy_winner,
                forced ? kApprovedForcedErrorSlash : kApprovedWrongResultSlash);
            break;
          }
        }
        p.Return(v.name, v.stake_account, v.stake, "verifier stake");
        break;
      case VerdictKind::kChallenge:
        p.Return(v.name, v.stake_account, v.stake, "verifier stake");
        if ((o == SettlementOutcome::kChallengeRejected &&
             v.name == in.challenger) ||
            std::find(in.rejected_challengers.begin(),
                      in.rejected_challengers.end(),
                      v.name) != in.rejected_challengers.end()) {
          // The solver won that game; but a solver a later game found wrong
          // gets nothing of it (else a cheater recovers part of its loss
          // from its own sybil's forfeit): no winner, the share goes to the
          // jackpot.
          const std::string winner =
              o == SettlementOutcome::kChallengeUpheld ? std::string() : in.solver;
          p.SlashStake(v.name, v.challenge_account, v.challenge_stake, winner,
                       kChallengeRejectedSlash);
        } else {
          p.Return(v.name, v.challenge_account, v.challenge_stake,
                   "challenge stake");
        }
        break;
    }
  }

}

}  // namespace

Result<SettlementPlan> PlanSettlement(const SettlementInput& in) {
  VT_RETURN_IF_ERROR(CheckSettlementInput(in));
  Planner p(in);
  SettleEscrow(in, p);
  SettleSolverStake(in, p);
  SettleVerifierStakes(in, p);
  SettlementPlan& plan = p.plan();
  const TaskEconomics& e = in.economics;
  // The jackpot pays whoever caught a forced error, as far as it reaches.
  for (const auto& name : plan.caught) {
    const Amount paid =
        Amount(std::min(e.whistleblower_reward, p.jackpot().value()));
    p.Move(kJackpotAccount, name, paid,
           "whistleblower reward: caught a forced error");
    plan.whistleblower_paid = Plus(plan.whistleblower_paid, paid);
  }
  // A forced error's real trace: the escrow's fees went to the posted
  // trace's verifiers, and the jackpot, which funds forced errors, pays
  // this round's as far as it reaches; the rest is recorded unpaid.
  if (in.real_trace_round) {
    for (const auto& v : in.verifiers) {
      if (!EarnsFee(in, v)) continue;
      const Amount paid = Amount(std::min(e.verifier_fee, p.jackpot().value()));
      p.Move(kJackpotAccount, v.name, paid,
             "verifier fee (real trace): from the jackpot");
      plan.fees_from_jackpot = Plus(plan.fees_from_jackpot, paid);
      plan.fees_unpaid =
          Plus(plan.fees_unpaid, Minus(Amount(e.verifier_fee), paid));
    }
  }
  return std::move(plan);
}

nlohmann::json SettlementPlan::ToJson() const {
  nlohmann::json slashes = nlohmann::json::array();
  for (const auto& s : slashed) {
    slashes.push_back({{"owner", s.owner},
                       {"why", s.why},
                       {"winner", s.winner},
                       {"amount", s.amount.value()},
                       {"to_winner", s.to_winner.value()},
                       {"to_jackpot", s.to_jackpot.value()},
                       {"burned", s.burned.value()}});
  }
  return {{"slashed", slashes},
          {"lazy", lazy},
          {"caught", caught},
          {"silent", silent},
          {"abstained", abstained},
          {"tax", tax.value()},
          {"whistleblower_paid", whistleblower_paid.value()},
          {"fees_from_jackpot", fees_from_jackpot.value()},
          {"fees_unpaid", fees_unpaid.value()}};
}

}  // namespace veritrain
