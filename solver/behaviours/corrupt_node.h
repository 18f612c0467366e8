// corrupt-node: a solver that perturbs one node's output at one step by a
// set magnitude (adds `magnitude` to every element of the node's floating
// point outputs) and trains on from the corrupted state. It answers a
// dispute with the same corruption, so its commitments are consistent;
// the game must still find exactly that step and node.
//
// Parameters: {"step": int >= 0, "node": name of a step-graph node
// (e.g. "fc2.backward"), "magnitude": number != 0, "dispute_data":
// "serve" (default) | "withhold" (never answers a tolerance-mode
// challenger's fetch_dispute_data: the challenger must still win, on the
// solver's silence, within its clock), "real_trace": "open" (default) |
// "withhold" (after drawing a forced error, never opens the commitment to
// its real trace: it is slashed at the reveal deadline)}.
#pragma once

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeCorruptNodeSolver(
    const nlohmann::json& params);

}  // namespace veritrain
