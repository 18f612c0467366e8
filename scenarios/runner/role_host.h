// RoleHost: where the roles of one run execute — as child processes
// (ProcessHost) or as threads of the runner's own process (ThreadHost) —
// behind one interface, so that the runner's protocol with the roles
// (endpoints, keys, configs, posting the task, waiting, shutting down) is
// the same in both modes.
//
// Thread-safety: a host is used by the one thread that runs the run.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/role/role_config.h"
#include "core/util/status.h"

namespace veritrain {

// How a run's roles execute.
enum class ExecutionMode {
  kProcess,    // one process per role, over ipc:// or tcp://
  kInProcess,  // one thread per role in the runner's process, over inproc://
};

// "process" / "in-process".
const char* ExecutionModeName(ExecutionMode mode);
// Parses "process" / "in-process"; InvalidArgument naming `text` otherwise.
Result<ExecutionMode> ParseExecutionMode(const std::string& text);

// One role that has ended.
struct RoleExit {
  std::string label;        // "veritrain-solver (solver-1)" or "solver thread (solver-1)"
  bool clean = false;       // ended without error
  std::string description;  // "exited with status 1", "failed: <status>"
  std::string name;         // the participant ("solver-1"); "" if unknown
  int signal = 0;           // the signal that ended a process, 0 otherwise
};

class RoleHost {
 public:
  virtual ~RoleHost() = default;

  // Starts one role. `config_path` is where `config` has been saved (used
  // by the process host; the thread host uses `config` directly).
  virtual Status Start(const RoleConfig& config, const std::string& config_path,
                       const std::string& log_path) = 0;

  // File descriptors that become readable when a role may have ended or the
  // runner was interrupted (SIGINT/SIGTERM); the runner polls them with its
  // sockets. A wake may be consumed elsewhere, so callers also poll with a
  // bounded timeout.
  virtual std::vector<int> wake_fds() const = 0;

  // Roles that have ended since the last call.
  virtual std::vector<RoleExit> Collect() = 0;

  // Waits up to `grace` for every role to end, then stops the rest by force.
  // Returns every exit seen.
  virtual std::vector<RoleExit> WaitAll(std::chrono::milliseconds grace) = 0;

  // Stops every role now (SIGKILL for processes; for threads, shutting the
  // ZeroMQ context down so that each role's next socket operation fails)
  // and waits for them.
  virtual void Abort() = 0;

  // True once SIGINT or SIGTERM reached the runner.
  virtual bool interrupted() const = 0;

  // Roles started and not yet seen to end.
  virtual size_t running() const = 0;
};

}  // namespace veritrain
