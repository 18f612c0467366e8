// The shape of summary.json, which a scenario's `expect` paths point into,
// and the check of those paths before anything runs.
//
// The shape (SummaryShape(), written out in summary_shape.cc and documented
// in docs/scenarios.md) names every field the runner writes: the run's
// fields, each task's, each verifier's. Where the fields below a point are
// not fixed it says so: maps keyed by participant ("profit",
// "compute_cost", "slashed", "lazy_exposed", "…_by_role"), by ledger
// account ("balances": participants, "jackpot", "burn", "escrow/…", …), by
// metric ("max_distance"), and objects whose fields depend on the protocol
// path taken ("attack", a game's "arbiter", "timings", …:
// "open"). String fields with named values have a type of their own:
// "outcome", "mode", "availability", "side" (a game's winner),
// "participant" and "solver_behaviour" (the scenario's), "game_node" (a
// node of the job's challenge game, known once the job is built).
//
// CheckExpectPaths refuses a path that cannot exist: a misspelt field
// ("/tasks/0/outcom", with the closest name), a task index beyond the
// scenario's "tasks", a verifier index beyond its verifiers, a participant
// that is not in the scenario, a path below a scalar, a field only a forced
// error writes when economics.forced_error_rate is 0. A sweep's base is
// not refused for a task index or forced error its points make possible. A path into an open
// object passes, and fails at run time with the fields the summary has
// (expect.h). It also refuses an equals/not_equals value the field can
// never hold: the wrong kind, or a name outside its type's values.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenarios/spec/scenario.h"

namespace veritrain {

// The shape, as a JSON document: an object maps field names to shapes; a
// one-element array is an array of that shape; a string is a scalar type
// ("string", "integer", "number", "boolean") or "open" (anything below);
// an object key "*participant", "*account" or "*any" stands for any key of
// that kind.
const nlohmann::json& SummaryShape();

// For each "path", "greater_than" and "less_than" of `resolved["expect"]`
// (a resolved scenario document) that is a valid JSON pointer and cannot
// exist in the summary of that scenario, one error at
// "/expect/<i>/<field>" naming the first token that does not fit.
// `game_nodes`, when given, are the names a dispute's "node" can take
// (the job's step graph and state.assemble: scenarios/check/job_check.h
// passes them once it has built the job); without them any name passes.
std::vector<ScenarioError> CheckExpectPaths(const nlohmann::json& resolved,
                                            const std::vector<std::string>& game_nodes = {});

// Where `summary` (a summary.json read back, perhaps edited by hand) does
// not have the shape: "/tasks/0: a number, where summary.json has an
// object", at most `limit` of them, in document order. Scalars are checked
// by kind (null is accepted anywhere, and "nan"/"inf" for a number);
// fields the shape does not name and "open" objects are not checked. A
// reader that found none can read the fixed parts by their types.
std::vector<std::string> SummaryShapeMismatches(const nlohmann::json& summary, size_t limit = 10);

}  // namespace veritrain
