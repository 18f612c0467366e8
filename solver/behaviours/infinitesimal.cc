#include "solver/behaviours/infinitesimal.h"

#include "solver/behaviours/attack_util.h"
#include "solver/behaviours/line_spoof.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeInfinitesimalSolver(
    const nlohmann::json& params) {
  BehaviourParams p("infinitesimal", params);
  VT_RETURN_IF_ERROR(p.Only({"claimed_lr", "source_data_seed"}));
  VT_ASSIGN_OR_RETURN(
      double lr, p.Number("claimed_lr", 1e-12, 0, 1, /*min_exclusive=*/true));
  std::optional<uint64_t> source;
  if (params.contains("source_data_seed")) {
    VT_ASSIGN_OR_RETURN(source, p.Seed("source_data_seed", 0));
  }
  return std::unique_ptr<SolverBehaviour>(
      new LineSpoofSolver("infinitesimal", lr, source));
}

}  // namespace veritrain
