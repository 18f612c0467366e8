// The arbiter's decisions on a task, driven without sockets or a clock:
// escrow sums, verdict validation (a verdict on the posted trace refused
// once the real one is verified), every conclusion, every deadline, the
// game's move clock, and what a settlement is computed from.
#include "arbiter/task_rules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/crypto/merkle.h"
#include "core/wire/body_fields.h"

namespace veritrain {
namespace {

TaskSpec Spec() {
  TaskSpec s;
  s.job = {{"name", "synthetic"}};
  s.steps = 20;
  s.checkpoint_interval = 10;
  s.reward = 600;
  s.solver = "s";
  s.verifiers = {"v1", "v2", "v3"};
  s.economics.verifier_fee = 50;
  s.economics.verifiers_per_task = 2;
  return s;
}

// A task of three checkpoints (two intervals) whose trace root is a real
// Merkle root, so that challenges can be proven against it.
class TaskRules : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* c : {"c0", "c1", "c2"}) states_.push_back(Sha256Of(c));
    std::vector<Digest> leaves;
    for (const auto& s : states_) leaves.push_back(MerkleLeafHash(s));
    tree_ = std::make_unique<MerkleTree>(leaves);
    task_.id = "task-0001";
    task_.spec = Spec();
    ASSERT_TRUE(SetDurations(task_.spec, &task_).ok());
  }

  void Advance(std::initializer_list<TaskEvent> events) {
    for (TaskEvent e : events) ASSERT_TRUE(task_.machine.Apply(e).ok()) << TaskEventName(e);
  }
  // Assigned, trace committed, randomness revealed, v1 and v2 selected.
  void Verifying() {
    Advance({TaskEvent::kAssigned, TaskEvent::kTraceCommitted, TaskEvent::kRandomnessRevealed});
    TraceCommit t;
    t.trace_root = tree_->root();
    t.num_checkpoints = 3;
    task_.trace = t;
    task_.selected = {"v1", "v2"};
    task_.deadline_ms = 1000;
  }
  Verdict Accept() const {
    Verdict v;
    v.trace_root = task_.trace->trace_root;
    return v;
  }
  Verdict Abstain() const {
    Verdict v = Accept();
    v.accept = false;
    v.abstain = true;
    return v;
  }
  Verdict Challenge(int64_t interval, bool initial_state = false) const {
    Verdict v = Accept();
    v.accept = false;
    v.disputed_interval = interval;
    v.evidence = {{"start", {{"hash", states_[interval].Hex()},
                             {"proof", ProofToJson(tree_->Prove(interval))}}},
                  {"end", {{"hash", states_[interval + 1].Hex()},
                           {"proof", ProofToJson(tree_->Prove(interval + 1))}}}};
    if (initial_state) v.evidence["initial_state"] = true;
    return v;
  }
  // Records `v` as taken (as the arbiter does once RefuseVerdict is "").
  void Vote(const std::string& who, const Verdict& v) {
    std::optional<std::vector<ChallengedInterval>> challenged;
    ASSERT_EQ(RefuseVerdict(task_, who, v, &challenged), "") << who;
    task_.verdicts[who] = v;
    if (challenged) task_.challenges[who] = *challenged;
  }

  std::vector<Digest> states_;
  std::unique_ptr<MerkleTree> tree_;
  ArbiterTask task_;
};

TEST(TaskRulesEscrow, RewardAndOneFeePerVerifierToBeSelected) {
  TaskSpec s = Spec();
  EXPECT_EQ(*EscrowOf(s), Amount(600 + 2 * 50));
  // verifiers_per_task 0: every named verifier is selected.
  s.economics.verifiers_per_task = 0;
  EXPECT_EQ(*EscrowOf(s), Amount(600 + 3 * 50));
  s.economics.verifier_fee = 0;
  EXPECT_EQ(*EscrowOf(s), Amount(600));
  // A sum that would overflow is refused, not wrapped.
  s.economics.verifier_fee = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_FALSE(EscrowOf(s).ok());
  s = Spec();
  s.reward = std::numeric_limits<int64_t>::max();
  EXPECT_FALSE(EscrowOf(s).ok());
}

