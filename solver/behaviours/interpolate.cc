#include "solver/behaviours/interpolate.h"

#include "solver/behaviours/attack_util.h"
#include "solver/behaviours/line_spoof.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeInterpolateSolver(
    const nlohmann::json& params) {
  BehaviourParams p("interpolate", params);
  VT_RETURN_IF_ERROR(p.Only({"source_data_seed"}));
  std::optional<uint64_t> source;
  if (params.contains("source_data_seed")) {
    VT_ASSIGN_OR_RETURN(source, p.Seed("source_data_seed", 0));
  }
  return std::unique_ptr<SolverBehaviour>(
      new LineSpoofSolver("interpolate", std::nullopt, source));
}

}  // namespace veritrain
