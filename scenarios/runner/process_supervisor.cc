#include "scenarios/runner/process_supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace veritrain {
namespace {

int g_pipe[2] = {-1, -1};
std::atomic<bool> g_interrupted{false};

void OnSignal(int sig) {
  if (sig == SIGINT || sig == SIGTERM) g_interrupted = true;
  const int saved = errno;
  char c = 0;
  [[maybe_unused]] ssize_t n = ::write(g_pipe[1], &c, 1);
  errno = saved;
}

void ExitOnInterrupt(int) {
  static const char kSaid[] = "veritrain: interrupted\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, kSaid, sizeof(kSaid) - 1);
  _exit(130);
}

}  // namespace

void InstallEarlyInterruptExit() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = &ExitOnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t interrupts;
  sigemptyset(&interrupts);
  sigaddset(&interrupts, SIGINT);
  sigaddset(&interrupts, SIGTERM);
  ::sigprocmask(SIG_UNBLOCK, &interrupts, nullptr);
}

bool ChildExit::clean() const { return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0; }

std::string ChildExit::Describe() const {
  if (WIFEXITED(wait_status)) return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    return "was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "stopped (wait status " + std::to_string(wait_status) + ")";
}

void InstallRunnerSignalHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_pipe[0] = g_pipe[1] = -1;
  });
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = &OnSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int RunnerWakeFd() { return g_pipe[0]; }
bool RunnerInterrupted() { return g_interrupted.load(); }

ProcessSupervisor::ProcessSupervisor() { InstallRunnerSignalHandlers(); }

ProcessSupervisor::~ProcessSupervisor() {
  if (!children_.empty()) {
    SignalAll(SIGKILL);
    WaitAll(std::chrono::milliseconds(5000));
  }
}

int ProcessSupervisor::wake_fd() const { return g_pipe[0]; }
bool ProcessSupervisor::interrupted() const { return g_interrupted.load(); }

Result<pid_t> ProcessSupervisor::Spawn(const std::string& label,
                                       const std::vector<std::string>& argv,
                                       const std::string& log_path) {
  if (argv.empty()) return Status::InvalidArgument("spawn " + label + ": empty argv");
  if (::access(argv[0].c_str(), X_OK) != 0) {
    return Status::NotFound("spawn " + label + ": " + argv[0] + " is not executable");
  }
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return Status::IOError("spawn " + label + ": cannot open log " + log_path + ": " +
                           std::strerror(errno));
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return Status::IOError("spawn " + label + ": fork failed: " + std::strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(127);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGPIPE, &sa, nullptr);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(log_fd);
  children_[pid] = label;
  return pid;
}

std::vector<ChildExit> ProcessSupervisor::Reap() {
  char buf[64];
  while (::read(g_pipe[0], buf, sizeof(buf)) > 0) {
  }
  std::vector<ChildExit> out;
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    pid_t r = ::waitpid(it->first, &status, WNOHANG);
    if (r == it->first) {
      out.push_back(ChildExit{it->second, it->first, status});
      it = children_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void ProcessSupervisor::SignalAll(int signal) {
  for (const auto& [pid, label] : children_) ::kill(pid, signal);
}

std::vector<ChildExit> ProcessSupervisor::WaitAll(std::chrono::milliseconds timeout) {
  std::vector<ChildExit> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!children_.empty()) {
    for (auto& e : Reap()) out.push_back(e);
    if (children_.empty()) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      SignalAll(SIGKILL);
      for (auto& [pid, label] : children_) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        out.push_back(ChildExit{label, pid, status});
      }
      children_.clear();
      break;
    }
    struct pollfd p = {g_pipe[0], POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
  }
  return out;
}

}  // namespace veritrain
