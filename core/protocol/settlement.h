// Settlement: who gets which tokens when a task ends (design stages 7–8),
// as a pure function from the task's outcome to a list of transfers.
//
// The arbiter holds, per task, the escrow (reward + verifier fees), the
// solver's stake, each selected verifier's stake and each challenger's
// challenge stake, in accounts of its ledger. PlanSettlement says where
// every one of those tokens goes; the arbiter applies the transfers in
// order. The rules, by outcome:
//
//   escrow, fee part    each selected verifier that posted a verdict that
//                       judges (accept or challenge) gets verifier_fee; the
//                       rest goes back to the submitter.
//   escrow, reward      accepted, challenge rejected: the jackpot tax to
//                       the jackpot, the rest to the solver; challenge
//                       upheld, solver timeout, unverified, void, withheld:
//                       back to the submitter; forced error: held (below).
//   solver stake        slashed when the challenge is upheld (the winner is
//                       the challenger) or on a solver timeout (the winner
//                       is the submitter); held on a forced error (below);
//                       returned otherwise.
//   forced error        settles the verifiers' part only (fees, lazy,
//                       caught, silent, whistleblower rewards): the reward
//                       and the solver's stake stay in their accounts while
//                       the solver's real trace is verified (Truebit's dual
//                       commitment, core/protocol/real_trace.h), and that
//                       verification's outcome is settled with a second
//                       PlanSettlement whose escrow holds the reward alone.
//                       A forced error never costs the honest solver, and
//                       pays nothing to a cheating one.
//   real trace round    (that second PlanSettlement, `real_trace_round`)
//                       the escrow's fees went to the posted trace's
//                       verifiers, so each verifier that judges the real
//                       trace is paid verifier_fee from the jackpot — which
//                       funds forced errors — after the tax and the slashed
//                       shares have come in, in selection order, at most
//                       what it holds: what it cannot pay is `fees_unpaid`,
//                       owed by nobody. A verifier slashed for posting no
//                       verdict on the posted trace (`slashed_silent`) that
//                       is silent on the real trace too has failed the task
//                       once, not twice: its second stake is returned.
//   verifier stake      slashed for a selected verifier that posted no
//                       verdict (no winner: its winner share goes to the
//                       jackpot) — an abstention is a verdict, whose stake
//                       is returned without a fee — and, when slash_lazy,
//                       for one that
//                       approved a wrong result (a forced error, every one of
//                       whose checkpoints is wrong; or an interval the game
//                       proved wrong — by the arbiter's evaluation, not by
//                       the solver's clock running out — among the intervals
//                       the verifier was drawn to check: an approval vouches
//                       for those alone, so a verifier whose draw missed the
//                       wrong interval did its work and is not lazy; the
//                       winner is the challenger, or the first verifier that
//                       caught the forced error).
//                       Returned otherwise.
//   challenge stake     the game's challenger loses it when the challenge is
//                       rejected (the winner is the solver). Challenges are
//                       played one after another until one is upheld
//                       (docs/protocol.md, "The challenge game"): every
//                       challenger whose game was played and rejected
//                       (`rejected_challengers`) loses it the same way,
//                       whatever the task's outcome — the solver won that
//                       game — but when a later game is upheld there is no
//                       winner (the share goes to the jackpot): a solver
//                       found wrong is paid nothing, not even from its own
//                       sybil's forfeit. Every other challenge stake is
//                       returned.
//   void                (the arbiter could not rule on a dispute: a failure
//                       of its own) nobody is held to the game: the reward
//                       goes back, every stake is returned.
//   withheld            (a data-availability challenge: the solver did not
//                       deliver a valid checkpoint to the arbiter in time,
//                       core/protocol/availability.h) the reward goes back;
//                       the solver's stake is slashed, the winner being the
//                       first, in selection order, of the verifiers that
//                       asked for a checkpoint the solver did not deliver
//                       (`challenger`, first of `withheld_challengers`) —
//                       not whichever request reached the arbiter first;
//                       each of them gets its fee though it posted no
//                       verdict. Verification was cut short: a selected
//                       verifier that had neither voted nor asked gets its
//                       stake back (no fee); one that
//                       accepted is not lazy (the data it saw may have been
//                       served to it alone).
//   jackpot             after the tax and the slashed shares have come in,
//                       each verifier that caught a forced error gets
//                       whistleblower_reward from it, at most what it holds.
//
// A slashed stake is split by the economics' basis points: winner share
// floor(s·w/10000), jackpot share floor(s·j/10000), the remainder burned,
// so the three add up to s exactly. Zero amounts are not transferred.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/amount.h"
#include "core/util/status.h"
#include "core/wire/messages/task_economics.h"

