#include "core/protocol/task_machine.h"
#include "core/protocol/clock.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

TEST(TaskMachine, HonestPathEndsSettled) {
  TaskMachine m;
  for (TaskEvent e : {TaskEvent::kAssigned, TaskEvent::kTraceCommitted,
                      TaskEvent::kRandomnessRevealed, TaskEvent::kAllAccepted,
                      TaskEvent::kSettle}) {
    ASSERT_TRUE(m.Apply(e).ok()) << TaskEventName(e);
  }
  EXPECT_TRUE(m.done());
  std::vector<TaskState> want = {TaskState::kPosted,  TaskState::kTraining,
                                 TaskState::kProofPosted, TaskState::kVerifying,
                                 TaskState::kAccepted, TaskState::kSettled};
  EXPECT_EQ(m.history(), want);
}

TEST(TaskMachine, IllegalEventIsNamedAndChangesNothing) {
  TaskMachine m;
  Status s = m.Apply(TaskEvent::kAllAccepted);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("all_accepted in state posted"), std::string::npos);
  EXPECT_EQ(m.state(), TaskState::kPosted);
  EXPECT_EQ(m.history().size(), 1u);
}

TEST(TaskMachine, SettledAcceptsNothing) {
  TaskMachine m;
  ASSERT_TRUE(m.Apply(TaskEvent::kAssigned).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kTrainingDeadline).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kSettle).ok());
  for (int e = 0; e <= static_cast<int>(TaskEvent::kSettle); ++e) {
    EXPECT_FALSE(m.Apply(static_cast<TaskEvent>(e)).ok());
  }
  EXPECT_EQ(m.state(), TaskState::kSettled);
}

TEST(TaskMachine, ASolverThatGivesUpSettlesAsATimeoutOnlyWhileTraining) {
  TaskMachine m;
  EXPECT_FALSE(m.Apply(TaskEvent::kSolverGaveUp).ok());  // not assigned yet
  ASSERT_TRUE(m.Apply(TaskEvent::kAssigned).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kSolverGaveUp).ok());
  EXPECT_EQ(m.state(), TaskState::kSolverTimeout);
  ASSERT_TRUE(m.Apply(TaskEvent::kSettle).ok());
  EXPECT_TRUE(m.done());
  // Once its trace is committed, giving up is no longer an exit.
  TaskMachine committed;
  ASSERT_TRUE(committed.Apply(TaskEvent::kAssigned).ok());
  ASSERT_TRUE(committed.Apply(TaskEvent::kTraceCommitted).ok());
  EXPECT_FALSE(committed.Apply(TaskEvent::kSolverGaveUp).ok());
  EXPECT_EQ(ParseTaskEvent("solver_gave_up").value(), TaskEvent::kSolverGaveUp);
}

TEST(TaskMachine, UnverifiedPathSettles) {
  TaskMachine m;
  ASSERT_TRUE(m.Apply(TaskEvent::kAssigned).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kTraceCommitted).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kRandomnessRevealed).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kVerificationDeadline).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kSettle).ok());
  EXPECT_TRUE(m.done());
}

TEST(TaskMachine, AChallengeSettlesOnlyAfterTheGamesRuling) {
  for (TaskEvent ruling : {TaskEvent::kChallengeUpheld, TaskEvent::kChallengeRejected}) {
    TaskMachine m;
    ASSERT_TRUE(m.Apply(TaskEvent::kAssigned).ok());
    ASSERT_TRUE(m.Apply(TaskEvent::kTraceCommitted).ok());
    ASSERT_TRUE(m.Apply(TaskEvent::kRandomnessRevealed).ok());
    ASSERT_TRUE(m.Apply(TaskEvent::kChallenge).ok());
    EXPECT_FALSE(m.Apply(TaskEvent::kSettle).ok());  // not before the ruling
    ASSERT_TRUE(m.Apply(ruling).ok());
    EXPECT_EQ(m.state(), ruling == TaskEvent::kChallengeUpheld ? TaskState::kUpheld
                                                                : TaskState::kRejected);
    ASSERT_TRUE(m.Apply(TaskEvent::kSettle).ok());
    EXPECT_TRUE(m.done());
  }
}

