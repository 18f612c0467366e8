// task_assigned (arbiter event, v1): the task's solver and verifiers are
// fixed and training may start. Carries the arbiter's commitment to the
// secret that will choose the random intervals (revealed in proof_posted).
#pragma once

#include "core/wire/body_fields.h"
#include "core/wire/messages/task_spec.h"

namespace veritrain {

struct TaskAssigned {
  static constexpr const char* kType = "task_assigned";
  static constexpr int kVersion = 1;
  TaskSpec spec;
  Digest randomness_commitment;

  nlohmann::json ToBody() const {
    return {{"spec", spec.ToJson()},
            {"randomness_commitment", randomness_commitment.Hex()}};
  }
  static Result<TaskAssigned> FromBody(const nlohmann::json& b) {
    TaskAssigned t;
    VT_ASSIGN_OR_RETURN(auto spec, BodyObject(b, "spec"));
    VT_ASSIGN_OR_RETURN(t.spec, TaskSpec::FromJson(spec));
    VT_ASSIGN_OR_RETURN(t.randomness_commitment,
                        BodyDigest(b, "randomness_commitment"));
    return t;
  }
};

}  // namespace veritrain
