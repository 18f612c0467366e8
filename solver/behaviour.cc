#include "solver/behaviour.h"

#include "solver/behaviours/corrupt_node.h"
#include "solver/behaviours/stall.h"

namespace veritrain {

Result<TensorMap> SolverBehaviour::Step(const TrainingJob& job, const TensorMap& state) {
  auto it = state.find("meta/step");
  const int64_t step =
      it != state.end() && it->second.numel() == 1 ? it->second.item<int64_t>() : -1;
  return TrainStep(job, state, /*record=*/nullptr, Hook(step));
}

namespace {

// Trains exactly as the task says: the job's step graph on the task's batch.
class HonestSolver final : public SolverBehaviour {
 public:
  std::string name() const override { return "honest"; }
};

}  // namespace

// The registry: one line per behaviour. Each factory checks its own
// parameters and names the bad one.
const std::map<std::string, SolverBehaviourFactory>& SolverBehaviours() {
  static const std::map<std::string, SolverBehaviourFactory> kRegistry = {
      {"honest",
       [](const nlohmann::json&) -> Result<std::unique_ptr<SolverBehaviour>> {
         return std::unique_ptr<SolverBehaviour>(new HonestSolver());
       }},
      {"corrupt-node", &MakeCorruptNodeSolver},
      {"stall", &MakeStallSolver},
  };
  return kRegistry;
}

Result<std::unique_ptr<SolverBehaviour>> MakeSolverBehaviour(const std::string& name,
                                                             const nlohmann::json& params) {
  const auto& registry = SolverBehaviours();
  auto it = registry.find(name);
  if (it == registry.end()) {
    std::string known;
    for (const auto& [n, f] : registry) known += (known.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("unknown solver behaviour '" + name + "' (known: " + known +
                                   ")");
  }
  return it->second(params);
}

}  // namespace veritrain
