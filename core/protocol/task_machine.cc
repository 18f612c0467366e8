#include "core/protocol/task_machine.h"

namespace veritrain {
namespace {

struct Transition {
  TaskState from;
  TaskEvent event;
  TaskState to;
};

// The transition table; see the header for the same table in prose.
constexpr Transition kTable[] = {
    {TaskState::kPosted, TaskEvent::kAssigned, TaskState::kTraining},
    {TaskState::kTraining, TaskEvent::kTraceCommitted, TaskState::kProofPosted},
    {TaskState::kTraining, TaskEvent::kTrainingDeadline, TaskState::kSolverTimeout},
    {TaskState::kTraining, TaskEvent::kSolverGaveUp, TaskState::kSolverTimeout},
    {TaskState::kProofPosted, TaskEvent::kRandomnessRevealed, TaskState::kVerifying},
    {TaskState::kVerifying, TaskEvent::kAllAccepted, TaskState::kAccepted},
    {TaskState::kVerifying, TaskEvent::kChallenge, TaskState::kChallenged},
    {TaskState::kVerifying, TaskEvent::kVerificationDeadline, TaskState::kUnverified},
    {TaskState::kVerifying, TaskEvent::kAllAbstained, TaskState::kUnverified},
    {TaskState::kVerifying, TaskEvent::kForcedErrorRevealed, TaskState::kForcedError},
    {TaskState::kVerifying, TaskEvent::kDataWithheld, TaskState::kWithheld},
    {TaskState::kAccepted, TaskEvent::kSettle, TaskState::kSettled},
    {TaskState::kChallenged, TaskEvent::kChallengeUpheld, TaskState::kUpheld},
    {TaskState::kChallenged, TaskEvent::kChallengeRejected, TaskState::kRejected},
    {TaskState::kChallenged, TaskEvent::kArbiterFailed, TaskState::kVoid},
    {TaskState::kUpheld, TaskEvent::kSettle, TaskState::kSettled},
    {TaskState::kRejected, TaskEvent::kSettle, TaskState::kSettled},
    {TaskState::kRejected, TaskEvent::kNextChallenge, TaskState::kChallenged},
    {TaskState::kSolverTimeout, TaskEvent::kSettle, TaskState::kSettled},
    {TaskState::kUnverified, TaskEvent::kSettle, TaskState::kSettled},
    {TaskState::kForcedError, TaskEvent::kRealTraceRevealed, TaskState::kVerifying},
    {TaskState::kForcedError, TaskEvent::kRealTraceWithheld, TaskState::kWithheld},
    {TaskState::kVoid, TaskEvent::kSettle, TaskState::kSettled},
    {TaskState::kWithheld, TaskEvent::kSettle, TaskState::kSettled},
};

}  // namespace

const char* TaskStateName(TaskState s) {
  switch (s) {
    case TaskState::kInvalid: return "invalid";
    case TaskState::kPosted: return "posted";
    case TaskState::kTraining: return "training";
    case TaskState::kProofPosted: return "proof_posted";
    case TaskState::kVerifying: return "verifying";
    case TaskState::kAccepted: return "accepted";
    case TaskState::kChallenged: return "challenged";
    case TaskState::kUpheld: return "challenge_upheld";
    case TaskState::kRejected: return "challenge_rejected";
    case TaskState::kSolverTimeout: return "solver_timeout";
    case TaskState::kUnverified: return "unverified";
    case TaskState::kForcedError: return "forced_error";
    case TaskState::kSettled: return "settled";
    case TaskState::kVoid: return "void";
    case TaskState::kWithheld: return "withheld";
  }
  return "invalid";
}

const char* TaskEventName(TaskEvent e) {
  switch (e) {
    case TaskEvent::kInvalid: return "invalid";
    case TaskEvent::kAssigned: return "assigned";
    case TaskEvent::kTraceCommitted: return "trace_committed";
    case TaskEvent::kTrainingDeadline: return "training_deadline";
    case TaskEvent::kSolverGaveUp: return "solver_gave_up";
    case TaskEvent::kRandomnessRevealed: return "randomness_revealed";
    case TaskEvent::kAllAccepted: return "all_accepted";
    case TaskEvent::kChallenge: return "challenge";
    case TaskEvent::kChallengeUpheld: return "challenge_upheld";
    case TaskEvent::kChallengeRejected: return "challenge_rejected";
    case TaskEvent::kVerificationDeadline: return "verification_deadline";
    case TaskEvent::kForcedErrorRevealed: return "forced_error_revealed";
    case TaskEvent::kSettle: return "settle";
    case TaskEvent::kAllAbstained: return "all_abstained";
    case TaskEvent::kArbiterFailed: return "arbiter_failed";
    case TaskEvent::kDataWithheld: return "data_withheld";
    case TaskEvent::kRealTraceRevealed: return "real_trace_revealed";
    case TaskEvent::kRealTraceWithheld: return "real_trace_withheld";
    case TaskEvent::kNextChallenge: return "next_challenge";
  }
  return "invalid";
}

Result<TaskEvent> ParseTaskEvent(const std::string& name) {
  for (int i = static_cast<int>(TaskEvent::kAssigned);
       i <= static_cast<int>(TaskEvent::kNextChallenge); ++i) {
    const auto e = static_cast<TaskEvent>(i);
    if (name == TaskEventName(e)) return e;
  }
  return Status::InvalidArgument("'" + name + "' is not a task event");
}

Status TaskMachine::Apply(TaskEvent e) {
  for (const auto& t : kTable) {
    if (t.from == state_ && t.event == e) {
      state_ = t.to;
      history_.push_back(state_);
      return Status::Ok();
    }
  }
  return Status::FailedPrecondition(std::string("illegal transition: ") +
                                    TaskEventName(e) + " in state " +
                                    TaskStateName(state_));
}

}  // namespace veritrain
