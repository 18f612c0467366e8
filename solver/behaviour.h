// SolverBehaviour: how a solver trains — honestly, or by one of the attacks
// of the adversary library (design section 5). A behaviour is a class and a
// name in the registry, nothing else; the Solver role calls it once per
// training step and leaves the protocol work (checkpoints, commitments,
// serving) to the role.
//
// Thread-safety: used by the solver's one thread.
#pragma once

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
  // which step it is). The honest behaviour runs the job's step graph.
  virtual Result<TensorMap> Step(const TrainingJob& job, const TensorMap& state) = 0;
};

// Known names: "honest". InvalidArgument naming the unknown name otherwise.
Result<std::unique_ptr<SolverBehaviour>> MakeSolverBehaviour(
    const std::string& name, const nlohmann::json& params);

}  // namespace veritrain
