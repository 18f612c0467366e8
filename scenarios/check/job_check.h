// Job-level checks of a scenario: what only the job's real step graph and
// this machine can tell. `veritrain check`, `run` and `sweep` run them
// before anything starts (a sweep at every point of its grid), so that an
// input that would quietly give a wrong result is refused (exit status 2):
//
//   - a corrupt-node solver's params name a node of the job's step graph
//     (refused with the closest name and every valid one), a step of the
//     task (0 <= step < job.steps), and a node whose outputs can change the
//     state after the step (core/train/state_reach.h). Perturbing one that
//     cannot — loss.forward — leaves every checkpoint honest: no verifier
//     could see it, and the run would count the attack as missed.
//   - the job's step is a pure function of its inputs
//     (core/train/step_purity.h): a model that draws random numbers in its
//     forward makes an honest solver lose its disputes. It is checked under
//     every profile the scenario computes with (threads, dtype): a step can
//     race on two threads and not on one, and a job can fail to build in
//     another dtype. A plug-in's job is also stepped in another process and
//     must give the same values there (process_purity.h).
//   - an expectation on a dispute's node names a node of the job's
//     challenge game (with the closest name).
//   - every hardware profile — each participant's and each of
//     protocol.calibration.profiles — is one the roles accept
//     (HardwareProfile::FromJson: profile.device "cpu", "cuda" or
//     "cuda:N"), and its device exists on this machine.
//   - network.retry is one the runner and the roles accept
//     (RetryPolicy::FromJson: heartbeat_ms below silence_ms).
//   - with the tcp transport, network.host can be bound on this machine
//     (a name that resolves nowhere here would fail every role's bind).
// The job's notes (TrainingJob::Notes: a model trained as one coarse node,
// modules in eval mode) are logged once per job.
//
// Thread-safety: thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/train/job_config.h"
#include "core/util/status.h"
#include "scenarios/check/interval_error_check.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

// The job of the scenario's first task as the solver builds it (the task's
// job fields, seeds derived from the scenario seed, the solver's dtype).
Result<JobConfig> ScenarioJobConfig(const Scenario& scenario);

// Every check above for `scenario`, whose job is `config`. InvalidArgument
// listing every problem, one per line, "<JSON path>: <reason>"; the job's
// own error when it cannot be built.
Status CheckScenarioAgainstJob(const Scenario& scenario, const JobConfig& config);

// The corrupt-node checks against a graph description (scenarios/check/job_graph.h).
Status CheckCorruptNodes(const Scenario& scenario, const nlohmann::json& graph);

// Expectations on a dispute's "node" (/tasks/<t>/dispute/node,
// /tasks/<t>/disputes/<i>/node) with an equals or not_equals that no node
// of the job's challenge game has: a typo that would always fail (equals)
// or always pass (not_equals). `graph` is DescribeJobGraph's.
Status CheckDisputeNodeExpectations(const Scenario& scenario, const nlohmann::json& graph);

// The job under every CPU profile a participant or the calibration
// computes with (each distinct one once): it builds in the profile's dtype
// and its step is pure under the profile's threads (StepPurityUnder). A
// step that is pure on one thread may race on two; a job that ignores the
// dtype it is built in fails only under another one. InvalidArgument
// naming the profile's place ("/participants/<i>/profile: …"); leaves the
// first solver's profile applied.
Status CheckProfilePurity(const Scenario& scenario, const JobConfig& config);

// The profile and device check, given how many CUDA devices the machine has.
Status CheckDevices(const Scenario& scenario, int cuda_devices);

// With the tcp transport, network.host is one the roles can bind on this
// machine (a ZeroMQ tcp bind to "<host>:*" is tried and closed);
// InvalidArgument "/network/host: …" naming the bind's error otherwise.
Status CheckTcpHost(const Scenario& scenario);

// The retry check: network.retry parsed as the runner and the roles parse
// it; InvalidArgument "/network/retry: <their error>".
Status CheckRetryPolicy(const Scenario& scenario);

// Tolerance mode with protocol.calibration.profiles: every solver's and
// verifier's profile is among them (the thresholds cover only the honest
// error between the profiles calibrated). InvalidArgument naming each
// participant whose profile is not.
Status CheckCalibrationProfiles(const Scenario& scenario);

// Every check a single scenario gets against its job (all but the CURVE
// key files, which a sweep cannot vary): the checks above, the behaviour
// checks (behaviour_check.h) and, when those pass, the thresholds measured
// on the job (threshold_check.h: δ and node_tolerance against the honest
// error of each profile, and whether a forced error can leave δ).
// InvalidArgument listing every problem, one per line. What the checks
// could not vouch for (ThresholdCheck::warnings) is appended to `warnings`
// when given, one line each, whether or not there are problems. `budget`
// bounds the intervals the thresholds are measured on (CheckThresholds).
// REQUIRES: as CheckThresholds (one thread, plug-ins loaded).
Status CheckPointAgainstJob(const Scenario& scenario,
                            std::vector<std::string>* warnings = nullptr,
                            const IntervalErrorBudget& budget = {});

// CheckPointAgainstJob at every point of the scenario's sweep block (once
// per point, not per repetition: the thresholds train the job), with the
// point's plug-ins loaded first (they stay loaded in the process), each
// problem as "point <p> (<values>)[ and <n> more]: <path>: <reason>" under
// the path "/sweep". Empty without a sweep block or when every point
// passes. The points' warnings, when `warnings` is given, are appended to
// it the same way: "/sweep: point <p> (<values>)[ and <n> more]: <warning>".
// `budget` as for CheckPointAgainstJob, at each point.
std::vector<ScenarioError> CheckSweepJobs(const Scenario& base,
                                          std::vector<std::string>* warnings = nullptr,
                                          const IntervalErrorBudget& budget = {});

// `text`, one problem a line, with `prefix` before each line and a newline
// after it: how the commands print a multi-line error ("file.json: ").
std::string EachLine(const std::string& prefix, const std::string& text);

}  // namespace veritrain
