// RoleLauncher: starts role processes without paying the program's
// start-up again (a fork server).
//
// A program linking Debian's LibTorch spends 0.4 s of CPU before main()
// (more on a busy machine): it loads 289 shared libraries and registers
// LibTorch's operators. `veritrain run` starts three or more role
// processes, and on two cores executing them took half the quickstart's
// wall time. The launcher is a copy of `veritrain` forked first thing in
// main(), when the process has loaded everything and done nothing else.
// Each role is forked from it and runs its process main
// (solver/process_main.h and the others) with the argv it would have been
// executed with; nothing is loaded or registered again.
//
// A launched role gets what executing it would give it:
//   - its parent is the process that started the launcher (the runner), so
//     waitpid, SIGCHLD and PR_SET_PDEATHSIG work as for a child it forked
//     itself: the launcher forks the role through an intermediate process
//     that exits at once, and the runner is a child subreaper
//     (PR_SET_CHILD_SUBREAPER), so the role is re-parented to it; the role
//     sets PR_SET_PDEATHSIG only once it is the runner's;
//   - the runner's environment as it is when Launch is called;
//   - stdout and stderr appended to the log descriptor given;
//   - default signal dispositions and an empty signal mask;
//   - no file descriptor beyond stdin, stdout and stderr.
// What differs: a variable read when a library loads (OPENBLAS_CORETYPE,
// OMP_*) has the value it had when the runner started (the runner changes
// none of them); /proc/self/exe is `veritrain`; when its main returns, the
// role flushes its streams and its log and leaves with _exit, skipping
// exit handlers and static destructors (role_launcher.cc says why).
//
// The launcher ignores SIGINT (a Ctrl-C reaches the runner, which stops
// the roles). It exits when the runner closes its socket, which the runner
// does when it exits (an atexit handler, which also reaps it, so that no
// process of a finished run is left behind even for a moment), or when
// the runner dies (PR_SET_PDEATHSIG).
//
// Thread-safety: Start must be called while the process has one thread
// (it refuses otherwise); Get and Launch are thread-safe (one launch at a
// time).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

// A role's whole main(): SolverProcessMain and the others.
using ProcessMain = int (*)(int argc, char** argv);

class RoleLauncher {
 public:
  // Forks the launcher, which can run `mains` (role name -> main), and
  // makes this process a child subreaper. FailedPrecondition when the
  // process has more than one thread or a launcher was started already;
  // IOError when a system call fails.
  static Status Start(std::map<std::string, ProcessMain> mains);

  // The launcher this process started, or nullptr (then roles are
  // executed: ProcessSupervisor::Spawn).
  static RoleLauncher* Get();

  // Why Get() is null: the error Start returned, or "not started".
  static std::string NotRunningReason();

  // Starts mains[role] with `argv` in a new child process of this one, its
  // stdout and stderr going to `log_fd` (which the caller still owns).
  // Returns its pid. NotFound when the launcher has no such role;
  // Unavailable when the launcher has gone (killed, say): the caller
  // executes the role instead.
  Result<pid_t> Launch(const std::string& role, const std::vector<std::string>& argv,
                       int log_fd);

  // The launcher process (for tests).
  pid_t pid() const { return pid_; }

 private:
  // At this process's exit (atexit): closes the socket, so that the
  // launcher exits, and reaps it.
  static void StopAtExit();

  RoleLauncher(pid_t pid, int fd, std::map<std::string, ProcessMain> mains)
      : pid_(pid), fd_(fd), mains_(std::move(mains)) {}

  pid_t pid_;
  int fd_;  // this process's end of the launcher's socket; -1 once it is gone
  std::map<std::string, ProcessMain> mains_;
};

}  // namespace veritrain
