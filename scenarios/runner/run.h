// Running one scenario: the `veritrain run` command, and each run of a sweep.
//
// The runner is the submitter. It makes a private temp dir for endpoints,
// keys and checkpoints, generates every participant's Ed25519 key, writes
// one role config per role, starts the arbiter, the solver and the
// verifiers, posts the task, waits for it to settle (watching every role
// and a global timeout), shuts the run down, and always stops what is left.
// It then writes the results folder from the arbiter's event log (summary,
// metrics, balances over time), audits the ledger (ledger.jsonl is replayed
// entry by entry: hash chain, no overdraft, supply conserved; a failed audit
// or a conservation violation fails the run) and checks the scenario's
// expectations. A scenario with "tasks": N posts N tasks, each once the
// previous one has settled.
//
// The roles run in one of two modes (RoleHost): as processes
// (veritrain-arbiter, -solver, -verifier over ipc:// or tcp://), or as
// threads of this process over inproc:// (ThreadHost) — same role classes,
// configs, keys and seeds, so the same summary.json and metrics.csv apart
// from timings. In-process mode needs profiles that threads of one process
// can honour (see in_process_profile.h); otherwise the run falls back to
// process mode and says why (RunOutcome::mode_note, the manifest). So does
// a run with CURVE on ("network.curve"): inproc:// has no CURVE handshake.
//
// With CURVE on, every connection is encrypted and each role that binds a
// socket admits only the participants' keys (core/transport/role_curve.h);
// the keys are generated for the run or loaded from the scenario's keys
// directory (curve_keys.h), and a missing or malformed key file is bad input
// (exit 2) before anything starts.
//
// Thread-safety: RunScenario may be called from several threads at once
// (the runs of a sweep); each call owns its run. SIGINT/SIGTERM stop every
// run in the process.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/wire/messages/task_spec.h"
#include "scenarios/runner/role_host.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

class ProgressLine;

// Every participant of a run of `scenario`, each with its own keys: the
// arbiter, the submitter (the runner), then the scenario's solvers and
// verifiers in file order.
std::vector<std::string> RunParticipantNames(const Scenario& scenario);

// A results folder's name: UTC time, seed and process id
// ("20261201-203334-seed1-5116"), so that runs of one scenario sort by time
// and never collide.
std::string ResultsFolderId(uint64_t seed);

struct RunOptions {
  std::string out_dir;     // "" → results/runs/<scenario>/<run-id>
  std::string bin_dir;     // role executables to run; "" → fork them from this
                           // process. Given, the run runs as processes.
  bool keep_workdir = false;
  bool quiet = false;      // no log lines from the runner itself
  // How the roles run; unset: the scenario's "execution.mode", else process.
  std::optional<ExecutionMode> mode;
  ProgressLine* progress = nullptr;  // training/verification progress; may be null
  // Called on the runner's thread after each task has settled, with the
  // task's index (0-based); the benchmark of many tasks (tests/bench)
  // samples memory and time here. May be empty.
  std::function<void(int64_t)> on_task_settled;
};

// Exit statuses of `veritrain run`.
enum RunExit : int {
  kRunOk = 0,              // settled, every expectation met
  kRunFailed = 1,          // a role failed, or an expectation was not met
  kRunBadInput = 2,        // the scenario is invalid; nothing was started
  kRunTimeout = 3,         // the global timeout passed
  kRunInterrupted = 130,   // SIGINT/SIGTERM
};

struct RunOutcome {
  int exit_code = kRunFailed;
  std::string out_dir;
  std::string error;                  // why the run failed, if it did
  ExecutionMode mode = ExecutionMode::kProcess;  // the mode the roles ran in
  std::string mode_note;              // why in-process fell back to process mode
  nlohmann::json summary;             // summary.json when written
  // exit_code is kRunFailed only because an expectation was not met: every
  // task ran and settled and the folder passed its checks, so the summary
  // is a result (a sweep counts the run as settled, its expectations unmet).
  bool failed_expectations_only = false;
  nlohmann::json expectations = nlohmann::json::array();
};

RunOutcome RunScenario(const Scenario& scenario, const RunOptions& options);

// The scenario's "execution": {"mode": ...}, if it has one.
std::optional<ExecutionMode> ScenarioExecutionMode(const Scenario& scenario);

// Why `scenario` cannot run in-process whatever the machine, if it cannot:
// it crashes a role with SIGKILL (which needs the role in its own process),
// or network.curve is on (inproc:// connections have no CURVE handshake).
// The checks that depend on this process (hardware profiles, sockets) are
// the run's own, when it starts.
std::optional<std::string> ScenarioNeedsProcesses(const Scenario& scenario);

// Task `index` (0-based, of scenario.tasks) the submitter posts for
// `scenario`: job (with init and data seeds derived from the scenario seed:
// purposes "init" and "data" for task 0, "init/<index>" and "data/<index>"
// after it), protocol parameters, reward, economics, solver and verifiers.
// Every task field that comes from the scenario is set here.
TaskSpec TaskSpecForScenario(const Scenario& scenario, int64_t index = 0);

// A seed for one purpose ("init", "data", ...) derived from `seed`: the
// first 8 bytes of SHA-256("veritrain/seed/<seed>/<purpose>"), big-endian,
// shifted right by one bit (so that it fits an int64).
uint64_t DeriveSeed64(uint64_t seed, const std::string& purpose);

}  // namespace veritrain
