// The bound on compute costs that keeps every cost and profit in
// summary.json a token amount (at most 2^53 - 1, exact in JSON readers that
// hold numbers as doubles: jq, JavaScript), checked before anything runs.
//
// A party's compute over a run is at most compute_cost_per_step × the most
// steps it computes in a task × the number of tasks. The most steps in a
// task are the longest job's (a market's job variants included), twice
// over when forced errors are on: a forced error's verifiers re-execute
// both its traces. A participant that crashes and is started again
// (`crashes` with restart) can redo its work on that task: one task more
// for each. A profit is a ledger flow less that cost, and a flow is
// at most the genesis supply, so supply + the largest cost must be a token
// amount too.
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "scenarios/spec/scenario.h"

namespace veritrain {

// The error at /economics/compute_cost_per_step, or nullopt. `resolved` is a
// schema-valid scenario document with defaults filled in; `most_steps` the
// longest job's steps; `supply` the genesis supply (nullopt, past int64, or
// past 2^53 - 1: the caller reports that itself, and nothing here);
// `parties`: how many parties' compute one figure sums (a market's
// security cost sums the verifiers of every task: verifiers_per_task).
std::optional<ScenarioError> ComputeCostError(const nlohmann::json& resolved, int64_t most_steps,
                                              std::optional<int64_t> supply, int64_t parties = 1);

}  // namespace veritrain