TEST(TaskRulesEscrow, AccountNamesAndTaskIds) {
  EXPECT_EQ(EscrowAccount("task-0001"), "escrow/task-0001");
  EXPECT_EQ(StakeAccount("task-0001", "v1"), "stake/task-0001/v1");
  EXPECT_EQ(ChallengeAccount("task-0001", "v1"), "challenge/task-0001/v1");
  EXPECT_EQ(TaskIdOf(1), "task-0001");
  EXPECT_EQ(TaskIdOf(12345), "task-12345");
}

TEST_F(TaskRules, DurationsAreTheSpecsSecondsInMs) {
  task_.spec.training_deadline_s = 1.5;
  task_.spec.verification_deadline_s = 2;
  task_.spec.game_clock_s = 0.25;
  ASSERT_TRUE(SetDurations(task_.spec, &task_).ok());
  EXPECT_EQ(task_.training_ms, 1500);
  EXPECT_EQ(task_.verification_ms, 2000);
  EXPECT_EQ(task_.clock_ms, 250);
  task_.spec.verification_deadline_s = std::nan("");
  Status bad = SetDurations(task_.spec, &task_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("verification_deadline_s"), std::string::npos) << bad.message();
  task_.spec.verification_deadline_s = 1;
  task_.spec.game_clock_s = -1;
  EXPECT_NE(SetDurations(task_.spec, &task_).message().find("game_clock_s"), std::string::npos);
}

TEST_F(TaskRules, VerdictsAreTakenFromSelectedVerifiersOncePerTrace) {
  Verifying();
  std::optional<std::vector<ChallengedInterval>> c;
  EXPECT_EQ(RefuseVerdict(task_, "v3", Accept(), &c), "v3 is not a selected verifier of task-0001");
  EXPECT_EQ(RefuseVerdict(task_, "v1", Accept(), &c), "");
  EXPECT_FALSE(c.has_value());
  Vote("v1", Accept());
  EXPECT_EQ(RefuseVerdict(task_, "v1", Accept(), &c), "v1 has already posted a verdict");
  ArbiterTask training;
  training.id = "task-0002";
  training.selected = {"v1"};
  ASSERT_TRUE(training.machine.Apply(TaskEvent::kAssigned).ok());
  EXPECT_EQ(RefuseVerdict(training, "v1", Accept(), &c), "task is training, not verifying");
  // A task no longer verifying says so, whoever asks: a settled task has
  // let its selection go, and "not a selected verifier" misled the one
  // that answered too late.
  training.selected.clear();
  EXPECT_EQ(RefuseVerdict(training, "v1", Accept(), &c), "task is training, not verifying");
}

TEST_F(TaskRules, AVerdictOnThePostedTraceIsRefusedOnceTheRealOneIsVerified) {
  Verifying();
  const Verdict on_posted = Challenge(1);
  // The forced error was revealed and the solver opened its real trace:
  // the task now verifies another root.
  task_.trace->trace_root = Sha256Of("the real trace");
  task_.real_round = true;
  std::optional<std::vector<ChallengedInterval>> c;
  const std::string refused = RefuseVerdict(task_, "v1", on_posted, &c);
  EXPECT_EQ(refused, "the verdict is on trace " + tree_->root().Hex() +
                         ", but task-0001 is verifying trace " +
                         Sha256Of("the real trace").Hex());
  EXPECT_FALSE(c.has_value());
}

TEST_F(TaskRules, AChallengeIsTakenOnlyWithItsProofs) {
  Verifying();
  std::optional<std::vector<ChallengedInterval>> c;
  Verdict forged = Challenge(1);
  forged.evidence["end"]["hash"] = Sha256Of("not c2").Hex();
  EXPECT_EQ(RefuseVerdict(task_, "v1", forged, &c).rfind("challenge refused: ", 0), 0u);
  EXPECT_FALSE(c.has_value());
  Verdict outside = Challenge(1);
  outside.disputed_interval = 2;
  EXPECT_NE(RefuseVerdict(task_, "v1", outside, &c).find("outside the trace"), std::string::npos);
  EXPECT_EQ(RefuseVerdict(task_, "v1", Challenge(1), &c), "");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->front().start_hash, states_[1]);
  EXPECT_EQ(c->front().end_hash, states_[2]);
}

