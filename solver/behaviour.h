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
#include "core/util/status.h"

namespace veritrain {

class SolverBehaviour {
 public:
  virtual ~SolverBehaviour() = default;
  virtual std::string name() const = 0;
  // Produces the state after one step from `state` (whose meta/step says
  // which step it is). By default: the job's step graph with Hook(step).
  virtual Result<TensorMap> Step(const TrainingJob& job, const TensorMap& state);

  // A hook that perturbs node outputs during `step`, or nullptr. The solver
  // uses the same hook when it re-executes a step to answer a challenge,
  // so what it commits to in a dispute is consistent with its trace.
  virtual NodeHook Hook(int64_t step) { return nullptr; }

  // Whether the solver answers move `move` of a dispute (a stalling solver
  // goes silent and loses on time).
  virtual bool AnswersGameMove(int64_t move) { return true; }
};

using SolverBehaviourFactory =
    std::function<Result<std::unique_ptr<SolverBehaviour>>(const nlohmann::json& params)>;

// Every solver behaviour by name.
const std::map<std::string, SolverBehaviourFactory>& SolverBehaviours();

// InvalidArgument naming the unknown name (and the known ones) otherwise.
Result<std::unique_ptr<SolverBehaviour>> MakeSolverBehaviour(
    const std::string& name, const nlohmann::json& params);

}  // namespace veritrain
