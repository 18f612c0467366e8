// ProcessSupervisor: starts the role processes of a run and makes sure
// none outlives it.
//
// Children are started with fork/exec (or adopted from the role launcher),
// their stdout and stderr going to a log file, and with PR_SET_PDEATHSIG so that they are killed even if the
// runner itself is killed with SIGKILL. SIGCHLD is turned into a readable
// file descriptor (a self-pipe) so the runner's poll loop notices an exit
// at once instead of polling on a timer. The destructor kills and reaps
// every child still running.
//
// Thread-safety: each supervisor is used from one thread. Several may live
// in one process (one per concurrent run of a sweep); they share the
// process's SIGCHLD/SIGINT/SIGTERM handlers and wake pipe, so one may drain a
// wake meant for another: callers poll wake_fd() with a bounded timeout.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

// Turns SIGCHLD, SIGINT and SIGTERM into a byte on the process-wide wake
// pipe (RunnerWakeFd) and SIGINT/SIGTERM into RunnerInterrupted(). Safe to
// call more than once.
void InstallRunnerSignalHandlers();
// Until InstallRunnerSignalHandlers takes over: SIGINT or SIGTERM ends the
// command at once with status 130, saying so on stderr, and SIGPIPE is
// ignored (a reader of the command's output that goes away does not kill a
// run; its output is then lost, its results folder is not). Also when the
// command started with SIGINT or SIGTERM ignored or blocked: a script's
// background job inherits SIGINT ignored, and the runner's own handlers
// answer it later, so an interrupt in the first second went unanswered and
// the whole run went on to exit 0. Call first thing, from the main thread.
void InstallEarlyInterruptExit();
int RunnerWakeFd();
bool RunnerInterrupted();

struct ChildExit {
  std::string label;  // e.g. "veritrain-solver (solver-1)"
  pid_t pid = 0;
  int wait_status = 0;
  bool clean() const;           // exited with status 0
  std::string Describe() const; // "exited with status 1", "was killed by signal 9 (Killed)"
};

class ProcessSupervisor {
 public:
  // Installs the runner's signal handlers (InstallRunnerSignalHandlers).
  ProcessSupervisor();
  ~ProcessSupervisor();
  ProcessSupervisor(const ProcessSupervisor&) = delete;
  ProcessSupervisor& operator=(const ProcessSupervisor&) = delete;

  // Starts argv[0] (a path) with argv; output appended to log_path.
  Result<pid_t> Spawn(const std::string& label, const std::vector<std::string>& argv,
                      const std::string& log_path);
  // Supervises `pid`, a child of this process started otherwise (by the
  // role launcher, role_launcher.h), as if Spawn had started it.
  void Adopt(const std::string& label, pid_t pid) { children_[pid] = label; }

  // Readable when a child may have exited or a termination signal arrived.
  int wake_fd() const;
  // Reaps the children that have exited since the last call and drains the
  // wake fd.
  std::vector<ChildExit> Reap();
  // True once SIGINT or SIGTERM was received by the runner.
  bool interrupted() const;

  size_t running() const { return children_.size(); }
  void SignalAll(int signal);
  // Waits for every child to exit, up to `timeout`; then SIGKILLs the rest
  // and reaps them. Returns every exit seen.
  std::vector<ChildExit> WaitAll(std::chrono::milliseconds timeout);

 private:
  std::map<pid_t, std::string> children_;
};

}  // namespace veritrain