TEST_F(TaskRules, VerificationConcludesWhenEveryoneVotedAndNoDemandIsOpen) {
  Verifying();
  EXPECT_FALSE(ReadyToConclude(task_));
  Vote("v1", Accept());
  EXPECT_FALSE(ReadyToConclude(task_));
  ASSERT_TRUE(task_.availability.Open("v2", 1, 3, 4, 0, 500).ok());
  Vote("v2", Accept());
  EXPECT_FALSE(ReadyToConclude(task_));  // the demand may end as withheld
  ASSERT_TRUE(task_.availability.Expire(600).has_value());
  EXPECT_TRUE(ReadyToConclude(task_));
}

// A failed demand does not conclude the verification while a selected
// verifier has neither voted nor asked; the withheld challengers, and so
// the winner, come in selection order whoever asked first.
TEST_F(TaskRules, AFailedDemandConcludesAsWithheldOnceEveryVerifierIsDone) {
  Verifying();
  ASSERT_TRUE(task_.availability.Open("v2", 1, 3, 4, 0, 500).ok());
  ASSERT_TRUE(task_.availability.Expire(500).has_value());
  EXPECT_EQ(WithheldChallengers(task_), std::vector<std::string>{"v2"});
  EXPECT_FALSE(ReadyToConclude(task_));  // v1 is not done
  EXPECT_EQ(DueAt(task_, 501), DueAction::kNone);
  EXPECT_EQ(DueAt(task_, 1000), DueAction::kConclude);  // the deadline
  ASSERT_TRUE(task_.availability.Open("v1", 1, 3, 4, 600, 1600).ok());  // joins
  EXPECT_EQ(WithheldChallengers(task_), (std::vector<std::string>{"v1", "v2"}));
  EXPECT_TRUE(ReadyToConclude(task_));
  EXPECT_EQ(DueAt(task_, 601), DueAction::kConclude);
  const Conclusion c = ConclusionOf(task_);
  EXPECT_EQ(c.kind, Conclusion::kWithheld);
  EXPECT_EQ(c.challenger, "v1");
  EXPECT_NE(c.reason.find("asked for by v1"), std::string::npos) << c.reason;
}

TEST_F(TaskRules, EveryConclusion) {
  Verifying();
  Vote("v1", Accept());
  Vote("v2", Accept());
  Conclusion c = ConclusionOf(task_);
  EXPECT_EQ(c.kind, Conclusion::kAccepted);
  EXPECT_EQ(c.reason, "every verifier accepted");

  task_.verdicts.erase("v2");  // the deadline passed with one vote
  EXPECT_EQ(ConclusionOf(task_).reason, "every verifier that voted before the deadline accepted");

  task_.verdicts["v2"] = Abstain();
  c = ConclusionOf(task_);
  EXPECT_EQ(c.kind, Conclusion::kAccepted);
  EXPECT_EQ(c.reason, "1 verifier(s) accepted, 1 abstained (could not verify), none challenged");

  // A challenge its challenger could not back is not an abstention of one
  // that could not verify: the reason names it.
  Verdict unfunded = Abstain();
  unfunded.reason = std::string(kUnfundedChallenge) + "40, less than the challenge stake 100";
  task_.verdicts["v2"] = unfunded;
  c = ConclusionOf(task_);
  EXPECT_EQ(c.kind, Conclusion::kAccepted);
  EXPECT_EQ(c.reason,
            "1 verifier(s) accepted; 1 challenge(s) not played: the challenger could not lock "
            "its challenge stake");
  task_.verdicts["v1"] = Abstain();
  EXPECT_EQ(ConclusionOf(task_).reason,
            "1 challenge(s) not played: the challenger could not lock its challenge stake");
  task_.verdicts["v2"] = Abstain();

  task_.verdicts["v1"] = Abstain();
  c = ConclusionOf(task_);
  EXPECT_EQ(c.kind, Conclusion::kAllAbstained);
  EXPECT_EQ(c.reason, "every verifier that voted abstained: it could not verify");

  // A forced error's posted trace: the verifiers' part is settled first,
  // whatever they voted; the real trace then concludes as any other.
  task_.forced_error = true;
  EXPECT_EQ(ConclusionOf(task_).kind, Conclusion::kForcedRound);
  task_.real_round = true;
  EXPECT_EQ(ConclusionOf(task_).kind, Conclusion::kAllAbstained);
}

