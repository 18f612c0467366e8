// Running one scenario as real processes: the `veritrain run` command.
//
// The runner is the submitter. It makes a private temp dir for endpoints,
// keys and checkpoints, generates every participant's Ed25519 key, writes
// one role config per process, starts veritrain-arbiter, the solver and the
// verifiers, posts the task, waits for it to settle (watching every child
// and a global timeout), shuts the run down, and always kills and reaps
// what is left. It then writes the results folder from the arbiter's event
// log and checks the scenario's expectations.
//
// Thread-safety: one run at a time per process (it owns SIGCHLD).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "scenarios/scenario.h"

namespace veritrain {

struct RunOptions {
  std::string out_dir;     // "" → results/runs/<scenario>/<run-id>
  std::string bin_dir;     // where the role executables are; "" → beside this one
  bool keep_workdir = false;
  bool quiet = false;
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
  nlohmann::json summary;             // summary.json when written
  nlohmann::json expectations = nlohmann::json::array();
};

RunOutcome RunScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace veritrain
