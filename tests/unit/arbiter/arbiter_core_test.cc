// The arbiter's core driven directly, with no socket and no clock: requests
// and times in, and what it logs, transfers, publishes and replies checked
// in a recording outbox — escrow and assignment, verdict validation, every
// conclusion (accepted, all abstained, a dispute lost on time by either
// party, a ruling on checkpoint 0, a forced error, a withheld checkpoint
// whoever asked for it first), every deadline, resent requests and
// silence.
#include "arbiter/arbiter_core.h"

#include <gtest/gtest.h>

#include <limits>

#include <algorithm>
#include <map>

#include "arbiter/task_rules.h"
#include "tests/unit/arbiter/arbiter_core_harness.h"
#include "core/crypto/merkle.h"
#include "core/state/state_hash.h"
#include "core/train/job.h"
#include "core/train/torch_bridge.h"
#include "core/wire/body_fields.h"

namespace veritrain {
namespace {

using testing_util::CoreHarness;
using testing_util::kTask;
using testing_util::RecordingOutbox;
using testing_util::TestTrace;

bool Has(const std::vector<std::string>& types, const std::string& type) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

class ArbiterCoreTest : public ::testing::Test {
 protected:
  TaskSpec Spec() const { return CoreHarness::Spec(); }
  template <class M>
  ArbiterReply Send(const M& body, const std::string& from, int64_t now,
                    const std::string& task = kTask, uint64_t rid = 0) {
    return h_.Send(body, from, now, task, rid);
  }
  static Ack AckOf(const ArbiterReply& r) { return CoreHarness::AckOf(r); }
  int64_t Balance(const std::string& account) const {
    return core_->ledger().Balance(account).value();
  }
  const ArbiterTask& Task() const { return *core_->task(kTask); }
  std::string Outcome() const {
    const Message* settled = out_.LastPublished(TaskSettled::kType);
    if (settled == nullptr) return "not settled";
    return Unpack<TaskSettled>(*settled)->outcome;
  }

  // Posted at 0 and assigned: every participant has said hello.
  void Assigned(const TaskSpec& spec) {
    ASSERT_TRUE(AckOf(Send(PostTask{spec}, "submitter", 0, "")).ok);
    for (const char* who : {"s", "v1", "v2", "v3"}) {
      ASSERT_TRUE(AckOf(Send(Hello{who[0] == 's' ? "solver" : "verifier", ""}, who, 0, "")).ok);
    }
    ASSERT_EQ(Task().machine.state(), TaskState::kTraining);
  }
  // Assigned, then its trace (a real Merkle root over states_) committed at
  // 100.
  void Verifying(const TaskSpec& spec) {
    Assigned(spec);
    trace_.Rebuild();
    ASSERT_TRUE(AckOf(Send(trace_.Commit(), "s", 100)).ok);
    ASSERT_EQ(Task().machine.state(), TaskState::kVerifying);
    ASSERT_EQ(Task().selected.size(), 2u);
  }
  Verdict Accept() const { return trace_.Accept(); }
  Verdict Challenge(int64_t interval, bool initial_state = false) const {
    return trace_.Challenge(interval, initial_state);
  }
  // Defined with the tests that use it.
  std::string ChallengedFromCheckpointZeroThenInterval1();
  // The first selected verifier challenges `interval`, the second accepts.
  void ChallengedBy(int64_t interval, bool initial_state = false) {
    const auto selected = Task().selected;
    ASSERT_TRUE(AckOf(Send(Challenge(interval, initial_state), selected[0], 200)).ok);
    ASSERT_TRUE(AckOf(Send(Accept(), selected[1], 200)).ok);
  }