TEST_F(TaskRules, TheFirstChallengerInSelectionOrderGoesToTheGame) {
  Verifying();
  task_.selected = {"v2", "v1"};
  task_.verdicts.clear();
  Vote("v1", Challenge(1));
  Vote("v2", Challenge(0));
  Conclusion c = ConclusionOf(task_);
  EXPECT_EQ(c.kind, Conclusion::kDispute);
  EXPECT_EQ(c.challenger, "v2");
  // A challenge of checkpoint 0 as the initial state is ruled on without
  // a game.
  task_.verdicts.clear();
  task_.challenges.clear();
  Vote("v2", Accept());
  Vote("v1", Challenge(0, /*initial_state=*/true));
  c = ConclusionOf(task_);
  EXPECT_EQ(c.kind, Conclusion::kInitialState);
  EXPECT_EQ(c.challenger, "v1");
}

// One challenge after another, in selection order, until one is upheld:
// a challenge played and rejected gives way to the next challenger's, so
// a first challenger that disputes an honest interval (a corrupt solver's
// own verifier) cannot keep an honest challenger from the game.
TEST_F(TaskRules, ARejectedChallengeGivesWayToTheNextInSelectionOrder) {
  Verifying();
  task_.selected = {"v2", "v1"};
  Vote("v1", Challenge(1));
  Vote("v2", Challenge(0));
  ASSERT_EQ(NextChallenge(task_)->challenger, "v2");
  EXPECT_EQ(NextGameNumber(task_), 0);
  NoteRejected(task_, "v2");
  EXPECT_EQ(task_.rejected, std::vector<std::string>{"v2"});
  EXPECT_EQ(NextGameNumber(task_), 1);  // each game played numbers the next
  std::optional<Conclusion> next = NextChallenge(task_);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->kind, Conclusion::kDispute);
  EXPECT_EQ(next->challenger, "v1");
  NoteRejected(task_, "v1");
  EXPECT_FALSE(NextChallenge(task_).has_value());  // every challenge was played

  // A ruling on checkpoint 0 is played in its turn as a game is, and no
  // game is held while it is the latest.
  task_.verdicts.clear();
  task_.challenges.clear();
  task_.rejected.clear();
  Vote("v2", Challenge(0, /*initial_state=*/true));
  Vote("v1", Challenge(1));
  DisputeOpened opened{"s", "v2", 0, 0, 10, 2, 500, states_[0], states_[1]};
  task_.dispute = DisputeFromOpened(task_.id, opened, 0);
  task_.published[kDisputeSlot] = Pack(opened, task_.id);
  next = NextChallenge(task_);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->kind, Conclusion::kInitialState);
  StartRuling(task_, "v2");
  EXPECT_EQ(task_.ruled_challenger, "v2");
  EXPECT_FALSE(task_.dispute.has_value());
  EXPECT_FALSE(task_.published[kDisputeSlot].has_value());
  NoteRejected(task_, "v2");
  EXPECT_EQ(task_.ruled_challenger, "");  // no longer the latest ruling
  EXPECT_EQ(NextChallenge(task_)->kind, Conclusion::kDispute);
  EXPECT_EQ(NextGameNumber(task_), 1);  // the ruling counts as a game played
  // A forced error's posted trace is done with: its rejections go too.
  EndPostedRound(task_);
  EXPECT_TRUE(task_.rejected.empty());
}

