#include "solver/behaviour.h"

#include "core/util/behaviour_params.h"

#include "solver/behaviours/blindfold_topq.h"
#include "solver/behaviours/data_substitution.h"
#include "solver/behaviours/infinitesimal.h"
#include "solver/behaviours/interpolate.h"
#include "solver/behaviours/lazy.h"
#include "solver/behaviours/precision_downgrade.h"
#include "solver/behaviours/random_weights.h"
#include "solver/behaviours/replay.h"
#include "solver/behaviours/corrupt_node.h"
#include "solver/behaviours/stall.h"
#include "solver/behaviours/switching.h"
#include "solver/behaviours/withhold.h"

namespace veritrain {

Result<TensorMap> SolverBehaviour::Step(const TrainingJob& job, TensorMap state) {
  auto it = state.find("meta/step");
  const int64_t step =
      it != state.end() && it->second.numel() == 1 ? it->second.item<int64_t>() : -1;
  ++steps_computed_;
  return TrainStep(job, std::move(state), /*record=*/nullptr, Hook(step));
}

namespace {

// Trains exactly as the task says: the job's step graph on the task's batch.
class HonestSolver final : public SolverBehaviour {
 public:
  std::string name() const override { return "honest"; }
  bool TrainsHonestly() const override { return true; }
};

}  // namespace

// The registry: one line per behaviour. Each factory checks its own
// parameters and names the bad one.
const std::map<std::string, SolverBehaviourFactory>& SolverBehaviours() {
  static const std::map<std::string, SolverBehaviourFactory> kRegistry = {
      {"honest",
       [](const nlohmann::json& params) -> Result<std::unique_ptr<SolverBehaviour>> {
         VT_RETURN_IF_ERROR(BehaviourParams("honest", params).Only({}));
         return std::unique_ptr<SolverBehaviour>(new HonestSolver());
       }},
      // Proof-of-learning spoofs (solver/behaviours/).
      {"lazy", MakeLazySolver},
      {"random-weights", MakeRandomWeightsSolver},
      {"replay", MakeReplaySolver},
      {"interpolate", MakeInterpolateSolver},
      {"infinitesimal", MakeInfinitesimalSolver},
      {"blindfold-topq", MakeBlindfoldTopQSolver},
      {"data-substitution", MakeDataSubstitutionSolver},
      {"precision-downgrade", MakePrecisionDowngradeSolver},
      {"corrupt-node", &MakeCorruptNodeSolver},
      {"stall", &MakeStallSolver},
      // Data withheld after the commitment (data-availability challenges).
      {"withhold", &MakeWithholdSolver},
      // One of several strategies, named by a file (a market's adaptive solver).
      {"switching", &MakeSwitchingSolver},
  };
  return kRegistry;
}

Result<std::unique_ptr<SolverBehaviour>> MakeSolverBehaviour(const std::string& name,
                                                             const nlohmann::json& params) {
  return MakeByName(SolverBehaviours(), "solver behaviour", name, params);
}

}  // namespace veritrain
