#include "arbiter/task_rules.h"

#include <algorithm>
#include <cstdio>

#include "core/protocol/commit_reveal.h"
#include "core/protocol/duration.h"
#include "core/protocol/interval_selection.h"
#include "core/protocol/task_draws.h"

namespace veritrain {
namespace {

SettlementOutcome OutcomeOf(TaskState s) {
  switch (s) {
    case TaskState::kAccepted: return SettlementOutcome::kAccepted;
    case TaskState::kUpheld: return SettlementOutcome::kChallengeUpheld;
    case TaskState::kRejected: return SettlementOutcome::kChallengeRejected;
    case TaskState::kSolverTimeout: return SettlementOutcome::kSolverTimeout;
    case TaskState::kUnverified: return SettlementOutcome::kUnverified;
    case TaskState::kForcedError: return SettlementOutcome::kForcedError;
    case TaskState::kVoid: return SettlementOutcome::kVoid;
    case TaskState::kWithheld: return SettlementOutcome::kWithheld;
    default: return SettlementOutcome::kInvalid;
  }
}

}  // namespace

std::string EscrowAccount(const std::string& task) { return "escrow/" + task; }
std::string StakeAccount(const std::string& task, const std::string& who) {
  return "stake/" + task + "/" + who;
}
std::string ChallengeAccount(const std::string& task, const std::string& who) {
  return "challenge/" + task + "/" + who;
}

std::string TaskIdOf(int64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "task-%04lld", static_cast<long long>(n));
  return buf;
}

Result<Amount> EscrowOf(const TaskSpec& spec) {
  const TaskEconomics& econ = spec.economics;
  const int64_t selected = econ.verifiers_per_task > 0
                               ? econ.verifiers_per_task
                               : static_cast<int64_t>(spec.verifiers.size());
  VT_ASSIGN_OR_RETURN(Amount fees, Amount::Mul(Amount(econ.verifier_fee), selected));
  return Amount::Add(Amount(spec.reward), fees);
}

Status SetDurations(const TaskSpec& spec, ArbiterTask* task) {
  VT_ASSIGN_OR_RETURN(task->training_ms,
                      SecondsToMs(spec.training_deadline_s, "training_deadline_s"));
  VT_ASSIGN_OR_RETURN(task->verification_ms,
                      SecondsToMs(spec.verification_deadline_s, "verification_deadline_s"));
  VT_ASSIGN_OR_RETURN(task->clock_ms, SecondsToMs(spec.game_clock_s, "game_clock_s"));
  return Status::Ok();
}

std::string RefuseVerdict(const ArbiterTask& task, const std::string& from, const Verdict& v,
                          std::optional<std::vector<ChallengedInterval>>* challenged) {
  // The task's state first: a verifier that answers too late was
  // selected all the same.
  if (task.machine.state() != TaskState::kVerifying) {
    return std::string("task is ") + TaskStateName(task.machine.state()) + ", not verifying";
  }
  const auto& vs = task.selected;
  if (std::find(vs.begin(), vs.end(), from) == vs.end()) {
    return from + " is not a selected verifier of " + task.id;
  }
  if (task.verdicts.count(from) > 0) return from + " has already posted a verdict";
  if (v.trace_root != task.trace->trace_root) {
    // After a forced error the task is verified twice: a late verdict on
    // the posted trace is not a vote on the real one.
    return "the verdict is on trace " + v.trace_root.Hex() + ", but " + task.id +
           " is verifying trace " + task.trace->trace_root.Hex();
  }
  if (!v.accept && !v.abstain) {
    auto checked =
        CheckChallengeEvidence(v, task.trace->trace_root, task.trace->num_checkpoints);
    if (!checked.ok()) return "challenge refused: " + checked.status().message();
    *challenged = *checked;
  }
  return "";
}

