// The arbiter's decisions on one task, as pure functions of the task (and
// the ledger, the time) that the server applies: what goes to escrow at
// posting, whether a verdict is taken, how verification concludes, which
// deadline has passed, and what a settlement is computed from. No sockets,
// no clock, no event log: unit tests drive them directly
// (tests/unit/arbiter/task_rules_test.cc).
//
// Thread-safety: free functions over values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "arbiter/task.h"
#include "core/protocol/amount.h"
#include "core/protocol/ledger.h"
#include "core/protocol/settlement.h"

namespace veritrain {

// The ledger accounts of a task.
std::string EscrowAccount(const std::string& task);
std::string StakeAccount(const std::string& task, const std::string& who);
std::string ChallengeAccount(const std::string& task, const std::string& who);
// "task-0001" for n = 1.
std::string TaskIdOf(int64_t n);

// What the submitter escrows when it posts `spec`: the reward and one
// verifier fee per verifier that will be selected (verifiers_per_task, or
// every named verifier when it is 0). InvalidArgument when the sum
// overflows.
Result<Amount> EscrowOf(const TaskSpec& spec);

// The durations of `spec` in ms into `task`; InvalidArgument naming the
// field that is NaN, negative or longer than kMaxDurationSeconds.
Status SetDurations(const TaskSpec& spec, ArbiterTask* task);

// Whether a verdict of `from` on `task` is taken: "" when it is, else the
// refusal (the reply's error). A challenge that is taken sets `challenged`
// to its intervals' hashes, checked against the trace root, in the order
// they are to be played. Checked in
// this order: `from` is a selected verifier, the task is verifying, `from`
// has not voted, the verdict is on the trace being verified (after a
// forced error, not the posted one), a challenge's evidence holds.
std::string RefuseVerdict(const ArbiterTask& task, const std::string& from, const Verdict& v,
                          std::optional<std::vector<ChallengedInterval>>* challenged);

// No checkpoint demand is open, and every selected verifier has voted or
// asked for a checkpoint the solver did not deliver (a failed demand): the
// verification can conclude before its deadline. A failed demand does not
// end the task at once: the other verifiers finish, so that who is paid
// for the withholding does not depend on whose request arrived first.
bool ReadyToConclude(const ArbiterTask& task);

// The selected verifiers that asked for a checkpoint the solver did not
// deliver (a failed demand), in selection order; empty when no demand of
// the trace being verified failed. The first of them wins a withheld
// task's slashed stake; each of them earns its fee.
std::vector<std::string> WithheldChallengers(const ArbiterTask& task);

// How a verification that is over concludes (arbiter Conclude).
//
// Every challenge taken on the trace is played, one at a time, in
// selection order: the first challenger goes to the game (or, on
// checkpoint 0 as the initial state, to a ruling) on the first interval
// it disputes; when that game is rejected its next interval is played,
// and when every interval of its challenge is rejected the next
// challenger's (NextChallenge), until one game is upheld or none is left. A corrupt solver's own verifier, challenging an
// honest interval first, so loses its challenge stake and cannot keep an
// honest challenger from the game.
//
// A failed checkpoint demand decides before anything else: the task is
// withheld, won by the first of WithheldChallengers (selection order, not
// arrival order).
// How the reason of a challenge verdict taken as an abstention begins when
// its challenger could not lock the challenge stake (the arbiter writes it;
// ConclusionOf counts such verdicts apart from abstentions).
inline constexpr const char* kUnfundedChallenge = "abstains: holds ";

struct Conclusion {
  enum Kind {
    kWithheld,     // a checkpoint demand failed: the first withheld challenger wins
    kForcedRound,  // a forced error's posted trace: settle the verifiers' part
    kDispute,      // the first challenger in selection order goes to the game
    kInitialState, // ... or, on checkpoint 0 as the initial state, to a ruling
    kAllAbstained, // unverified
    kAccepted,
  };
  Kind kind = kAccepted;
  std::string challenger;  // kWithheld, kDispute, kInitialState
  std::string reason;      // kWithheld, kAllAbstained, kAccepted: the settlement's reason
};
Conclusion ConclusionOf(const ArbiterTask& task);

// The challenge to play next: the first selected verifier, in selection
// order, whose challenge was taken on the trace being verified and still
// has an interval not played and rejected (task.rejected); none when every
// challenge has been. Its kind is kDispute or kInitialState.
std::optional<Conclusion> NextChallenge(const ArbiterTask& task);
// The interval of `challenger`'s challenge to play next (the first not yet
// played and rejected); null when none is left, or it did not challenge.
const ChallengedInterval* NextIntervalOf(const ArbiterTask& task, const std::string& challenger);
// The challengers every interval of whose challenge was played and
// rejected, in the order their last game was played: each forfeits its
// challenge stake.
std::vector<std::string> FullyRejected(const ArbiterTask& task);

// What is due on `task` at `now_ms` (arbiter CheckDeadlines). The game's
// clocks are the game's own (Game::Tick).
enum class DueAction {
  kNone,
  kDemands,               // verifying with a checkpoint demand open: expire demands only
  kTrainingDeadline,      // no trace: solver_timeout
  kConclude,              // the verification deadline with verdicts or a failed
                          // demand, or a failed demand and ReadyToConclude: conclude
  kVerificationDeadline,  // no verdict and no failed demand: unverified
  kRealTraceDeadline,     // a forced error's real trace not opened: withheld
};
DueAction DueAt(const ArbiterTask& task, int64_t now_ms);

// ---- State changes, the same for the live path and recovery ----------
// (recovery applies them at the logged event's time).

// The task is assigned at `now_ms`: its secret (from the run's `seed`),
// the forced-error draw from it, the training deadline, and its
// task_assigned event kept for republishing.
void AssignTask(ArbiterTask& task, uint64_t seed, int64_t now_ms);
// `verifiers` were drawn at `now_ms`: they verify until now +
// verification_ms.
void StartVerification(ArbiterTask& task, std::vector<std::string> verifiers, int64_t now_ms);
// A forced error's posted trace is done with: its draw, verdicts and
// challenges are dropped (the real trace gets its own).
void EndPostedRound(ArbiterTask& task);
// The arbiter rules on `challenger`'s challenge of checkpoint 0 as the
// initial state: it is the task's latest ruling, and no game is (the last
// game played, if any, was rejected and is in the log).
void StartRuling(ArbiterTask& task, const std::string& challenger);
// The number of the task's next game (DisputeOpened::game): how many
// challenges of the trace were played and rejected before it, a ruling on
// checkpoint 0 included. Recovery checks a logged dispute_opened against it.
int64_t NextGameNumber(const ArbiterTask& task);
// `challenger`'s game on its current interval was played and rejected:
// its next interval (if any) is played next — only when the game was lost
// on the merits (`ruled`: the arbiter's ruling on the node, or on
// checkpoint 0); one lost on its clock or by an invalid move forfeits the
// rest. With none left it forfeits its challenge stake at settlement.
void NoteRejected(ArbiterTask& task, const std::string& challenger, bool ruled = true);
// The checkpoint_demand event of `demand`, kept as the demand's latest.
const Message& NoteDemand(ArbiterTask& task, const Demand& demand);
// Checkpoint `index` was delivered valid at `now_ms` (kept in `file`, ""
// when only in memory): its proof kept, and verification given its time
// again from now.
void NoteDelivery(ArbiterTask& task, int64_t index, const InclusionProof& proof,
                  const std::string& file, int64_t now_ms);

// The intervals `verifier` was drawn to check on the trace being
// verified, as it draws them itself (top-Q and its random draw from the
// revealed secret, the trace root and its name); empty before the trace,
// or when the trace admits no draw.
std::vector<int64_t> DrawnIntervals(const ArbiterTask& task, const std::string& verifier);

// What PlanSettlement needs to settle `task` in its current state, the
// stakes read from `ledger`.
SettlementInput SettlementInputOf(const ArbiterTask& task, const Ledger& ledger,
                                  const std::string& submitter);

}  // namespace veritrain
