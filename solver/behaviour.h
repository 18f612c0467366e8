// SolverBehaviour: how a solver trains — honestly, or by one of the attacks
// of the adversary library (design section 5). A behaviour is a class and a
// name in the registry, nothing else; the Solver role calls it once per
// training step and leaves the protocol work (checkpoints, commitments,
// serving) to the role.
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/train/job.h"
#include "core/util/named_factory.h"
#include "core/util/status.h"

namespace veritrain {

// What a behaviour knows of the task it is about to train.
struct TaskContext {
  std::string task;      // the task id
  JobConfig job;         // the task's job, with the solver's dtype
  int64_t steps = 0;     // T
  int64_t checkpoint_interval = 0;  // k
  uint64_t seed = 0;     // the run seed: behaviour randomness derives from it
};

// How a solver answers a request for one of its checkpoints — from a
// verifier, or a demand of the arbiter (a data-availability challenge).
enum class CheckpointServing {
  kServe = 0,   // the checkpoint with its proof
  kRefuse,      // a refusal
  kSilent,      // no answer at all (unreachable)
  kBadProof,    // the checkpoint with a corrupted inclusion proof
};

class SolverBehaviour {
 public:
  virtual ~SolverBehaviour() = default;
  virtual std::string name() const = 0;

  // Called once per task before step 0. Attacks that need material from
  // elsewhere (another task's proof, a stolen model) prepare it here. The
  // default does nothing.
  virtual Status Begin(const TrainingJob& job, const TaskContext& task) {
    return Status::Ok();
  }

  // Produces the state after one step from `state` (whose meta/step says
  // which step it is). By default: the job's step graph with Hook(step),
  // counted in steps_computed(). `state` is taken by value: a caller that
  // moves its state in lets the step release each old tensor once its
  // last reader has run (TrainStep), so a step holds about one state, not
  // two.
  virtual Result<TensorMap> Step(const TrainingJob& job, TensorMap state);

  // A hook that perturbs node outputs during `step`, or nullptr. The solver
  // uses the same hook when it re-executes a step to answer a challenge,
  // so what it commits to in a dispute is consistent with its trace.
  virtual NodeHook Hook(int64_t step) { return nullptr; }

  // Whether the solver answers move `move` of a dispute (a stalling solver
  // goes silent and loses on time).
  virtual bool AnswersGameMove(int64_t move) { return true; }

  // Whether the solver answers a tolerance-mode challenger's requests for
  // its states and node outputs during a dispute (fetch_dispute_data); one
  // that does not stays silent, the worst a challenger can meet.
  virtual bool ServesDisputeData() { return true; }

  // Whether the solver opens the commitment to its real trace once the
  // arbiter reveals a forced error (real_trace); one that does not hopes
  // its real trace goes unchecked, and is slashed at the reveal deadline.
  virtual bool OpensRealTrace() { return true; }

  // Whether the trace it commits is the honest training of the task (it
  // may still misbehave otherwise: withhold its checkpoints, stall a
  // dispute). A verifier that accepts such a trace has missed nothing.
  virtual bool TrainsHonestly() const { return false; }

  // How the solver answers for checkpoint `index` once it has committed its
  // trace: to a verifier's fetch, or (`to_arbiter`) to the arbiter's demand.
  virtual CheckpointServing ServesCheckpoint(int64_t index, bool to_arbiter) {
    return CheckpointServing::kServe;
  }

  // The state the solver commits to as checkpoint `index` (after index·k
  // steps; 0 is the initial state), given the state its steps produced.
  // Training continues from the returned state. By default `state` itself;
  // attacks that fabricate checkpoints (interpolation, replay) replace it.
  virtual Result<TensorMap> Commit(const TrainingJob& job, int64_t index,
                                   TensorMap state) {
    return state;
  }

  // The optimizer hyper-parameters the solver claims, in checkpoint
  // `index`'s metadata, for the interval that starts there (proof-of-
  // learning's prover-stated hyper-parameters). By default the task's.
  virtual nlohmann::json ClaimedOptimizer(int64_t index,
                                          const nlohmann::json& task_optimizer) {
    return task_optimizer;
  }

  // The compute report that goes into the solver's training report: at
  // least "steps_computed" (training steps actually computed for this task)
  // and whatever the attack needs to say about its cost.
  virtual nlohmann::json Report() const {
    return {{"steps_computed", steps_computed_}};
  }

  int64_t steps_computed() const { return steps_computed_; }

  // What the solver calls before each task: resets the compute count and
  // calls Begin.
  Status StartTask(const TrainingJob& job, const TaskContext& task) {
    steps_computed_ = 0;
    return Begin(job, task);
  }

 protected:
  int64_t steps_computed_ = 0;
};

using SolverBehaviourFactory = NamedFactory<SolverBehaviour>;

// Every solver behaviour by name.
const std::map<std::string, SolverBehaviourFactory>& SolverBehaviours();

// InvalidArgument naming the unknown name (and the known ones) otherwise.
Result<std::unique_ptr<SolverBehaviour>> MakeSolverBehaviour(
    const std::string& name, const nlohmann::json& params);

}  // namespace veritrain
