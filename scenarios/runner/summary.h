// Turning a run's event log into its results: summary.json and metrics.csv.
//
// The arbiter's hash-chained event log is the single source of truth: every
// figure in the summary is derived from it, so a results folder can be
// re-summarised and audited after the fact. Fields that measure time are
// kept apart ("timings" objects in summary.json, columns ending in "_s" in
// metrics.csv), so that two runs of the same scenario and seed give
// byte-identical files once those are removed. The runner adds, besides,
// "network" (injected faults and resent requests by role, which count
// messages and so depend on timing too), "crashes" (the scenario's crashes
// seen) and what the roles' reports say.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/protocol/event_log.h"
#include "core/util/status.h"

namespace veritrain {

// summary.json: {"scenario", "seed", "tasks": [...], "balances", "conservation",
// "rejected_messages", "silent_participants" (participant_silent events,
// each name once), "timings"}. Each task: outcome, reason, job, steps,
// checkpoint_interval, intervals, mode, test_accuracy, trace_root,
// final_state_hash, intervals_verified, verifier_steps_reexecuted,
// verifier_compute_ratio, verifiers [...] (by name), balances, timings.
// Proof-of-learning fields: verification {metrics, delta, delta_source
// ("fixed" | "calibrated"), reference, hyperparameters, calibration},
// solver_behaviour, solver_steps_computed, solver_compute_ratio,
// verifier_over_solver_compute, attack (the solver's cost report),
// max_distance {metric: largest over the checked intervals},
// hyperparameter_mismatches, and what the verdicts mean given the solver's
// behaviour: detected, false_positive (never for a challenged forced
// error: that is a catch), missed. Each verifier's intervals
// carry index, reason (top_q | random), distances, delta, exceeded, match.
Result<nlohmann::json> BuildSummary(const std::vector<Event>& events,
                                    const std::string& scenario, uint64_t seed);

// BuildSummary also adds the money figures (scenarios/runner/money.h):
// per task economics, settlement, forced_error(_caught/_missed), jackpot,
// compute_cost, profit; per run profit, jackpot, burned, supply,
// forced_errors, lazy_exposed, refused_transfers.
//
// metrics.csv: a header line and one row per task, RFC 4180 quoting. Column
// names follow the one scheme of every veritrain table (sweep.csv too): a
// field of summary.json's task by its name, a nested one by its path with
// dots (dispute.step, max_distance.l2, delta.l2, balance.<account>,
// profit.<participant>), timings last, ending in "_s"; money columns
// forced_error, forced_error_caught, forced_error_missed, jackpot and
// profit.<participant>.
std::string MetricsCsv(const nlohmann::json& summary);

// What the protocol made of a task's solver, as summary.json's task `t`
// says it (detected, missed, escaped, false_positive, forced_round): "a
// forced error, caught; its real trace detected", "NOT detected",
// "challenged although honest (a false positive)", … The console's task
// line and report.html both say it.
std::string SolverVerdict(const nlohmann::json& t);

// Whether SolverVerdict(t) is what a sound protocol does: an honest trace
// not challenged, a cheat detected and not paid, a forced error caught.
bool SolverVerdictIsSound(const nlohmann::json& t);

// A few human lines: steps trained, test accuracy, intervals verified,
// outcome, wall time.
std::string HumanSummary(const nlohmann::json& summary, double wall_seconds);

}  // namespace veritrain
