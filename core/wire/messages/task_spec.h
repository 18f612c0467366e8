// TaskSpec: what a submitter posts (design stage 1) and the arbiter assigns.
//
// It fixes everything a verifier needs to re-execute the training without
// trusting the solver: the job (model, data, optimizer, hyper-parameters,
// seeds), the checkpoint interval, the verification policy, the reward and the economics
// (stakes, slashing, jackpot, forced errors).
//
// Thread-safety: value type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/util/status.h"
#include "core/wire/messages/task_economics.h"
#include "core/wire/messages/verification_policy.h"

namespace veritrain {

struct TaskSpec {
  nlohmann::json job;               // JobConfig JSON (name, steps, batch, params, seeds)
  int64_t steps = 0;                // T
  int64_t checkpoint_interval = 0;  // k; REQUIRES k divides steps
  std::string mode = "exact";       // "exact" (hash equality) | "tolerance"
  VerificationPolicy verification;  // metrics, δ, hyper-parameter source
  int64_t top_q = 1;                // intervals with the largest updates
  int64_t random_samples = 1;       // intervals drawn after the trace root
  int64_t reward = 0;               // token units, held in escrow
  std::string solver;
  std::vector<std::string> verifiers;
  double training_deadline_s = 600;
  double verification_deadline_s = 600;
  int64_t arity = 2;             // dissection arity n of the challenge game
  double game_clock_s = 60;      // each party's thinking time in a dispute
  // Tolerance mode: the one-node ruling's componentwise relative error
  // for nodes the policy has no threshold for (core/train/node_compare.h).
  double node_tolerance = 0;
  TaskEconomics economics;       // stakes, fees, slashing, jackpot, forced errors

  int64_t intervals() const {
    return checkpoint_interval > 0 ? steps / checkpoint_interval : 0;
  }
  nlohmann::json ToJson() const;
  static Result<TaskSpec> FromJson(const nlohmann::json& j);
};

// Whether a task of `intervals` intervals may sample `top_q` +
// `random_samples` of them: neither below 0, and together at most the
// intervals (each interval is checked at most once). The arbiter refuses
// a task that breaks it (TaskSpec::FromJson); scenario checks ask the same.
bool SamplesFitIntervals(int64_t top_q, int64_t random_samples, int64_t intervals);

}  // namespace veritrain