bool ReadyToConclude(const ArbiterTask& task) {
  if (task.availability.any_open()) return false;
  const std::vector<std::string> withheld = WithheldChallengers(task);
  for (const auto& v : task.selected) {
    if (task.verdicts.count(v) == 0 &&
        std::find(withheld.begin(), withheld.end(), v) == withheld.end()) {
      return false;
    }
  }
  return true;
}

namespace {

// Whether `verifier` asked for the checkpoint of demand `d`.
bool AskedFor(const Demand& d, const std::string& verifier) {
  return std::find(d.challengers.begin(), d.challengers.end(), verifier) != d.challengers.end();
}

}  // namespace

std::vector<std::string> WithheldChallengers(const ArbiterTask& task) {
  std::vector<std::string> out;
  for (const auto& v : task.selected) {
    for (const auto& [index, d] : task.availability.demands()) {
      if (d.state == DemandState::kFailed && AskedFor(d, v)) {
        out.push_back(v);
        break;
      }
    }
  }
  return out;
}

const ChallengedInterval* NextIntervalOf(const ArbiterTask& task, const std::string& challenger) {
  auto c = task.challenges.find(challenger);
  if (c == task.challenges.end() || task.forfeited.count(challenger) > 0) return nullptr;
  const auto lost =
      static_cast<size_t>(std::count(task.rejected.begin(), task.rejected.end(), challenger));
  return lost < c->second.size() ? &c->second[lost] : nullptr;
}

std::vector<std::string> FullyRejected(const ArbiterTask& task) {
  std::vector<std::string> out;
  for (const auto& v : task.rejected) {
    if (NextIntervalOf(task, v) == nullptr &&
        std::find(out.begin(), out.end(), v) == out.end()) {
      out.push_back(v);
    }
  }
  return out;
}

std::optional<Conclusion> NextChallenge(const ArbiterTask& task) {
  for (const auto& v : task.selected) {
    const ChallengedInterval* next = NextIntervalOf(task, v);
    if (next == nullptr) continue;
    return Conclusion{next->initial_state ? Conclusion::kInitialState : Conclusion::kDispute, v,
                      ""};
  }
  return std::nullopt;
}

Conclusion ConclusionOf(const ArbiterTask& task) {
  const std::vector<std::string> withheld = WithheldChallengers(task);
  if (!withheld.empty()) {
    // The winner's failed demand of the lowest index gives the reason: the
    // same whichever demand failed first.
    const std::string& winner = withheld.front();
    for (const auto& [index, d] : task.availability.demands()) {
      if (d.state != DemandState::kFailed || !AskedFor(d, winner)) continue;
      return {Conclusion::kWithheld, winner,
              "withheld: " + d.reason + " (asked for by " + winner + ")"};
    }
  }
  if (task.forced_error && !task.real_round) return {Conclusion::kForcedRound, "", ""};
  if (std::optional<Conclusion> first = NextChallenge(task)) return *first;
  int64_t accepted = 0, unfunded = 0;
  for (const auto& [name, verdict] : task.verdicts) {
    accepted += verdict.accept ? 1 : 0;
    unfunded += verdict.abstain && verdict.reason.rfind(kUnfundedChallenge, 0) == 0 ? 1 : 0;
  }
  const int64_t abstained = static_cast<int64_t>(task.verdicts.size()) - accepted - unfunded;
  // A challenge its challenger could not back is not played, and the task
  // is not "verified" by it: the reason says so rather than call it an
  // abstention of a verifier that could not verify.
  const std::string unplayed =
      unfunded == 0 ? std::string()
                    : std::to_string(unfunded) +
                          " challenge(s) not played: the challenger could not lock its "
                          "challenge stake";
  if (accepted == 0) {
    if (unfunded > 0) return {Conclusion::kAllAbstained, "", unplayed};
    return {Conclusion::kAllAbstained, "",
            "every verifier that voted abstained: it could not verify"};
  }
  std::string reason = task.verdicts.size() == task.selected.size()
                           ? "every verifier accepted"
                           : "every verifier that voted before the deadline accepted";
  if (abstained > 0 || unfunded > 0) {
    reason = std::to_string(accepted) + " verifier(s) accepted";
    if (abstained > 0) {
      reason += ", " + std::to_string(abstained) + " abstained (could not verify)";
    }
    reason += unfunded > 0 ? "; " + unplayed : std::string(", none challenged");
  }
  return {Conclusion::kAccepted, "", reason};
}