namespace veritrain {

// System accounts of the ledger.
inline constexpr const char* kJackpotAccount = "jackpot";
inline constexpr const char* kBurnAccount = "burn";
// The `why` of each kind of slash (summary.json's settlement.slashed[].why):
// the solver's stake for a challenge upheld, a checkpoint withheld, or no
// trace before the training deadline; a selected verifier's stake for no
// verdict, or for approving a wrong result (a forced error or not); a
// challenger's challenge stake for a challenge rejected.
inline constexpr const char* kChallengeUpheldSlash = "challenge upheld";
inline constexpr const char* kWithheldSlash = "withheld a checkpoint";
inline constexpr const char* kNoTraceSlash = "no trace before the training deadline";
inline constexpr const char* kNoVerdictSlash = "no verdict";
inline constexpr const char* kApprovedForcedErrorSlash = "approved a forced error";
inline constexpr const char* kApprovedWrongResultSlash = "approved a wrong result";
inline constexpr const char* kChallengeRejectedSlash = "challenge rejected";
inline constexpr const char* kSlashReasons[] = {
    kChallengeUpheldSlash,     kWithheldSlash,           kNoTraceSlash,
    kNoVerdictSlash,           kApprovedForcedErrorSlash, kApprovedWrongResultSlash,
    kChallengeRejectedSlash};

enum class SettlementOutcome {
  kInvalid = 0,  // deliberately not an outcome
  kAccepted,
  kChallengeUpheld,
  kChallengeRejected,
  kSolverTimeout,  // no trace before the training deadline
  kUnverified,     // no verdict before the verification deadline
  kForcedError,    // the solver posted a wrong result on the arbiter's order
  kVoid,           // the arbiter could not rule on a dispute (its own failure)
  kWithheld,       // the solver did not deliver a checkpoint the arbiter demanded
};
// Every outcome a settlement can have (kInvalid is none).
inline constexpr SettlementOutcome kSettlementOutcomes[] = {
    SettlementOutcome::kAccepted,      SettlementOutcome::kChallengeUpheld,
    SettlementOutcome::kChallengeRejected, SettlementOutcome::kSolverTimeout,
    SettlementOutcome::kUnverified,    SettlementOutcome::kForcedError,
    SettlementOutcome::kVoid,          SettlementOutcome::kWithheld};
const char* SettlementOutcomeName(SettlementOutcome o);
// The outcome named `name` (SettlementOutcomeName's inverse); kInvalid for
// any other string.
SettlementOutcome SettlementOutcomeNamed(std::string_view name);
// Whether `o` pays the solver its reward: the result is accepted, with or
// without a challenge the solver won (accepted, challenge_rejected).
bool PaysReward(SettlementOutcome o);

// kAbstain: the verifier voted that it could not verify (its own failure,
// or a checkpoint it could not get), which is neither silence nor a
// judgement.
enum class VerdictKind { kNone = 0, kAccept, kChallenge, kAbstain };

// One selected verifier and what it holds.
struct VerifierPosition {
  std::string name;
  VerdictKind verdict = VerdictKind::kNone;
  std::string stake_account;  // "" when it holds no stake
  Amount stake;
  std::string challenge_account;  // "" when it did not challenge
  Amount challenge_stake;
  // The intervals it was drawn to check (top-Q and its random draw), which
  // an approval vouches for; unused unless proven_wrong_interval >= 0.
  std::vector<int64_t> intervals;
};

struct SettlementInput {
  TaskEconomics economics;
  SettlementOutcome outcome = SettlementOutcome::kInvalid;
  std::string task;
  std::string submitter;
  std::string solver;
  std::string escrow_account;
  Amount escrow;  // what the escrow holds: reward + fees
  Amount reward;  // the reward part of it; the rest is verifier fees
  std::string solver_stake_account;  // "" when the solver holds no stake
  Amount solver_stake;
  std::vector<VerifierPosition> verifiers;  // the selected ones, in order
  // The deciding game's challenger (upheld or rejected), or the winner of
  // a withheld task: the first, in selection order, of
  // `withheld_challengers`.
  std::string challenger;
  // Withheld: the selected verifiers whose data-availability challenge the
  // solver lost, in selection order. Each earns its fee.
  std::vector<std::string> withheld_challengers;
  // The challengers whose games were played and rejected, in order (with
  // outcome challenge_rejected, `challenger` is the last of them).
  std::vector<std::string> rejected_challengers;
  // Upheld: whether the game proved the result wrong (the arbiter evaluated
  // the disputed node and the solver's output was not its own, or
  // recomputed checkpoint 0). False when the challenger won because the
  // solver ran out of its clock, moved invalidly or sent evidence that
  // failed a check: the solver is slashed all the same, but a verifier that
  // approved the trace is not lazy for it (an honest solver that crashed or
  // was cut off by the network loses that way too).
  bool result_proven_wrong = true;
  // With result_proven_wrong: the interval the deciding game (or the ruling
  // on checkpoint 0: interval 0) proved wrong. An approver is lazy only if
  // that interval is one of its `intervals`; -1 when not known (every
  // approver is taken to have vouched for it).
  int64_t proven_wrong_interval = -1;
  Amount jackpot;          // the jackpot's balance before settling
  // The verification of a forced error's real trace: the escrow holds the
  // reward alone, and the fees come from the jackpot (above).
  bool real_trace_round = false;
  // With real_trace_round: the verifiers whose stake the forced error's
  // settlement slashed for posting no verdict on the posted trace.
  std::vector<std::string> slashed_silent;
};

struct PlannedTransfer {
  std::string from;
  std::string to;
  Amount amount;
  std::string reason;
};

struct Slash {
  std::string owner;   // whose stake
  std::string why;     // "challenge upheld", "lazy", "no verdict", ...
  std::string winner;  // who got the winner share ("" → the jackpot)
  // Where the amount went: to_winner + to_jackpot + burned == amount. With
  // no winner, the winner share is in to_jackpot and to_winner is 0.
  Amount amount, to_winner, to_jackpot, burned;
};

struct SettlementPlan {
  std::vector<PlannedTransfer> transfers;  // apply in order
  std::vector<Slash> slashed;
  std::vector<std::string> lazy;    // approved a wrong result
  std::vector<std::string> caught;  // caught a forced error
  std::vector<std::string> silent;  // selected, posted no verdict
  std::vector<std::string> abstained;  // selected, could not verify
  Amount tax;                       // to the jackpot
  Amount whistleblower_paid;        // from the jackpot
  // A real trace round's verifier fees: paid from the jackpot, and the
  // part of them it could not pay (0 in every other settlement).
  Amount fees_from_jackpot, fees_unpaid;

  nlohmann::json ToJson() const;
};

// InvalidArgument for an invalid outcome, a challenge or withheld outcome
// without a challenger, a real trace round settled as a forced error, a reward
// larger than the escrow, or negative holdings.
Result<SettlementPlan> PlanSettlement(const SettlementInput& in);

// floor(amount · bps / 10000), computed without overflow.
// REQUIRES: amount >= 0, 0 <= bps <= 10000.
Amount ShareOf(Amount amount, int64_t bps);

}  // namespace veritrain
