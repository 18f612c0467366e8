#include "scenarios/runner/role_launcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>

#include "core/util/fd_io.h"

extern char** environ;

namespace veritrain {
namespace {

// A request: this header (with the log descriptor attached), then
// `payload_bytes` of NUL-terminated strings: the role, the argument count,
// the arguments, then the environment's entries.
struct RequestHeader {
  uint32_t magic;
  uint32_t payload_bytes;
};
constexpr uint32_t kMagic = 0x76746c31;  // "vtl1"
constexpr uint32_t kMaxPayload = 16u << 20;

// A request's header as one sendmsg/recvmsg message, with room for the
// log descriptor it carries.
struct HeaderMessage {
  RequestHeader header{};
  char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{};
  msghdr msg{};
  HeaderMessage() {
    iov = {&header, sizeof(header)};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
  }
  HeaderMessage(const HeaderMessage&) = delete;
  HeaderMessage& operator=(const HeaderMessage&) = delete;
};

// The answer: the role's pid, or -errno.
struct Reply {
  int32_t pid_or_error;
};

std::mutex g_mutex;
RoleLauncher* g_launcher = nullptr;
std::string g_not_running = "not started";

int CountThreads() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

std::vector<std::string> SplitNul(const std::string& payload) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin < payload.size()) {
    size_t end = payload.find('\0', begin);
    if (end == std::string::npos) end = payload.size();
    out.push_back(payload.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

// Receives one request; false when the runner has closed the socket or
// sent something that is not a request.
bool ReceiveRequest(int fd, std::vector<std::string>* fields, int* log_fd) {
  HeaderMessage m;
  RequestHeader& header = m.header;
  msghdr& msg = m.msg;
  ssize_t n;
  do {
    n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  *log_fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      std::memcpy(log_fd, CMSG_DATA(c), sizeof(int));
    }
  }
  if (n < static_cast<ssize_t>(sizeof(header)) &&
      !ReadAll(fd, reinterpret_cast<char*>(&header) + n, sizeof(header) - n)) {
    return false;
  }
  if (header.magic != kMagic || header.payload_bytes > kMaxPayload || *log_fd < 0) return false;
  std::string payload(header.payload_bytes, '\0');
  if (!ReadAll(fd, payload.data(), payload.size())) return false;
  *fields = SplitNul(payload);
  return true;
}

// Ends a forked role once its main has returned. The role shares its pages
// with the launcher until it writes them, and exit()'s teardown (LibTorch's
// operators deregistered one by one, the heap they held freed) writes
// nearly all of them: every write is a copy-on-write fault and a TLB
// shoot-down. Skipping it takes the quickstart from 3.7 s of CPU to 2.1 s
// (88 k page faults to 52 k) and its wall time from 3.0 s to 2.1 s.
// Everything the role writes is closed by its main, so what is left to do
// is to flush the streams and the log.
[[noreturn]] void LeaveWithoutTeardown(int status) {
  if (auto logger = spdlog::default_logger()) logger->flush();
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  _exit(status);
}

// In the role process: waits until it is the runner's child, becomes what
// an executed role would be, and runs `main`.
[[noreturn]] void RunRole(ProcessMain main, const std::vector<std::string>& fields, int log_fd,
                          int go_fd, pid_t runner) {
  char go = 0;
  ssize_t n;
  do {
    n = ::read(go_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) _exit(127);  // the launcher died before handing the role over
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != runner) _exit(127);  // the runner died meanwhile
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  if (::close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 4096; ++fd) ::close(fd);
  }
  ::signal(SIGINT, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  const size_t argc = std::strtoul(fields[1].c_str(), nullptr, 10);
  std::vector<char*> argv;
  for (size_t i = 0; i < argc; ++i) argv.push_back(::strdup(fields[2 + i].c_str()));
  argv.push_back(nullptr);
  ::clearenv();
  for (size_t i = 2 + argc; i < fields.size(); ++i) ::putenv(::strdup(fields[i].c_str()));
  const int status = main(static_cast<int>(argc), argv.data());
  LeaveWithoutTeardown(status);
}

// In the launcher: forks the role through an intermediate process that
// exits at once, so that the role is re-parented to the runner (a child
// subreaper), then lets it go on.
Reply ForkRole(int server_fd, pid_t runner, ProcessMain main,
               const std::vector<std::string>& fields, int log_fd) {
  int go[2];
  int report[2];
  if (::pipe2(go, O_CLOEXEC) != 0) return Reply{-errno};
  if (::pipe2(report, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(go[0]);
    ::close(go[1]);
    return Reply{-error};
  }
  const pid_t middle = ::fork();
  if (middle == 0) {
    const pid_t role = ::fork();
    if (role == 0) {
      ::close(server_fd);
      ::close(go[1]);
      ::close(report[0]);
      ::close(report[1]);
      RunRole(main, fields, log_fd, go[0], runner);
    }
    const int32_t value = role < 0 ? -errno : role;
    const bool told = ::write(report[1], &value, sizeof(value)) ==
                      static_cast<ssize_t>(sizeof(value));
    _exit(told ? 0 : 1);
  }
  const int fork_error = errno;
  ::close(go[0]);
  ::close(report[1]);
  int32_t value = -fork_error;
  if (middle > 0) {
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    if (!ReadAll(report[0], &value, sizeof(value))) value = -ECHILD;
  }
  ::close(report[0]);
  if (value > 0) {
    // The intermediate process has exited: the role is the runner's child.
    const char go_byte = 1;
    if (::write(go[1], &go_byte, 1) != 1) value = -errno;
  }
  ::close(go[1]);
  return Reply{value};
}

[[noreturn]] void Serve(int fd, pid_t runner, const std::map<std::string, ProcessMain>& mains) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != runner) _exit(0);
  ::signal(SIGINT, SIG_IGN);
  for (;;) {
    std::vector<std::string> fields;
    int log_fd = -1;
    if (!ReceiveRequest(fd, &fields, &log_fd)) _exit(0);
    Reply reply{-EINVAL};
    auto main = fields.empty() ? mains.end() : mains.find(fields[0]);
    const size_t argc = fields.size() > 1 ? std::strtoul(fields[1].c_str(), nullptr, 10) : 0;
    if (main != mains.end() && argc >= 1 && fields.size() >= 2 + argc) {
      reply = ForkRole(fd, runner, main->second, fields, log_fd);
    }
    ::close(log_fd);
    if (!WriteAll(fd, &reply, sizeof(reply))) _exit(0);
  }
}

}  // namespace

