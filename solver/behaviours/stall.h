// stall (solver): trains honestly but stops answering a dispute after
// `after_moves` game moves (default 0: never answers), so it loses on time.
//
// Parameters: {"after_moves": int >= 0}.
#pragma once

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeStallSolver(
    const nlohmann::json& params);

}  // namespace veritrain