// A challenge that lists further intervals is played interval by
// interval before the next challenger's: its challenger is rejected (and
// forfeits its stake) only once every interval it listed was lost.
TEST_F(TaskRules, AChallengersFurtherIntervalsArePlayedBeforeTheNextChallenger) {
  Verifying();
  Verdict both = Challenge(1);
  both.further.push_back({0, "outside δ too", Challenge(0).evidence});
  Vote("v1", both);
  Vote("v2", Challenge(1));
  ASSERT_EQ(task_.challenges.at("v1").size(), 2u);
  ASSERT_EQ(NextChallenge(task_)->challenger, "v1");
  EXPECT_EQ(NextIntervalOf(task_, "v1")->interval, 1);
  NoteRejected(task_, "v1");
  ASSERT_EQ(NextChallenge(task_)->challenger, "v1");  // its next interval
  EXPECT_EQ(NextIntervalOf(task_, "v1")->interval, 0);
  EXPECT_EQ(NextIntervalOf(task_, "v1")->start_hash, states_[0]);
  EXPECT_TRUE(FullyRejected(task_).empty());
  EXPECT_EQ(NextGameNumber(task_), 1);
  // Upheld on its second interval: it is no rejected challenger.
  Advance({TaskEvent::kChallenge, TaskEvent::kChallengeRejected, TaskEvent::kNextChallenge,
           TaskEvent::kChallengeUpheld});
  DisputeOpened second{"s", "v1", 1, 0, 10, 2, 500, states_[0], states_[1]};
  task_.dispute = DisputeFromOpened(task_.id, second, 0);
  Ledger ledger;
  SettlementInput in = SettlementInputOf(task_, ledger, "submitter");
  EXPECT_EQ(in.challenger, "v1");
  EXPECT_TRUE(in.rejected_challengers.empty());
  // Lost on both: rejected once, and v2 plays next.
  NoteRejected(task_, "v1");
  EXPECT_EQ(FullyRejected(task_), std::vector<std::string>{"v1"});
  ASSERT_EQ(NextChallenge(task_)->challenger, "v2");
  EXPECT_EQ(NextGameNumber(task_), 2);
  // A game lost other than on the merits (a clock, an invalid move)
  // forfeits the rest of the challenger's intervals.
  task_.rejected.clear();
  NoteRejected(task_, "v1", /*ruled=*/false);
  EXPECT_EQ(NextIntervalOf(task_, "v1"), nullptr);
  EXPECT_EQ(FullyRejected(task_), std::vector<std::string>{"v1"});
  ASSERT_EQ(NextChallenge(task_)->challenger, "v2");
  EndPostedRound(task_);
  EXPECT_TRUE(task_.forfeited.empty());
}

// Each further interval's evidence is checked as the first's: a challenge
// with one that does not hold is refused, naming it.
TEST_F(TaskRules, AFurtherIntervalWhoseEvidenceDoesNotHoldIsRefused) {
  Verifying();
  std::optional<std::vector<ChallengedInterval>> challenged;
  Verdict bad_proof = Challenge(1);
  bad_proof.further.push_back({0, "", Challenge(1).evidence});  // proofs of interval 1
  std::string refused = RefuseVerdict(task_, "v1", bad_proof, &challenged);
  EXPECT_NE(refused.find("further interval 0"), std::string::npos) << refused;
  Verdict twice = Challenge(1);
  twice.further.push_back({1, "", Challenge(1).evidence});
  refused = RefuseVerdict(task_, "v1", twice, &challenged);
  EXPECT_NE(refused.find("interval 1 twice"), std::string::npos) << refused;
  Verdict outside = Challenge(1);
  outside.further.push_back({2, "", Challenge(1).evidence});
  refused = RefuseVerdict(task_, "v1", outside, &challenged);
  EXPECT_NE(refused.find("outside the trace"), std::string::npos) << refused;
  EXPECT_FALSE(challenged.has_value());
}

