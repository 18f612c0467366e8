// post_task (submitter → arbiter, v1): stage 1, submission. The arbiter
// escrows the reward from the submitter and answers with an `ack` whose
// data holds {"task": id}.
#pragma once

#include "core/wire/body_fields.h"
#include "core/wire/messages/task_spec.h"

namespace veritrain {

struct PostTask {
  static constexpr const char* kType = "post_task";
  static constexpr int kVersion = 1;
  TaskSpec spec;

  nlohmann::json ToBody() const { return {{"spec", spec.ToJson()}}; }
  static Result<PostTask> FromBody(const nlohmann::json& b) {
    PostTask p;
    VT_ASSIGN_OR_RETURN(auto spec, BodyObject(b, "spec"));
    VT_ASSIGN_OR_RETURN(p.spec, TaskSpec::FromJson(spec));
    return p;
  }
};

}  // namespace veritrain
