// The task state machine (design section 1, stages 1–8), as a pure
// transition table. The arbiter holds one TaskMachine per task and feeds it
// events; an event that is illegal in the current state is rejected with a
// named error and changes nothing.
//
//   from            event                 to
//   posted          assigned              training
//   training        trace_committed       proof_posted
//   training        training_deadline     solver_timeout
//   training        solver_gave_up        solver_timeout (the solver said it
//                                                        cannot train: settled
//                                                        as at the deadline)
//   proof_posted    randomness_revealed   verifying
//   verifying       all_accepted          accepted
//   verifying       challenge             challenged
//   verifying       verification_deadline unverified   (no verdict at all)
//   verifying       all_abstained         unverified   (every verdict an
//                                                      abstention)
//   verifying       forced_error_revealed forced_error (the arbiter had told
//                                                      the solver to err:
//                                                      the verifier part is
//                                                      settled, the solver
//                                                      must open its real
//                                                      trace)
//   verifying       data_withheld         withheld     (a data-availability
//                                                      challenge: the solver did
//                                                      not deliver a valid
//                                                      checkpoint in time)
//   challenged      challenge_upheld      upheld       (the game's ruling)
//   challenged      challenge_rejected    rejected
//   rejected        next_challenge        challenged   (another selected
//                                                      verifier's challenge
//                                                      of this trace was not
//                                                      played yet: its game
//                                                      opens)
//   challenged      arbiter_failed        void         (the arbiter could not
//                                                      rule: its own failure)
//   accepted        settle                settled
//   upheld          settle                settled
//   rejected        settle                settled
//   solver_timeout  settle                settled
//   unverified      settle                settled
//   forced_error    real_trace_revealed   verifying    (the real trace is
//                                                      verified as a posted
//                                                      one would be)
//   forced_error    real_trace_withheld   withheld     (not opened, or opened
//                                                      with another trace,
//                                                      before the deadline)
//   void            settle                settled
//   withheld        settle                settled
//
// In `challenged` the challenge game (core/protocol/game.h) runs between
// the solver and the challenger; its winner decides upheld or rejected.
// Every challenge taken on the trace is played in turn, in selection
// order, until one is upheld: `rejected` settles only once none is left.
//
// Thread-safety: not thread-safe; one owner.
#pragma once

#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

enum class TaskState {
  kInvalid = 0,  // deliberately not a state: a default-constructed value is an error
  kPosted,
  kTraining,
  kProofPosted,
  kVerifying,
  kAccepted,
  kChallenged,
  kUpheld,
  kRejected,
  kSolverTimeout,
  kUnverified,
  kForcedError,
  kSettled,
  kVoid,
  kWithheld,
};

enum class TaskEvent {
  kInvalid = 0,
  kAssigned,
  kTraceCommitted,
  kTrainingDeadline,
  kSolverGaveUp,
  kRandomnessRevealed,
  kAllAccepted,
  kChallenge,
  kChallengeUpheld,
  kChallengeRejected,
  kVerificationDeadline,
  kForcedErrorRevealed,
  kSettle,
  kAllAbstained,
  kArbiterFailed,
  kDataWithheld,
  kRealTraceRevealed,
  kRealTraceWithheld,
  kNextChallenge,
};

const char* TaskStateName(TaskState s);
const char* TaskEventName(TaskEvent e);
// The event named `name` (TaskEventName's inverse); InvalidArgument naming
// it otherwise.
Result<TaskEvent> ParseTaskEvent(const std::string& name);

class TaskMachine {
 public:
  TaskMachine() = default;  // starts in kPosted

  TaskState state() const { return state_; }
  // Applies `e`; FailedPrecondition "illegal transition: <event> in state
  // <state>" when the table has no row for it.
  Status Apply(TaskEvent e);
  // True once the task can no longer change.
  bool done() const { return state_ == TaskState::kSettled; }
  // The states visited, in order, starting with kPosted.
  const std::vector<TaskState>& history() const { return history_; }

 private:
  TaskState state_ = TaskState::kPosted;
  std::vector<TaskState> history_{TaskState::kPosted};
};

}  // namespace veritrain