// The settlement of challenges played in turn: every rejected challenger
// is listed (each forfeits its challenge stake); the challenger is the
// deciding game's — the one upheld, or the last rejected.
TEST_F(TaskRules, SettlementNamesEveryRejectedChallengerAndTheDecidingOne) {
  Verifying();
  Vote("v1", Challenge(1));
  Vote("v2", Challenge(0));
  Ledger ledger;
  DisputeOpened first{"s", "v1", 1, 10, 10, 2, 500, states_[1], states_[2]};
  task_.dispute = DisputeFromOpened(task_.id, first, 0);
  Advance({TaskEvent::kChallenge, TaskEvent::kChallengeRejected});
  NoteRejected(task_, "v1");
  Advance({TaskEvent::kNextChallenge});
  DisputeOpened second{"s", "v2", 0, 0, 10, 2, 500, states_[0], states_[1]};
  task_.dispute = DisputeFromOpened(task_.id, second, 0);
  Advance({TaskEvent::kChallengeUpheld});
  SettlementInput in = SettlementInputOf(task_, ledger, "submitter");
  EXPECT_EQ(in.outcome, SettlementOutcome::kChallengeUpheld);
  EXPECT_EQ(in.challenger, "v2");
  EXPECT_EQ(in.rejected_challengers, std::vector<std::string>{"v1"});
  // Had v2's been rejected too, the task settles rejected, the last
  // played its challenger.
  task_.machine = TaskMachine();
  Advance({TaskEvent::kAssigned, TaskEvent::kTraceCommitted, TaskEvent::kRandomnessRevealed,
           TaskEvent::kChallenge, TaskEvent::kChallengeRejected, TaskEvent::kNextChallenge,
           TaskEvent::kChallengeRejected});
  NoteRejected(task_, "v2");
  in = SettlementInputOf(task_, ledger, "submitter");
  EXPECT_EQ(in.outcome, SettlementOutcome::kChallengeRejected);
  EXPECT_EQ(in.challenger, "v2");
  EXPECT_EQ(in.rejected_challengers, (std::vector<std::string>{"v1", "v2"}));
}

TEST_F(TaskRules, EveryDeadline) {
  // Posted: nothing is due, however late (the task waits for its parties).
  EXPECT_EQ(DueAt(task_, 1'000'000), DueAction::kNone);
  Advance({TaskEvent::kAssigned});
  task_.deadline_ms = 1000;
  EXPECT_EQ(DueAt(task_, 999), DueAction::kNone);
  EXPECT_EQ(DueAt(task_, 1000), DueAction::kTrainingDeadline);

  task_ = ArbiterTask{};
  task_.id = "task-0002";
  task_.spec = Spec();
  Verifying();
  EXPECT_EQ(DueAt(task_, 999), DueAction::kNone);
  EXPECT_EQ(DueAt(task_, 1000), DueAction::kVerificationDeadline);
  Vote("v1", Accept());
  EXPECT_EQ(DueAt(task_, 1000), DueAction::kConclude);
  // An open checkpoint demand holds verification open past its deadline;
  // only the demands are due.
  ASSERT_TRUE(task_.availability.Open("v2", 1, 3, 4, 0, 5000).ok());
  EXPECT_EQ(DueAt(task_, 10), DueAction::kDemands);
  EXPECT_EQ(DueAt(task_, 2000), DueAction::kDemands);

  // A forced error: the solver's real trace is due by the reveal deadline.
  Advance({TaskEvent::kForcedErrorRevealed});
  task_.deadline_ms = 3000;
  EXPECT_EQ(DueAt(task_, 2999), DueAction::kNone);
  EXPECT_EQ(DueAt(task_, 3000), DueAction::kRealTraceDeadline);
  Advance({TaskEvent::kRealTraceWithheld, TaskEvent::kSettle});
  EXPECT_EQ(DueAt(task_, 1'000'000), DueAction::kNone);
}