DueAction DueAt(const ArbiterTask& task, int64_t now_ms) {
  const TaskState s = task.machine.state();
  if (task.machine.done() || !task.assigned()) return DueAction::kNone;
  // While a checkpoint demand is open, verification does not end.
  if (s == TaskState::kVerifying && task.availability.any_open()) return DueAction::kDemands;
  // A demand failed and every verifier is done, but the task is not
  // settled yet (an arbiter restarted in between).
  if (s == TaskState::kVerifying && !WithheldChallengers(task).empty() &&
      ReadyToConclude(task)) {
    return DueAction::kConclude;
  }
  if (now_ms < task.deadline_ms) return DueAction::kNone;
  switch (s) {
    case TaskState::kTraining: return DueAction::kTrainingDeadline;
    case TaskState::kVerifying:
      return task.verdicts.empty() && WithheldChallengers(task).empty()
                 ? DueAction::kVerificationDeadline
                 : DueAction::kConclude;
    case TaskState::kForcedError: return DueAction::kRealTraceDeadline;
    default: return DueAction::kNone;
  }
}

void AssignTask(ArbiterTask& task, uint64_t seed, int64_t now_ms) {
  task.randomness = MakeCommitment(SecretFromSeed(seed, task.id));
  task.forced_error =
      ForcedErrorDrawn(task.randomness.secret, task.spec.economics.forced_error_rate);
  task.deadline_ms = AddMs(now_ms, task.training_ms);
  task.published[kAssignedSlot] =
      Pack(TaskAssigned{task.spec, task.randomness.commitment}, task.id);
}

void StartVerification(ArbiterTask& task, std::vector<std::string> verifiers, int64_t now_ms) {
  task.selected = std::move(verifiers);
  task.deadline_ms = AddMs(now_ms, task.verification_ms);
}

void EndPostedRound(ArbiterTask& task) {
  task.selected.clear();
  task.verdicts.clear();
  task.challenges.clear();
  task.rejected.clear();
  task.forfeited.clear();
}

void StartRuling(ArbiterTask& task, const std::string& challenger) {
  task.ruled_challenger = challenger;
  task.dispute.reset();
  task.published[kDisputeSlot].reset();
  task.published[kUpdateSlot].reset();
}

int64_t NextGameNumber(const ArbiterTask& task) {
  return static_cast<int64_t>(task.rejected.size());
}

void NoteRejected(ArbiterTask& task, const std::string& challenger, bool ruled) {
  task.rejected.push_back(challenger);
  if (!ruled) task.forfeited.insert(challenger);
  task.ruled_challenger.clear();
}

const Message& NoteDemand(ArbiterTask& task, const Demand& demand) {
  Message& m = task.demand_events[demand.index];
  m = Pack(CheckpointDemand{task.spec.solver, demand.index, DemandStateName(demand.state),
                            demand.deadline_ms, demand.reason},
           task.id);
  return m;
}

void NoteDelivery(ArbiterTask& task, int64_t index, const InclusionProof& proof,
                  const std::string& file, int64_t now_ms) {
  task.delivered_proofs[index] = proof;
  if (!file.empty()) task.delivered_files[index] = file;
  task.deadline_ms = std::max(task.deadline_ms, AddMs(now_ms, task.verification_ms));
}

std::vector<int64_t> DrawnIntervals(const ArbiterTask& task, const std::string& verifier) {
  if (!task.trace) return {};
  const Digest seed =
      DeriveSeed(task.randomness.secret, task.trace->trace_root, "random-intervals/" + verifier);
  auto chosen = SelectIntervals(task.spec.intervals(), task.trace->update_norms,
                                task.spec.top_q, task.spec.random_samples, seed);
  std::vector<int64_t> out;
  if (!chosen.ok()) return out;  // a trace the verifiers abstain on
  for (const SelectedInterval& i : *chosen) out.push_back(i.index);
  return out;
}

