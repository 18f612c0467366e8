#include "core/wire/messages/task_spec.h"

#include "core/wire/body_fields.h"

namespace veritrain {

nlohmann::json TaskSpec::ToJson() const {
  return {{"job", job},
          {"steps", steps},
          {"checkpoint_interval", checkpoint_interval},
          {"mode", mode},
          {"verification", verification.ToJson()},
          {"top_q", top_q},
          {"random_samples", random_samples},
          {"reward", reward},
          {"solver", solver},
          {"verifiers", verifiers},
          {"training_deadline_s", training_deadline_s},
          {"verification_deadline_s", verification_deadline_s},
          {"arity", arity},
          {"game_clock_s", game_clock_s},
          {"node_tolerance", node_tolerance},
          {"economics", economics.ToJson()}};
}

Result<TaskSpec> TaskSpec::FromJson(const nlohmann::json& j) {
  TaskSpec s;
  VT_ASSIGN_OR_RETURN(s.job, BodyObject(j, "job"));
  VT_ASSIGN_OR_RETURN(s.steps, BodyInt(j, "steps"));
  VT_ASSIGN_OR_RETURN(s.checkpoint_interval, BodyInt(j, "checkpoint_interval"));
  VT_ASSIGN_OR_RETURN(s.mode, BodyString(j, "mode"));
  if (s.mode != "exact" && s.mode != "tolerance") {
    return Status::InvalidArgument("task field 'mode' must be \"exact\" or \"tolerance\"");
  }
  // Optional: tasks from before tolerance mode carry no policy.
  if (auto it = j.find("verification"); it != j.end()) {
    VT_ASSIGN_OR_RETURN(s.verification, VerificationPolicy::FromJson(*it));
  }
  if (s.mode == "tolerance") VT_RETURN_IF_ERROR(s.verification.CheckTolerance());
  VT_ASSIGN_OR_RETURN(s.top_q, BodyInt(j, "top_q"));
  VT_ASSIGN_OR_RETURN(s.random_samples, BodyInt(j, "random_samples"));
  VT_ASSIGN_OR_RETURN(s.reward, BodyInt(j, "reward"));
  VT_ASSIGN_OR_RETURN(s.solver, BodyString(j, "solver"));
  VT_ASSIGN_OR_RETURN(s.verifiers, BodyStrings(j, "verifiers"));
  VT_ASSIGN_OR_RETURN(s.training_deadline_s, BodyNumber(j, "training_deadline_s"));
  VT_ASSIGN_OR_RETURN(s.verification_deadline_s,
                      BodyNumber(j, "verification_deadline_s"));
  VT_ASSIGN_OR_RETURN(s.arity, BodyInt(j, "arity"));
  VT_ASSIGN_OR_RETURN(s.game_clock_s, BodyNumber(j, "game_clock_s"));
  VT_ASSIGN_OR_RETURN(s.node_tolerance, BodyNumber(j, "node_tolerance"));
  // Optional: tasks from before the economics settle by the reward alone.
  if (auto it = j.find("economics"); it != j.end()) {
    VT_ASSIGN_OR_RETURN(s.economics, TaskEconomics::FromJson(*it));
  }
  if (s.economics.verifiers_per_task > static_cast<int64_t>(s.verifiers.size())) {
    return Status::InvalidArgument(
        "task field 'economics.verifiers_per_task' exceeds the number of verifiers");
  }
  if (s.arity < 2) return Status::InvalidArgument("task field 'arity' must be >= 2");
  if (s.game_clock_s <= 0) return Status::InvalidArgument("task field 'game_clock_s' must be > 0");
  if (s.node_tolerance < 0) {
    return Status::InvalidArgument("task field 'node_tolerance' must be >= 0");
  }
  if (s.steps < 1) return Status::InvalidArgument("task field 'steps' must be >= 1");
  if (s.checkpoint_interval < 1 || s.steps % s.checkpoint_interval != 0) {
    return Status::InvalidArgument(
        "task field 'checkpoint_interval' must be >= 1 and divide 'steps'");
  }
  if (s.reward < 0) return Status::InvalidArgument("task field 'reward' must be >= 0");
  if (!SamplesFitIntervals(s.top_q, s.random_samples, s.intervals())) {
    return Status::InvalidArgument(
        "task fields 'top_q' + 'random_samples' must be between 0 and the number of intervals");
  }
  if (s.verifiers.empty()) {
    return Status::InvalidArgument("task field 'verifiers' must not be empty");
  }
  return s;
}

bool SamplesFitIntervals(int64_t top_q, int64_t random_samples, int64_t intervals) {
  int64_t sum = 0;
  return top_q >= 0 && random_samples >= 0 && !__builtin_add_overflow(top_q, random_samples, &sum) &&
         sum <= intervals;
}

}  // namespace veritrain