TEST_F(TaskRules, AChallengedTasksDeadlineIsTheGamesMoveClock) {
  Verifying();
  Vote("v1", Challenge(1));
  Vote("v2", Accept());
  Advance({TaskEvent::kChallenge});
  EXPECT_EQ(DueAt(task_, 1'000'000), DueAction::kNone);
  DisputeOpened opened{"s", "v1", 1, 10, 10, 2, /*clock_ms=*/500, states_[1], states_[2]};
  task_.dispute = DisputeFromOpened(task_.id, opened, 100);
  Game& game = *task_.dispute->game;
  EXPECT_EQ(game.TimeLeftForMove(100), 500);
  // The solver moves in time: its clock stops, the challenger's runs.
  GameMove split;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("step 15")};
  ASSERT_TRUE(ApplyGameMove(*task_.dispute, Party::kSolver, split, 400).ok());
  EXPECT_FALSE(game.Tick(899));
  EXPECT_FALSE(game.resolved());
  EXPECT_TRUE(game.Tick(901));
  ASSERT_TRUE(game.resolved());
  EXPECT_EQ(game.winner(), Party::kSolver);  // the challenger ran out of time
  // A move of the wrong party is the game's refusal.
  Dispute other = DisputeFromOpened(task_.id, opened, 0);
  EXPECT_FALSE(ApplyGameMove(other, Party::kChallenger, split, 1).ok());
}

TEST_F(TaskRules, SettlementIsComputedFromTheLedgersBalances) {
  Verifying();
  Vote("v1", Challenge(1));
  Vote("v2", Abstain());
  Ledger ledger;
  ASSERT_TRUE(ledger.Mint("submitter", Amount(1000), "genesis").ok());
  ASSERT_TRUE(ledger.Mint("s", Amount(100), "genesis").ok());
  ASSERT_TRUE(ledger.Mint("v1", Amount(100), "genesis").ok());
  ASSERT_TRUE(ledger.Mint(kJackpotAccount, Amount(9), "genesis").ok());
  const std::string t = task_.id;
  ASSERT_TRUE(ledger.Transfer("submitter", EscrowAccount(t), Amount(700), "escrow", t).ok());
  ASSERT_TRUE(ledger.Transfer("s", StakeAccount(t, "s"), Amount(40), "stake", t).ok());
  ASSERT_TRUE(ledger.Transfer("v1", StakeAccount(t, "v1"), Amount(20), "stake", t).ok());
  ASSERT_TRUE(ledger.Transfer("v1", ChallengeAccount(t, "v1"), Amount(5), "challenge", t).ok());
  Advance({TaskEvent::kChallenge, TaskEvent::kChallengeUpheld});
  SettlementInput in = SettlementInputOf(task_, ledger, "submitter");
  EXPECT_EQ(in.outcome, SettlementOutcome::kChallengeUpheld);
  EXPECT_EQ(in.escrow, Amount(700));
  EXPECT_EQ(in.reward, Amount(600));
  EXPECT_EQ(in.solver_stake, Amount(40));
  EXPECT_EQ(in.jackpot, Amount(9));
  ASSERT_EQ(in.verifiers.size(), 2u);
  EXPECT_EQ(in.verifiers[0].verdict, VerdictKind::kChallenge);
  EXPECT_EQ(in.verifiers[0].stake, Amount(20));
  EXPECT_EQ(in.verifiers[0].challenge_stake, Amount(5));
  EXPECT_EQ(in.verifiers[1].verdict, VerdictKind::kAbstain);
  EXPECT_EQ(in.verifiers[1].challenge_account, "");
  // The challenger: a ruling without a game, then a withheld checkpoint,
  // take precedence over the game's.
  DisputeOpened opened{"s", "v1", 1, 10, 10, 2, 500, states_[1], states_[2]};
  task_.dispute = DisputeFromOpened(t, opened, 0);
  EXPECT_EQ(SettlementInputOf(task_, ledger, "submitter").challenger, "v1");
  task_.ruled_challenger = "v2";
  EXPECT_EQ(SettlementInputOf(task_, ledger, "submitter").challenger, "v2");
  task_.withheld_challenger = "v3";
  EXPECT_EQ(SettlementInputOf(task_, ledger, "submitter").challenger, "v3");
  // An escrow short of the reward pays what it holds.
  ASSERT_TRUE(ledger.Transfer(EscrowAccount(t), "submitter", Amount(650), "back", t).ok());
  EXPECT_EQ(SettlementInputOf(task_, ledger, "submitter").reward, Amount(50));
}

