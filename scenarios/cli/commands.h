// The research-workflow subcommands of `veritrain`:
//
//   veritrain sweep SCENARIO [--out DIR] [--jobs N] [--shard i/n]
//                   [--mode process|in-process | --in-process]
//                   [--repetitions N] [--report] [--plugin LIB] [--bin-dir DIR]
//   veritrain merge SHARD_DIR... --out DIR [--allow-missing] [--report]
//   veritrain report DIR [--out FILE]
//   veritrain audit DIR [--arbiter-key HEX]
//   veritrain schema-doc [--write FILE]
//
// and the sweep part of `veritrain check` (CheckSweepOf). Exit statuses
// follow `veritrain run`: 0 success; 1 a run failed or an expectation was
// not met, or (audit, report) the folder fails its audit; 2 bad input
// (invalid scenario or sweep, bad flags, shards that do not fit together, a
// folder that is not a run folder); 130 interrupted.
//
// Thread-safety: used from main() only.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "scenarios/spec/scenario.h"

namespace CLI {
class App;
}  // namespace CLI

namespace veritrain {

class WorkflowCommands {
 public:
  // Adds the subcommands to `app`.
  explicit WorkflowCommands(CLI::App& app);
  ~WorkflowCommands();

  // After app.parse(): the exit status of the chosen subcommand, or nullopt
  // when it is not one of these.
  std::optional<int> Dispatch();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Checks the scenario's sweep block and every point of it — as a scenario,
// then against its job (job_check.h) — writing each error as "<source>:
// <path>: <message>" to `err`. Returns the number of errors (0 when there
// is no sweep block). REQUIRES: the scenario's job environment is applied
// (plug-ins loaded).
int CheckSweepOf(const Scenario& scenario, const std::string& source, std::ostream& err);

// ", sweep: 6 points × 10 repetitions = 60 runs", or "" without a sweep.
std::string SweepSizeText(const Scenario& scenario);

}  // namespace veritrain