SettlementInput SettlementInputOf(const ArbiterTask& task, const Ledger& ledger,
                                  const std::string& submitter) {
  SettlementInput in;
  in.economics = task.spec.economics;
  in.outcome = OutcomeOf(task.machine.state());
  in.task = task.id;
  in.submitter = submitter;
  in.solver = task.spec.solver;
  in.escrow_account = EscrowAccount(task.id);
  in.escrow = ledger.Balance(in.escrow_account);
  in.reward = std::min(in.escrow, Amount(task.spec.reward));
  in.solver_stake_account = StakeAccount(task.id, task.spec.solver);
  in.solver_stake = ledger.Balance(in.solver_stake_account);
  for (const auto& name : task.selected) {
    VerifierPosition v;
    v.name = name;
    auto verdict = task.verdicts.find(name);
    if (verdict != task.verdicts.end()) {
      v.verdict = verdict->second.abstain  ? VerdictKind::kAbstain
                  : verdict->second.accept ? VerdictKind::kAccept
                                           : VerdictKind::kChallenge;
    }
    v.stake_account = StakeAccount(task.id, name);
    v.stake = ledger.Balance(v.stake_account);
    v.intervals = DrawnIntervals(task, name);
    if (task.challenges.count(name) > 0) {
      v.challenge_account = ChallengeAccount(task.id, name);
      v.challenge_stake = ledger.Balance(v.challenge_account);
    }
    in.verifiers.push_back(v);
  }
  // The challenger of the game (or ruling) that decided: the one being
  // played, or when every challenge was rejected the last played.
  if (task.dispute) in.challenger = task.dispute->challenger;
  if (!task.ruled_challenger.empty()) in.challenger = task.ruled_challenger;
  if (in.outcome == SettlementOutcome::kChallengeRejected && !task.rejected.empty()) {
    in.challenger = task.rejected.back();
  }
  in.rejected_challengers = FullyRejected(task);
  // Proven wrong: the deciding ruling evaluated the node against the
  // solver, or the ruling on checkpoint 0 upheld the challenge.
  if (in.outcome == SettlementOutcome::kChallengeUpheld) {
    const bool initial_state = !task.ruled_challenger.empty();
    const bool evaluated = task.dispute && task.dispute->ruling &&
                           task.dispute->ruling->evaluated &&
                           !task.dispute->ruling->solver_correct;
    in.result_proven_wrong = initial_state || evaluated;
    if (initial_state) {
      in.proven_wrong_interval = 0;
    } else if (evaluated) {
      in.proven_wrong_interval = task.dispute->interval;
    }
  }
  // Withheld: the first of the verifiers whose checkpoint demand failed,
  // in selection order, wins; each of them earns its fee.
  if (in.outcome == SettlementOutcome::kWithheld) {
    in.withheld_challengers = WithheldChallengers(task);
    if (!in.withheld_challengers.empty()) in.challenger = in.withheld_challengers.front();
  }
  // A forced error's real trace never opened (RealTraceWithheld).
  if (!task.withheld_challenger.empty()) in.challenger = task.withheld_challenger;
  in.jackpot = ledger.Balance(kJackpotAccount);
  // The real trace of a forced error: its fees come from the jackpot, and
  // whoever the posted trace's settlement slashed for silence is not
  // slashed for it again.
  in.real_trace_round = task.real_round;
  if (task.real_round) {
    for (const auto& s :
         task.forced_round.value("slashed", nlohmann::json::array())) {
      if (s.value("why", std::string()) == kNoVerdictSlash) {
        in.slashed_silent.push_back(s.value("owner", std::string()));
      }
    }
  }
  return in;
}

}  // namespace veritrain