// The real trace of a forced error is settled as such: its fees come from
// the jackpot, and the verifiers the posted trace's settlement slashed for
// silence (not those slashed as lazy) are named, so as not to be slashed
// for silence twice.
TEST_F(TaskRules, TheRealTraceRoundNamesWhoWasSlashedForSilence) {
  Verifying();
  Ledger ledger;
  EXPECT_FALSE(SettlementInputOf(task_, ledger, "submitter").real_trace_round);
  task_.forced_round = {
      {"slashed",
       {{{"owner", "v1"}, {"why", "approved a forced error"}, {"amount", 10}},
        {{"owner", "v2"}, {"why", "no verdict"}, {"amount", 10}}}}};
  // Before the real trace is opened, nothing of it applies.
  SettlementInput in = SettlementInputOf(task_, ledger, "submitter");
  EXPECT_FALSE(in.real_trace_round);
  EXPECT_TRUE(in.slashed_silent.empty());
  task_.real_round = true;
  in = SettlementInputOf(task_, ledger, "submitter");
  EXPECT_TRUE(in.real_trace_round);
  EXPECT_EQ(in.slashed_silent, std::vector<std::string>{"v2"});
}

TEST_F(TaskRules, StateChangesSharedWithRecovery) {
  task_.spec.economics.forced_error_rate = 1.0;
  task_.training_ms = 300;
  task_.verification_ms = 200;
  AssignTask(task_, /*seed=*/7, 1000);
  EXPECT_EQ(task_.deadline_ms, 1300);
  EXPECT_TRUE(task_.forced_error);  // rate 1: always
  // The secret follows from the run's seed and the task: a restarted
  // arbiter draws the same.
  ArbiterTask again;
  again.id = task_.id;
  again.spec = task_.spec;
  AssignTask(again, 7, 5000);
  EXPECT_EQ(again.randomness.secret, task_.randomness.secret);
  EXPECT_EQ(again.randomness.commitment, task_.randomness.commitment);
  ASSERT_TRUE(task_.published[kAssignedSlot].has_value());
  EXPECT_EQ(task_.published[kAssignedSlot]->type, TaskAssigned::kType);
  EXPECT_EQ(task_.published[kAssignedSlot]->task, task_.id);
  AssignTask(again, 8, 5000);
  EXPECT_NE(again.randomness.secret, task_.randomness.secret);

  Verifying();
  StartVerification(task_, {"v2", "v3"}, 2000);
  EXPECT_EQ(task_.selected, (std::vector<std::string>{"v2", "v3"}));
  EXPECT_EQ(task_.deadline_ms, 2200);
  Vote("v2", Challenge(1));
  EndPostedRound(task_);
  EXPECT_TRUE(task_.selected.empty());
  EXPECT_TRUE(task_.verdicts.empty());
  EXPECT_TRUE(task_.challenges.empty());

  // A checkpoint demand's latest event, and a delivery extending
  // verification (never shortening it).
  StartVerification(task_, {"v1", "v2"}, 2000);
  auto opened = task_.availability.Open("v1", 1, 3, 4, 2000, 2500);
  ASSERT_TRUE(opened.ok());
  const Message& demand = NoteDemand(task_, **opened);
  EXPECT_EQ(demand.type, CheckpointDemand::kType);
  auto body = Unpack<CheckpointDemand>(demand);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(body->index, 1);
  EXPECT_EQ(body->state, "open");
  EXPECT_EQ(task_.demand_events.size(), 1u);
  NoteDelivery(task_, 1, tree_->Prove(1), "", 2100);
  EXPECT_EQ(task_.deadline_ms, 2300);
  EXPECT_EQ(task_.delivered_files.count(1), 0u);
  NoteDelivery(task_, 1, tree_->Prove(1), "d/1.ckpt", 1000);
  EXPECT_EQ(task_.deadline_ms, 2300);
  EXPECT_EQ(task_.delivered_files.at(1), "d/1.ckpt");
  EXPECT_EQ(task_.delivered_proofs.at(1).index, 1u);
}

}  // namespace
}  // namespace veritrain