void RoleLauncher::StopAtExit() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_launcher == nullptr) return;
  if (g_launcher->fd_ >= 0) {
    ::close(g_launcher->fd_);
    g_launcher->fd_ = -1;
  }
  while (::waitpid(g_launcher->pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

Status RoleLauncher::Start(std::map<std::string, ProcessMain> mains) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto refuse = [](Status s) {
    g_not_running = s.message();
    return s;
  };
  if (g_launcher != nullptr) return refuse(Status::FailedPrecondition("the role launcher runs already"));
  const int threads = CountThreads();
  if (threads != 1) {
    return refuse(Status::FailedPrecondition(
        "the role launcher must be started while the process has one thread; it has " +
        std::to_string(threads)));
  }
  // Before the fork: the launcher's children inherit that an ancestor is a
  // subreaper, which is what re-parents the roles here.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return refuse(Status::IOError(std::string("PR_SET_CHILD_SUBREAPER: ") + std::strerror(errno)));
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return refuse(Status::IOError(std::string("socketpair: ") + std::strerror(errno)));
  }
  const pid_t runner = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(sv[0]);
    ::close(sv[1]);
    return refuse(Status::IOError(std::string("fork: ") + std::strerror(error)));
  }
  if (pid == 0) {
    ::close(sv[0]);
    Serve(sv[1], runner, mains);
  }
  ::close(sv[1]);
  g_launcher = new RoleLauncher(pid, sv[0], std::move(mains));
  std::atexit(&RoleLauncher::StopAtExit);
  return Status::Ok();
}

RoleLauncher* RoleLauncher::Get() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_launcher;
}

std::string RoleLauncher::NotRunningReason() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_launcher != nullptr ? "" : g_not_running;
}

Result<pid_t> RoleLauncher::Launch(const std::string& role, const std::vector<std::string>& argv,
                                   int log_fd) {
  if (mains_.find(role) == mains_.end()) {
    std::string known;
    for (const auto& [name, main] : mains_) known += (known.empty() ? "" : ", ") + name;
    return Status::NotFound("the role launcher has no role \"" + role + "\" (it has " + known +
                            ")");
  }
  if (argv.empty()) return Status::InvalidArgument("launch " + role + ": empty argv");
  std::string payload;
  auto add = [&payload](const std::string& s) {
    payload += s;
    payload += '\0';
  };
  add(role);
  add(std::to_string(argv.size()));
  for (const auto& a : argv) add(a);
  std::lock_guard<std::mutex> lock(g_mutex);
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) add(*e);
  if (payload.size() > kMaxPayload) {
    return Status::InvalidArgument("launch " + role + ": arguments and environment exceed " +
                                   std::to_string(kMaxPayload) + " bytes");
  }
  if (fd_ < 0) return Status::Unavailable("the role launcher has gone");
  HeaderMessage m;
  RequestHeader& header = m.header;
  header = RequestHeader{kMagic, static_cast<uint32_t>(payload.size())};
  msghdr& msg = m.msg;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &log_fd, sizeof(int));
  ssize_t sent;
  do {
    sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  Reply reply{0};
  const bool ok = sent >= 0 &&
                  (static_cast<size_t>(sent) == sizeof(header) ||
                   WriteAll(fd_, reinterpret_cast<char*>(&header) + sent,
                            sizeof(header) - static_cast<size_t>(sent))) &&
                  WriteAll(fd_, payload.data(), payload.size()) &&
                  ReadAll(fd_, &reply, sizeof(reply));
  if (!ok) {
    ::close(fd_);
    fd_ = -1;
    return Status::Unavailable("the role launcher (pid " + std::to_string(pid_) + ") has gone");
  }
  if (reply.pid_or_error <= 0) {
    return Status::IOError("launch " + role + ": " + std::strerror(-reply.pid_or_error));
  }
  return static_cast<pid_t>(reply.pid_or_error);
}

}  // namespace veritrain