// A rejected game is not the end while another challenge of the trace is
// still to be played: the next challenger's game opens, and its ruling
// settles the task (or opens the next).
TEST(TaskMachine, ARejectedGameGivesWayToTheNextChallenge) {
  TaskMachine m;
  for (TaskEvent e : {TaskEvent::kAssigned, TaskEvent::kTraceCommitted,
                      TaskEvent::kRandomnessRevealed}) {
    ASSERT_TRUE(m.Apply(e).ok());
  }
  EXPECT_FALSE(m.Apply(TaskEvent::kNextChallenge).ok());  // no game played yet
  ASSERT_TRUE(m.Apply(TaskEvent::kChallenge).ok());
  EXPECT_FALSE(m.Apply(TaskEvent::kNextChallenge).ok());  // not before the ruling
  ASSERT_TRUE(m.Apply(TaskEvent::kChallengeRejected).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kNextChallenge).ok());
  EXPECT_EQ(m.state(), TaskState::kChallenged);
  EXPECT_STREQ(TaskEventName(TaskEvent::kNextChallenge), "next_challenge");
  EXPECT_FALSE(m.Apply(TaskEvent::kSettle).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kChallengeUpheld).ok());
  // An upheld game is final: there is no next challenge after it.
  EXPECT_FALSE(m.Apply(TaskEvent::kNextChallenge).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kSettle).ok());
  EXPECT_TRUE(m.done());
  EXPECT_EQ(m.history(),
            (std::vector<TaskState>{TaskState::kPosted, TaskState::kTraining,
                                    TaskState::kProofPosted, TaskState::kVerifying,
                                    TaskState::kChallenged, TaskState::kRejected,
                                    TaskState::kChallenged, TaskState::kUpheld,
                                    TaskState::kSettled}));
}

TEST(TaskMachine, AForcedErrorIsRevealedOnlyWhileVerifying) {
  TaskMachine m;
  ASSERT_TRUE(m.Apply(TaskEvent::kAssigned).ok());
  EXPECT_FALSE(m.Apply(TaskEvent::kForcedErrorRevealed).ok());  // not while training
  ASSERT_TRUE(m.Apply(TaskEvent::kTraceCommitted).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kRandomnessRevealed).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kForcedErrorRevealed).ok());
  EXPECT_EQ(m.state(), TaskState::kForcedError);
  EXPECT_STREQ(TaskStateName(m.state()), "forced_error");
  EXPECT_FALSE(m.Apply(TaskEvent::kChallenge).ok());
  // The solver's real trace is still to be checked: a forced error never
  // settles the task by itself.
  EXPECT_FALSE(m.Apply(TaskEvent::kSettle).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kRealTraceRevealed).ok());
  EXPECT_EQ(m.state(), TaskState::kVerifying);
  // The real trace goes through verification as a posted one would, to a
  // game if it is challenged; it cannot be forced a second time.
  EXPECT_FALSE(m.Apply(TaskEvent::kRealTraceRevealed).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kChallenge).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kChallengeUpheld).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kSettle).ok());
  EXPECT_TRUE(m.done());
}

TEST(TaskMachine, ARealTraceNotOpenedIsWithheld) {
  TaskMachine m;
  for (TaskEvent e : {TaskEvent::kAssigned, TaskEvent::kTraceCommitted,
                      TaskEvent::kRandomnessRevealed}) {
    ASSERT_TRUE(m.Apply(e).ok());
  }
  EXPECT_FALSE(m.Apply(TaskEvent::kRealTraceWithheld).ok());  // nothing was forced yet
  ASSERT_TRUE(m.Apply(TaskEvent::kForcedErrorRevealed).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kRealTraceWithheld).ok());
  EXPECT_EQ(m.state(), TaskState::kWithheld);
  ASSERT_TRUE(m.Apply(TaskEvent::kSettle).ok());
  EXPECT_TRUE(m.done());
}


}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

TEST(TaskMachine, EveryEventNameParsesBackToItsEvent) {
  for (int i = static_cast<int>(TaskEvent::kAssigned);
       i <= static_cast<int>(TaskEvent::kNextChallenge); ++i) {
    const auto e = static_cast<TaskEvent>(i);
    auto parsed = ParseTaskEvent(TaskEventName(e));
    ASSERT_TRUE(parsed.ok()) << TaskEventName(e);
    EXPECT_EQ(*parsed, e);
  }
  EXPECT_NE(ParseTaskEvent("invalid").status().message().find("'invalid'"), std::string::npos);
  EXPECT_FALSE(ParseTaskEvent("teleport").ok());
}

TEST(OffsetClockTest, MovesWithItsBaseFromTheOffset) {
  FakeClock base(5);
  OffsetClock resumed(&base, 1000);
  EXPECT_EQ(resumed.NowMs(), 1005);
  base.Advance(20);
  EXPECT_EQ(resumed.NowMs(), 1025);
}

}  // namespace
}  // namespace veritrain