  CoreHarness h_;
  TestTrace trace_;
  RecordingOutbox& out_ = h_.out;
  std::unique_ptr<ArbiterCore>& core_ = h_.core;
  std::vector<Digest>& states_ = trace_.states;
  std::unique_ptr<MerkleTree>& tree_ = trace_.tree;
};

TEST_F(ArbiterCoreTest, GenesisMintsAndLogsEveryAccount) {
  EXPECT_EQ(out_.logged.front().type, GenesisEvent::kType);
  EXPECT_EQ(Balance("submitter"), 100000);
  EXPECT_EQ(Balance("v3"), 1000);
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
  // One transfer event per minted account, after the genesis event.
  const auto types = out_.TypesSince(1);
  EXPECT_EQ(static_cast<size_t>(std::count(types.begin(), types.end(), TransferEvent::kType)),
            core_->ledger().entries().size());
}

TEST_F(ArbiterCoreTest, PostEscrowsRewardAndFeesAndAssignsOnceEveryoneHasJoined) {
  const size_t mark = out_.logged.size();
  const Ack posted = AckOf(Send(PostTask{Spec()}, "submitter", 0, ""));
  ASSERT_TRUE(posted.ok) << posted.error;
  EXPECT_EQ(posted.data["task"], kTask);
  EXPECT_EQ(out_.TypesSince(mark),
            (std::vector<std::string>{TaskPostedEvent::kType, TransferEvent::kType}));
  EXPECT_EQ(Balance(EscrowAccount(kTask)), 600 + 2 * 50);
  EXPECT_EQ(Balance("submitter"), 100000 - 700);
  for (const char* who : {"s", "v1", "v2"}) Send(Hello{"x", ""}, who, 0, "");
  EXPECT_EQ(Task().machine.state(), TaskState::kPosted);  // v3 has not joined
  const size_t joined = out_.logged.size();
  Send(Hello{"verifier", ""}, "v3", 5, "");
  EXPECT_EQ(out_.TypesSince(joined),
            (std::vector<std::string>{ParticipantJoinedEvent::kType, TaskStateEvent::kType,
                                      TransferEvent::kType, TaskAssignedEvent::kType}));
  EXPECT_EQ(Balance(StakeAccount(kTask, "s")), 100);
  ASSERT_NE(out_.LastPublished(TaskAssigned::kType), nullptr);
  EXPECT_EQ(Task().deadline_ms,
            5 + 10000);  // the training deadline from the hello's time
}

TEST_F(ArbiterCoreTest, RefusedPostsAreLoggedAndMoveNoMoney) {
  const size_t mark = out_.logged.size();
  Ack a = AckOf(Send(PostTask{Spec()}, "s", 0, ""));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error, "only the submitter may post tasks");
  TaskSpec ghost = Spec();
  ghost.verifiers.push_back("ghost");
  a = AckOf(Send(PostTask{ghost}, "submitter", 0, ""));
  EXPECT_EQ(a.error, "task names unknown participant 'ghost'");
  TaskSpec rich = Spec();
  rich.reward = 1000000;
  a = AckOf(Send(PostTask{rich}, "submitter", 0, ""));
  EXPECT_NE(a.error.find("cannot escrow the reward"), std::string::npos) << a.error;
  EXPECT_EQ(out_.TypesSince(mark), (std::vector<std::string>(3, RequestRefusedEvent::kType)));
  EXPECT_EQ(Balance("submitter"), 100000);
  EXPECT_EQ(core_->task(kTask), nullptr);
}

TEST_F(ArbiterCoreTest, AResentRequestGetsItsFirstReplyAndChangesNothing) {
  const ArbiterReply first = Send(PostTask{Spec()}, "submitter", 0, "", 5);
  ASSERT_TRUE(first.taken);
  const size_t mark = out_.logged.size();
  const ArbiterReply again = Send(PostTask{Spec()}, "submitter", 10, "", 5);
  EXPECT_FALSE(again.taken);
  ASSERT_TRUE(again.reply);
  EXPECT_EQ(again.reply->body, first.reply->body);
  EXPECT_EQ(again.reply->rid, 5u);
  EXPECT_EQ(out_.logged.size(), mark);
  EXPECT_EQ(core_->repeated_requests(), 1);
  EXPECT_EQ(Balance("submitter"), 100000 - 700);
}

TEST_F(ArbiterCoreTest, VerdictsAreTakenFromSelectedVerifiersAndAcceptanceSettles) {
  Verifying(Spec());
  const auto selected = Task().selected;
  std::string unselected;
  for (const char* v : {"v1", "v2", "v3"}) {
    if (std::count(selected.begin(), selected.end(), v) == 0) unselected = v;
  }
  EXPECT_EQ(Balance(StakeAccount(kTask, selected[0])), 10);
  Ack a = AckOf(Send(Accept(), unselected, 200));
  EXPECT_EQ(a.error, unselected + " is not a selected verifier of task-0001");
  Verdict stale = Accept();
  stale.trace_root = states_[0];
  EXPECT_FALSE(AckOf(Send(stale, selected[0], 200)).ok);
  ASSERT_TRUE(AckOf(Send(Accept(), selected[0], 200)).ok);
  EXPECT_FALSE(AckOf(Send(Accept(), selected[0], 200)).ok);  // once per trace
  EXPECT_EQ(Task().machine.state(), TaskState::kVerifying);
  const size_t mark = out_.logged.size();
  ASSERT_TRUE(AckOf(Send(Accept(), selected[1], 300)).ok);
  const auto types = out_.TypesSince(mark);
  EXPECT_EQ(types.front(), VerdictEvent::kType);
  for (const char* t : {SettlementEvent::kType, TaskSettledEvent::kType, ChainHeadEvent::kType}) {
    EXPECT_TRUE(Has(types, t)) << t;
  }
  EXPECT_EQ(Outcome(), "accepted");
  EXPECT_EQ(Balance("s"), 1000 + 600);
  EXPECT_EQ(Balance(selected[0]), 1000 + 50);
  EXPECT_EQ(Balance(unselected), 1000);
  EXPECT_EQ(Balance(EscrowAccount(kTask)), 0);
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
  EXPECT_EQ(Task().settled_ms, 300);
  // Settled: no verdict is taken any more.
  EXPECT_FALSE(AckOf(Send(Accept(), unselected, 400)).ok);
}

TEST_F(ArbiterCoreTest, EveryVerifierAbstainingLeavesTheTaskUnverified) {
  Verifying(Spec());
  Verdict abstain = Accept();
  abstain.accept = false;
  abstain.abstain = true;
  for (const auto& v : Task().selected) ASSERT_TRUE(AckOf(Send(abstain, v, 200)).ok);
  EXPECT_EQ(Outcome(), "unverified");
}

TEST_F(ArbiterCoreTest, TheTrainingDeadlineFiresAtTheTimeGiven) {
  Assigned(Spec());
  ASSERT_TRUE(core_->Tick(10000 - 1).ok());
  EXPECT_EQ(Task().machine.state(), TaskState::kTraining);
  ASSERT_TRUE(core_->Tick(10000).ok());
  EXPECT_EQ(Outcome(), "solver_timeout");
  EXPECT_EQ(Task().settled_ms, 10000);
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

// A solver that gives up says how many steps it computed (its compute
// cost): logged with the failure, and no more than twice the task's steps
// (its training, and once more after a restart) taken from its word.
TEST_F(ArbiterCoreTest, ASolverThatGivesUpSaysWhatItComputed) {
  const TaskSpec spec = Spec();
  Assigned(spec);
  const Ack refused = AckOf(Send(TrainingFailed{"disk full", 2 * spec.steps + 1}, "s", 50));
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("more than twice the task's"), std::string::npos) << refused.error;
  EXPECT_EQ(Task().machine.state(), TaskState::kTraining);
  ASSERT_TRUE(AckOf(Send(TrainingFailed{"disk full", 7}, "s", 60)).ok);
  EXPECT_EQ(Outcome(), "solver_timeout");
  bool logged = false;
  for (const auto& e : out_.logged) {
    if (e.type != TrainingFailedEvent::kType) continue;
    logged = true;
    EXPECT_EQ(e.data.value("steps_computed", int64_t{-1}), 7);
  }
  EXPECT_TRUE(logged);
}

// A solver restarted after its trace was committed trains the task again
// and commits once more: the task keeps its trace, and the steps it says
// it computed in all are logged (solver_recomputed) as the task's compute,
// which was lost before. Resends, a smaller count, a count past twice the
// task's steps and a count that is not an integer are not logged.
TEST_F(ArbiterCoreTest, ASolverThatTrainsAgainAfterCommittingHasItsStepsNoted) {
  const TaskSpec spec = Spec();
  Verifying(spec);
  const Digest root = Task().trace->trace_root;
  auto commit = [&](const nlohmann::json& steps) {
    TraceCommit again = trace_.Commit();
    again.training = {{"steps_computed", steps}};
    return AckOf(Send(again, "s", 200));
  };
  EXPECT_FALSE(commit(2 * spec.steps).ok);  // refused: the task is not training
  commit(2 * spec.steps);                   // a resend
  commit(spec.steps);                       // fewer
  commit(2 * spec.steps + 1);               // past the bound
  commit("many");
  EXPECT_EQ(Task().trace->trace_root, root);
  EXPECT_EQ(Task().machine.state(), TaskState::kVerifying);
  std::vector<int64_t> noted;
  for (const auto& e : out_.logged) {
    if (e.type == SolverRecomputedEvent::kType) {
      noted.push_back(e.data.value("steps_computed", int64_t{-1}));
      EXPECT_EQ(e.data.value("solver", std::string()), "s");
    }
  }
  EXPECT_EQ(noted, std::vector<int64_t>{2 * spec.steps});
}

TEST_F(ArbiterCoreTest, TheVerificationDeadlineWithoutVerdictsLeavesTheTaskUnverified) {
  Verifying(Spec());
  const int64_t due = Task().deadline_ms;
  EXPECT_EQ(due, 100 + 10000);
  ASSERT_TRUE(core_->Tick(due - 1).ok());
  EXPECT_EQ(Task().machine.state(), TaskState::kVerifying);
  ASSERT_TRUE(core_->Tick(due).ok());
  EXPECT_EQ(Outcome(), "unverified");
}

TEST_F(ArbiterCoreTest, TheVerificationDeadlineConcludesWithTheVerdictsIn) {
  Verifying(Spec());
  ASSERT_TRUE(AckOf(Send(Accept(), Task().selected[0], 200)).ok);
  ASSERT_TRUE(core_->Tick(Task().deadline_ms).ok());
  EXPECT_EQ(Outcome(), "accepted");
}

// A verdict that comes after the verification deadline is late, though
// the serving loop had not yet ticked past the deadline when it came: the
// deadline is judged first (before, a verdict up to a tick late was taken,
// and a 0.01 s deadline let one in 240 ms after it).
TEST_F(ArbiterCoreTest, AVerdictAfterTheDeadlineIsLateBeforeAnyTick) {
  Verifying(Spec());
  const int64_t due = Task().deadline_ms;
  const std::string first = Task().selected[0];
  const std::string second = Task().selected[1];
  ASSERT_TRUE(AckOf(Send(Accept(), first, due - 1)).ok);
  EXPECT_EQ(Task().machine.state(), TaskState::kVerifying);
  EXPECT_FALSE(AckOf(Send(Accept(), second, due + 1)).ok);
  EXPECT_EQ(Outcome(), "accepted");
  EXPECT_EQ(Task().verdicts.count(second), 0u);
  EXPECT_EQ(Task().settled_ms, due + 1);
}

// The serving loop wakes when the next deadline is due, not only at its
// republish period: NextDueMs is the stage deadline, then the game clock of
// the party to move, and nothing once the task is settled.
TEST_F(ArbiterCoreTest, TheNextDueTimeIsTheEarliestDeadlineAhead) {
  Verifying(Spec());
  const int64_t due = Task().deadline_ms;
  EXPECT_EQ(core_->NextDueMs(150), due);
  EXPECT_EQ(core_->NextDueMs(due - 1), due);
  ChallengedBy(1);
  // The solver's clock (1 s) runs from the opening at 200.
  EXPECT_EQ(core_->NextDueMs(200), 200 + 1000 + 1);
  EXPECT_EQ(core_->NextDueMs(700), 200 + 1000 + 1);
  ASSERT_TRUE(core_->Tick(200 + 1001).ok());
  ASSERT_TRUE(Task().machine.done());
  EXPECT_EQ(core_->NextDueMs(200 + 1001), std::numeric_limits<int64_t>::max());
}

TEST_F(ArbiterCoreTest, AChallengeOpensAGameTheSolverLosesOnItsClock) {
  Verifying(Spec());
  const size_t mark = out_.logged.size();
  ChallengedBy(1);
  const auto types = out_.TypesSince(mark);
  EXPECT_TRUE(Has(types, DisputeOpenedEvent::kType));
  EXPECT_TRUE(Has(types, GameUpdateEvent::kType));
  ASSERT_NE(out_.LastPublished(DisputeOpened::kType), nullptr);
  EXPECT_EQ(Task().machine.state(), TaskState::kChallenged);
  const std::string challenger = Task().selected[0];
  EXPECT_EQ(Balance(ChallengeAccount(kTask, challenger)), 20);
  // The solver moves first; its clock (1 s) runs from the opening at 200
  // and is out once more than all of it has passed.
  ASSERT_TRUE(core_->Tick(200 + 1000).ok());
  EXPECT_EQ(Task().machine.state(), TaskState::kChallenged);
  ASSERT_TRUE(core_->Tick(200 + 1001).ok());
  EXPECT_EQ(Outcome(), "challenge_upheld");
  EXPECT_TRUE(Has(out_.TypesSince(mark), DisputeResolvedEvent::kType));
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

TEST_F(ArbiterCoreTest, AChallengerThatStopsMovingLosesTheGame) {
  Verifying(Spec());
  ChallengedBy(1);
  GameMove split;
  split.move = 0;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("middle")};
  GameMove stale = split;
  stale.move = 3;
  EXPECT_FALSE(AckOf(Send(stale, "s", 300)).ok);
  const ArbiterReply moved = Send(split, "s", 300);
  ASSERT_TRUE(AckOf(moved).ok) << AckOf(moved).error;
  EXPECT_TRUE(moved.taken);
  // Not a party: refused.
  EXPECT_FALSE(AckOf(Send(split, Task().selected[1], 300)).ok);
  ASSERT_TRUE(core_->Tick(300 + 1000).ok());
  EXPECT_EQ(Task().machine.state(), TaskState::kChallenged);
  ASSERT_TRUE(core_->Tick(300 + 1001).ok());
  EXPECT_EQ(Outcome(), "challenge_rejected");
}

// The plan of the last settlement logged.
nlohmann::json LastSettlementPlan(const RecordingOutbox& out) {
  for (auto it = out.logged.rbegin(); it != out.logged.rend(); ++it) {
    if (it->type == SettlementEvent::kType) return it->data;
  }
  return nlohmann::json();
}

// Both selected verifiers challenge. The first in selection order loses
// its game (on its clock): its challenge is rejected, and the second's is
// played next rather than the task settling. The solver loses that one:
// the task is upheld, the solver slashed to the second challenger, and
// the first forfeits its challenge stake (to the solver, which won its
// game). Before, the first game settled the task: a corrupt solver's own
// verifier, challenging an honest interval first, got it paid.
TEST_F(ArbiterCoreTest, ARejectedChallengeGivesTheGameToTheNextChallenger) {
  Verifying(Spec());
  const std::string first = Task().selected[0];
  const std::string second = Task().selected[1];
  ASSERT_TRUE(AckOf(Send(Challenge(1), first, 200)).ok);
  ASSERT_TRUE(AckOf(Send(Challenge(0), second, 200)).ok);
  ASSERT_EQ(Task().dispute->challenger, first);
  ASSERT_NE(out_.LastPublished(DisputeOpened::kType), nullptr);
  EXPECT_EQ(Unpack<DisputeOpened>(*out_.LastPublished(DisputeOpened::kType))->game, 0);
  EXPECT_EQ(Unpack<GameUpdate>(*out_.LastPublished(GameUpdate::kType))->game, 0);
  GameMove split;
  split.move = 0;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("middle")};
  ASSERT_TRUE(AckOf(Send(split, "s", 300)).ok);
  // The first challenger never answers: out of time at 300 + 1001.
  const size_t mark = out_.logged.size();
  h_.Tick(1301);
  EXPECT_EQ(Outcome(), "not settled");
  ASSERT_EQ(Task().machine.state(), TaskState::kChallenged);
  ASSERT_TRUE(Task().dispute.has_value());
  EXPECT_EQ(Task().dispute->challenger, second);
  EXPECT_EQ(Task().dispute->interval, 0);
  EXPECT_EQ(Task().rejected, std::vector<std::string>{first});
  const auto types = out_.TypesSince(mark);
  EXPECT_TRUE(Has(types, DisputeResolvedEvent::kType));
  EXPECT_TRUE(Has(types, DisputeOpenedEvent::kType));
  EXPECT_FALSE(Has(types, TaskSettledEvent::kType));
  const Message* opened = out_.LastPublished(DisputeOpened::kType);
  ASSERT_NE(opened, nullptr);
  EXPECT_EQ(Unpack<DisputeOpened>(*opened)->challenger, second);
  // The second game is numbered after the first: a late event of the first
  // game is known as one of a game that is over.
  EXPECT_EQ(Unpack<DisputeOpened>(*opened)->game, 1);
  const Message* update = out_.LastPublished(GameUpdate::kType);
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(Unpack<GameUpdate>(*update)->challenger, second);
  EXPECT_EQ(Unpack<GameUpdate>(*update)->game, 1);
  EXPECT_EQ(Unpack<GameUpdate>(*update)->move, 0);  // a game of its own, from move 0
  // The first challenger is no party to the second game.
  EXPECT_FALSE(AckOf(Send(split, first, 1400)).ok);
  // The solver does not answer the second game: out of time at 1301 + 1001.
  h_.Tick(2302);
  EXPECT_EQ(Outcome(), "challenge_upheld");
  const nlohmann::json plan = LastSettlementPlan(out_);
  ASSERT_EQ(plan["slashed"].size(), 2u) << plan.dump();
  EXPECT_EQ(plan["slashed"][0]["owner"], "s");
  EXPECT_EQ(plan["slashed"][0]["winner"], second);
  EXPECT_EQ(plan["slashed"][1]["owner"], first);
  EXPECT_EQ(plan["slashed"][1]["why"], "challenge rejected");
  // The solver won that game but the task found it wrong: no winner.
  EXPECT_EQ(plan["slashed"][1]["winner"], "");
  EXPECT_EQ(Balance(first), 1000 + 50 - 20);  // its fee, less its challenge stake
  EXPECT_EQ(Balance(ChallengeAccount(kTask, first)), 0);
  EXPECT_EQ(Balance(ChallengeAccount(kTask, second)), 0);
  const Message* settled = out_.LastPublished(TaskSettled::kType);
  ASSERT_NE(settled, nullptr);
  EXPECT_EQ(Unpack<TaskSettled>(*settled)->dispute.value("challenger", ""), second);
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

// The initial state of the spec's job, by hash.
Digest InitialStateHash(const TaskSpec& spec) {
  auto config = JobConfig::FromJson(spec.job);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  auto job = MakeJob(*config);
  EXPECT_TRUE(job.ok()) << job.status().ToString();
  auto initial = StateHash(ToState((*job)->InitialState((*job)->config().init_seed)));
  EXPECT_TRUE(initial.ok());
  return *initial;
}

// With checkpoint 0 the job's initial state, the first selected verifier
// challenges it as not the initial state, listing interval 1 after it; the
// second accepts. Returns the challenger.
std::string ArbiterCoreTest::ChallengedFromCheckpointZeroThenInterval1() {
  states_[0] = InitialStateHash(Spec());
  Verifying(Spec());
  const std::string first = Task().selected[0];
  Verdict both = Challenge(0, /*initial_state=*/true);
  both.further.push_back({1, "fails too", Challenge(1).evidence});
  EXPECT_TRUE(AckOf(Send(both, first, 200)).ok);
  EXPECT_TRUE(AckOf(Send(Accept(), Task().selected[1], 200)).ok);
  return first;
}

// The first selected verifier's challenge lists checkpoint 0 as not the
// initial state, then interval 1. The arbiter rules on the first and
// rejects it on the merits (checkpoint 0 is the initial state: the case
// across hardware of honest rounding ranked above the cheat); it plays
// interval 1 with the same challenger next (game 1) rather than calling
// the challenge rejected, and the solver loses that game. The challenger
// wins the solver's stake and keeps its challenge stake: its challenge was
// upheld. Before, the first lost game settled the task: the challenger
// forfeited its stake and the cheat was paid.
TEST_F(ArbiterCoreTest, AGameLostOnTheMeritsPlaysTheChallengersNextInterval) {
  const std::string first = ChallengedFromCheckpointZeroThenInterval1();
  ASSERT_EQ(Task().machine.state(), TaskState::kChallenged);
  ASSERT_TRUE(Task().dispute.has_value());
  EXPECT_EQ(Task().dispute->challenger, first);
  EXPECT_EQ(Task().dispute->interval, 1);
  EXPECT_EQ(Task().dispute->number, 1);  // the ruling was game 0
  const Message* opened = out_.LastPublished(DisputeOpened::kType);
  ASSERT_NE(opened, nullptr);
  EXPECT_EQ(Unpack<DisputeOpened>(*opened)->start_hash, states_[1]);
  EXPECT_EQ(Unpack<DisputeOpened>(*opened)->solver_end_hash, states_[2]);
  h_.Tick(1201);  // the solver does not answer
  EXPECT_EQ(Outcome(), "challenge_upheld");
  const nlohmann::json plan = LastSettlementPlan(out_);
  ASSERT_EQ(plan["slashed"].size(), 1u) << plan.dump();
  EXPECT_EQ(plan["slashed"][0]["owner"], "s");
  EXPECT_EQ(plan["slashed"][0]["winner"], first);
  EXPECT_EQ(Balance(ChallengeAccount(kTask, first)), 0);
  EXPECT_GT(Balance(first), 1000 + 50);  // its fee, its stakes back, the winner's share
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

// Every interval the challenge lists is played and lost: only then is the
// challenge rejected, and its challenger forfeits its challenge stake
// once.
TEST_F(ArbiterCoreTest, AChallengeIsRejectedOnlyWhenEveryIntervalItListsIsLost) {
  const std::string first = ChallengedFromCheckpointZeroThenInterval1();
  ASSERT_EQ(Task().dispute->interval, 1);
  GameMove split;
  split.move = 0;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("middle")};
  ASSERT_TRUE(AckOf(Send(split, "s", 300)).ok);
  h_.Tick(1301);  // the challenger does not answer
  EXPECT_EQ(Outcome(), "challenge_rejected");
  const nlohmann::json plan = LastSettlementPlan(out_);
  ASSERT_EQ(plan["slashed"].size(), 1u) << plan.dump();
  EXPECT_EQ(plan["slashed"][0]["owner"], first);
  EXPECT_EQ(plan["slashed"][0]["winner"], "s");
  EXPECT_EQ(Balance(first), 1000 + 50 - 20);
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

// A game the challenger loses on its clock (or by an invalid move) is not
// lost on the merits: the rest of its intervals is not played, so that a
// stalling challenger listing many intervals cannot hold the task for a
// whole clock per interval.
TEST_F(ArbiterCoreTest, AChallengerOutOfTimeForfeitsTheRestOfItsIntervals) {
  Verifying(Spec());
  const std::string first = Task().selected[0];
  ASSERT_TRUE(AckOf(Send(trace_.ChallengeOf({1, 0}), first, 200)).ok);
  ASSERT_TRUE(AckOf(Send(Accept(), Task().selected[1], 200)).ok);
  GameMove split;
  split.move = 0;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("middle")};
  ASSERT_TRUE(AckOf(Send(split, "s", 300)).ok);
  h_.Tick(1301);  // the challenger never answers
  EXPECT_EQ(Outcome(), "challenge_rejected");
  int64_t opened = 0;
  for (const auto& e : out_.logged) opened += e.type == DisputeOpenedEvent::kType ? 1 : 0;
  EXPECT_EQ(opened, 1);
  EXPECT_EQ(Balance(first), 1000 + 50 - 20);
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

// Both challenges are played and both are rejected: only then does the
// task settle as challenge_rejected; the solver is paid, and both
// challengers forfeit their challenge stakes.
TEST_F(ArbiterCoreTest, EveryChallengeRejectedPaysTheSolver) {
  Verifying(Spec());
  const std::string first = Task().selected[0];
  const std::string second = Task().selected[1];
  ASSERT_TRUE(AckOf(Send(Challenge(1), first, 200)).ok);
  ASSERT_TRUE(AckOf(Send(Challenge(0), second, 200)).ok);
  GameMove split;
  split.move = 0;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("middle")};
  ASSERT_TRUE(AckOf(Send(split, "s", 300)).ok);
  h_.Tick(1301);
  ASSERT_EQ(Task().dispute->challenger, second);
  ASSERT_TRUE(AckOf(Send(split, "s", 1400)).ok);
  h_.Tick(2400);  // the second game has a whole clock of its own
  EXPECT_EQ(Task().machine.state(), TaskState::kChallenged);
  h_.Tick(2401);
  EXPECT_EQ(Outcome(), "challenge_rejected");
  const nlohmann::json plan = LastSettlementPlan(out_);
  ASSERT_EQ(plan["slashed"].size(), 2u) << plan.dump();
  EXPECT_EQ(plan["slashed"][0]["owner"], first);
  EXPECT_EQ(plan["slashed"][1]["owner"], second);
  for (const auto& slash : plan["slashed"]) EXPECT_EQ(slash["winner"], "s");
  EXPECT_GT(Balance("s"), 1000);  // paid, its stake back, and the winner shares
  EXPECT_EQ(Balance(first), 1000 + 50 - 20);
  EXPECT_EQ(Balance(second), 1000 + 50 - 20);
  int64_t opened = 0;
  for (const auto& e : out_.logged) opened += e.type == DisputeOpenedEvent::kType ? 1 : 0;
  EXPECT_EQ(opened, 2);
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

// A challenge its challenger cannot back with its challenge stake would be
// played for free: it is taken, and logged, as an abstention.
TEST_F(ArbiterCoreTest, AChallengeWhoseStakeCannotBeLockedIsAnAbstention) {
  TaskSpec spec = Spec();
  spec.economics.challenge_stake = 995;  // 1000 - the verifier stake 10 < 995
  Verifying(spec);
  const std::string first = Task().selected[0];
  const std::string second = Task().selected[1];
  ASSERT_TRUE(AckOf(Send(Challenge(1), first, 200)).ok);
  ASSERT_EQ(Task().verdicts.count(first), 1u);
  EXPECT_TRUE(Task().verdicts.at(first).abstain);
  EXPECT_NE(Task().verdicts.at(first).reason.find("less than the challenge stake 995"),
            std::string::npos)
      << Task().verdicts.at(first).reason;
  EXPECT_EQ(Task().challenges.count(first), 0u);
  ASSERT_TRUE(AckOf(Send(Accept(), second, 210)).ok);
  EXPECT_FALSE(Task().dispute.has_value());
  EXPECT_EQ(Outcome(), "accepted");
  EXPECT_EQ(Balance(first), 1000);  // its stake back, no fee
  int64_t refused = 0;
  for (const auto& e : out_.logged) refused += e.type == TransferRefusedEvent::kType ? 1 : 0;
  EXPECT_EQ(refused, 0);
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

TEST_F(ArbiterCoreTest, AChallengeOfCheckpointZeroIsRuledByRecomputingIt) {
  Verifying(Spec());
  const size_t mark = out_.logged.size();
  // "c0" is not the synthetic job's initial state: upheld.
  ChallengedBy(0, /*initial_state=*/true);
  const auto types = out_.TypesSince(mark);
  EXPECT_TRUE(Has(types, InitialStateRulingEvent::kType));
  EXPECT_FALSE(Has(types, DisputeOpenedEvent::kType));
  EXPECT_EQ(Outcome(), "challenge_upheld");
}

TEST_F(ArbiterCoreTest, ACheckpointZeroThatIsTheInitialStateIsRejectedAsAChallenge) {
  states_[0] = InitialStateHash(Spec());
  Verifying(Spec());
  ChallengedBy(0, /*initial_state=*/true);
  EXPECT_EQ(Outcome(), "challenge_rejected");
}

TEST_F(ArbiterCoreTest, AForcedErrorIsRevealedAndWithheldWithoutTheRealTrace) {
  TaskSpec spec = Spec();
  spec.economics.forced_error_rate = 1;
  Assigned(spec);
  const ArbiterReply told = Send(ForcedErrorQuery{}, "s", 50);
  ASSERT_TRUE(told.reply);
  ASSERT_EQ(told.reply->type, ForcedErrorNotice::kType);
  EXPECT_TRUE(Unpack<ForcedErrorNotice>(*told.reply)->forced);
  // Only the solver is told.
  EXPECT_FALSE(AckOf(Send(ForcedErrorQuery{}, "v1", 50)).ok);
  tree_.reset();
  states_[2] = Sha256Of("wrong");
  std::vector<Digest> leaves;
  for (const auto& s : states_) leaves.push_back(MerkleLeafHash(s));
  tree_ = std::make_unique<MerkleTree>(leaves);
  TraceCommit t;
  t.trace_root = tree_->root();
  t.num_checkpoints = 3;
  ASSERT_TRUE(AckOf(Send(t, "s", 100)).ok);
  const size_t mark = out_.logged.size();
  ChallengedBy(1);
  EXPECT_TRUE(Has(out_.TypesSince(mark), ForcedErrorSettlementEvent::kType));
  EXPECT_FALSE(Has(out_.TypesSince(mark), DisputeOpenedEvent::kType));
  EXPECT_EQ(Task().machine.state(), TaskState::kForcedError);
  const Message* revealed = out_.LastPublished(ForcedErrorRevealed::kType);
  ASSERT_NE(revealed, nullptr);
  const int64_t due = Unpack<ForcedErrorRevealed>(*revealed)->deadline_ms;
  EXPECT_EQ(due, 200 + 1000);  // a game clock from the conclusion
  ASSERT_TRUE(core_->Tick(due - 1).ok());
  EXPECT_EQ(Task().machine.state(), TaskState::kForcedError);
  ASSERT_TRUE(core_->Tick(due).ok());
  EXPECT_EQ(Outcome(), "withheld");
  EXPECT_TRUE(core_->ledger().CheckConservation().ok());
}

// A task whose solver never delivers checkpoint 1. The selected verifier
// `first` (its place in the selection) asks for it at 200; the other asks
// at `second_ms` — before the demand's deadline (1200), after it (joining
// the failed demand), or never (-1) — and time passes to the verification
// deadline (10100). What the ledger and the settlement say then.
struct WithheldArrivalRun {
  std::vector<std::string> selected;
  std::map<std::string, int64_t> balances;
  std::string outcome;
  std::string reason;
  std::string winner;  // of the solver's slashed stake
  int64_t settled_ms = -1;
  bool settled_at_deadline_only = false;  // still verifying just before 10100
};

WithheldArrivalRun RunWithheldAskedInOrder(size_t first, int64_t second_ms) {
  CoreHarness h;
  TestTrace trace;
  WithheldArrivalRun run;
  EXPECT_TRUE(CoreHarness::AckOf(h.Send(PostTask{CoreHarness::Spec()}, "submitter", 0, "")).ok);
  for (const char* who : {"s", "v1", "v2", "v3"}) {
    EXPECT_TRUE(
        CoreHarness::AckOf(h.Send(Hello{who[0] == 's' ? "solver" : "verifier", ""}, who, 0, ""))
            .ok);
  }
  EXPECT_TRUE(CoreHarness::AckOf(h.Send(trace.Commit(), "s", 100)).ok);
  run.selected = h.core->task(kTask)->selected;
  if (run.selected.size() != 2) {
    ADD_FAILURE() << "expected two verifiers drawn";
    return run;
  }
  AvailabilityChallenge ask;
  ask.index = 1;
  ask.reason = "the solver refused checkpoint 1";
  const std::string early = run.selected[first];
  const std::string late = run.selected[1 - first];
  EXPECT_TRUE(CoreHarness::AckOf(h.Send(ask, early, 200)).ok);
  if (second_ms >= 0 && second_ms < 1200) {
    EXPECT_TRUE(CoreHarness::AckOf(h.Send(ask, late, second_ms)).ok);
  }
  h.Tick(1200);  // the demand's deadline: it fails
  if (second_ms >= 1200) {
    // Not settled yet: the other verifier is not done.
    EXPECT_EQ(h.core->task(kTask)->machine.state(), TaskState::kVerifying);
    const Ack joined = CoreHarness::AckOf(h.Send(ask, late, second_ms));
    EXPECT_TRUE(joined.ok) << joined.error;
    EXPECT_EQ(joined.data.value("state", ""), "failed");
  }
  h.Tick(10099);
  run.settled_at_deadline_only = h.core->task(kTask)->machine.state() == TaskState::kVerifying;
  h.Tick(10100);
  EXPECT_TRUE(h.core->ledger().CheckConservation().ok());
  for (const char* account : {"submitter", "s", "v1", "v2", "v3", kJackpotAccount, kBurnAccount}) {
    run.balances[account] = h.core->ledger().Balance(account).value();
  }
  if (const Message* settled = h.out.LastPublished(TaskSettled::kType)) {
    const auto body = Unpack<TaskSettled>(*settled);
    if (body.ok()) {
      run.outcome = body->outcome;
      run.reason = body->reason;
    }
  }
  for (const auto& e : h.out.logged) {
    if (e.type != SettlementEvent::kType) continue;
    for (const auto& slash : e.data.at("slashed")) {
      if (slash.value("owner", "") == "s") run.winner = slash.value("winner", "");
    }
  }
  run.settled_ms = h.core->task(kTask)->settled_ms;
  return run;
}

// Who wins a withheld task is the first challenger in selection order, not
// whoever's request reached the arbiter first: the same scenario and seed
// settle the same way, and each honest verifier that asked earns its fee.
TEST(ArbiterCoreWithheldTest, TheWinnerIsTheSameWhicheverChallengeArrivesFirst) {
  const WithheldArrivalRun in_order = RunWithheldAskedInOrder(0, 300);
  const WithheldArrivalRun reversed = RunWithheldAskedInOrder(1, 300);
  ASSERT_EQ(in_order.selected, reversed.selected);  // the seed's draw
  ASSERT_EQ(in_order.selected.size(), 2u);
  for (const WithheldArrivalRun* run : {&in_order, &reversed}) {
    EXPECT_EQ(run->outcome, "withheld");
    EXPECT_EQ(run->winner, run->selected[0]);
    EXPECT_EQ(run->settled_ms, 1200);  // both asked: settled when the demand failed
    // Both did the work: each gets its fee (50); the winner the slashed
    // stake (100, all to the winner in this split).
    EXPECT_EQ(run->balances.at(run->selected[0]), 1000 + 50 + 100);
    EXPECT_EQ(run->balances.at(run->selected[1]), 1000 + 50);
    EXPECT_EQ(run->balances.at("s"), 1000 - 100);
  }
  EXPECT_EQ(in_order.balances, reversed.balances);
  EXPECT_EQ(in_order.reason, reversed.reason);
}

// A demand that fails does not settle the task while another selected
// verifier is not done: the one asking after the failure is counted, in
// selection order, as if it had asked first.
TEST(ArbiterCoreWithheldTest, AVerifierAskingAfterTheDemandFailedIsWaitedFor) {
  const WithheldArrivalRun in_order = RunWithheldAskedInOrder(0, 1300);
  const WithheldArrivalRun reversed = RunWithheldAskedInOrder(1, 1300);
  for (const WithheldArrivalRun* run : {&in_order, &reversed}) {
    EXPECT_EQ(run->outcome, "withheld");
    EXPECT_EQ(run->winner, run->selected[0]);
    EXPECT_EQ(run->settled_ms, 1300);
  }
  EXPECT_EQ(in_order.balances, reversed.balances);
  EXPECT_EQ(in_order.reason, reversed.reason);
}

// A verifier that neither asks nor votes is waited for only until the
// verification deadline; the one that asked wins, whatever its place.
TEST(ArbiterCoreWithheldTest, AVerifierThatNeverAnswersIsWaitedForUntilTheDeadline) {
  const WithheldArrivalRun second_asks = RunWithheldAskedInOrder(1, -1);
  EXPECT_TRUE(second_asks.settled_at_deadline_only);
  EXPECT_EQ(second_asks.outcome, "withheld");
  EXPECT_EQ(second_asks.settled_ms, 10100);
  EXPECT_EQ(second_asks.winner, second_asks.selected[1]);
  // The silent one is not slashed (verification was cut short), and earns
  // no fee.
  EXPECT_EQ(second_asks.balances.at(second_asks.selected[0]), 1000);
  EXPECT_EQ(second_asks.balances.at(second_asks.selected[1]), 1000 + 50 + 100);
}

TEST_F(ArbiterCoreTest, ParticipantsGoSilentAndComeBack) {
  Send(Hello{"verifier", ""}, "v1", 0, "");
  const size_t mark = out_.logged.size();
  // Silent once more than silence_ms has passed.
  ASSERT_TRUE(core_->CheckSilence(1000).ok());
  EXPECT_EQ(out_.logged.size(), mark);
  ASSERT_TRUE(core_->CheckSilence(1001).ok());
  EXPECT_EQ(out_.TypesSince(mark), std::vector<std::string>{ParticipantSilentEvent::kType});
  const ArbiterReply beat = Send(Heartbeat{1}, "v1", 1500, "");
  EXPECT_FALSE(beat.reply);  // a heartbeat is not answered
  EXPECT_EQ(out_.TypesSince(mark).back(), ParticipantReturnedEvent::kType);
}

TEST_F(ArbiterCoreTest, OnlyTheSubmitterShutsTheRunDown) {
  EXPECT_FALSE(AckOf(Send(Shutdown{"bye"}, "s", 0, "")).ok);
  EXPECT_FALSE(core_->shutting_down());
  EXPECT_TRUE(AckOf(Send(Shutdown{"bye"}, "submitter", 0, "")).ok);
  EXPECT_TRUE(core_->shutting_down());
}

}  // namespace
}  // namespace veritrain
