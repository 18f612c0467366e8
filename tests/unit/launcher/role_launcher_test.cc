// The role launcher (scenarios/runner/role_launcher.h). This binary has
// its own main(): the launcher must be started while the process has one
// thread, before GoogleTest or anything else runs. A few cases need a
// runner of their own (one that dies, one whose launcher dies, one with a
// second thread): they run this binary again in a mode named on its
// command line.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/runner/process_host.h"
#include "scenarios/runner/role_launcher.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Roles for the tests.
// "report": prints its argv, $VT_LAUNCH_TEST, its parent, how many file
// descriptors it has beyond stdin, stdout and stderr, and whether SIGINT
// has its default action; exits with argv[1].
int ReportMain(int argc, char** argv) {
  std::string args;
  for (int i = 0; i < argc; ++i) args += (i ? "|" : "") + std::string(argv[i]);
  const char* env = std::getenv("VT_LAUNCH_TEST");
  // Descriptors beyond 0, 1 and 2, but for the one listing them.
  int fds = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    if (std::stoi(e.path().filename().string()) > 2 && target.find("/fd") == std::string::npos) {
      ++fds;
    }
  }
  struct sigaction sa;
  sigaction(SIGINT, nullptr, &sa);
  std::cout << "argv=" << args << "\nenv=" << (env ? env : "(unset)") << "\nppid=" << getppid()
            << "\nfds=" << fds << "\nsigint_default=" << (sa.sa_handler == SIG_DFL) << "\n";
  return argc > 1 ? std::atoi(argv[1]) : 0;
}

// "block": waits for a signal, forever (it ends by being killed).
int BlockMain(int, char**) {
  for (;;) pause();
}

// "teardown": leaves output in every buffer a role writes to (stdio,
// iostream, the log) and registers an exit handler that would print.
int TeardownMain(int, char**) {
  std::atexit([] {
    std::fputs("exit handler ran\n", stdout);
    std::fflush(stdout);
  });
  std::fputs("stdio unflushed|", stdout);
  std::cout << "iostream unflushed|";
  spdlog::info("log line");
  return 3;
}

// "solver" stands for a real role where a ProcessHost starts one.
const std::map<std::string, ProcessMain> kMains = {
    {"report", &ReportMain},
    {"block", &BlockMain},
    {"teardown", &TeardownMain},
    {"solver", &ReportMain}};

std::string TempPath(const std::string& name) {
  return std::filesystem::temp_directory_path().string() + "/vt-launcher-" +
         std::to_string(getpid()) + "-" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Exit {
  int status = 0;
  std::string log;
};

// Launches `role` with `argv`, waits for it as a child of this process,
// and returns its wait status and log.
Exit LaunchAndWait(const std::string& role, const std::vector<std::string>& argv,
                   const std::string& log_name) {
  const std::string log = TempPath(log_name);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  EXPECT_GE(fd, 0);
  Result<pid_t> pid = RoleLauncher::Get()->Launch(role, argv, fd);
  ::close(fd);
  Exit e;
  EXPECT_TRUE(pid.ok()) << pid.status().ToString();
  if (!pid.ok()) return e;
  EXPECT_EQ(::waitpid(*pid, &e.status, 0), *pid) << "the role is this process's child";
  e.log = ReadFile(log);
  std::remove(log.c_str());
  return e;
}

// Runs this binary in `mode` and returns its exit status and stdout.
Exit RunSelf(const std::vector<std::string>& mode) {
  int out[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  std::vector<std::string> args = {"/proc/self/exe"};
  args.insert(args.end(), mode.begin(), mode.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(out[1]);
  Exit e;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof(buf))) > 0) e.log.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  ::waitpid(pid, &e.status, 0);
  return e;
}

std::string Field(const std::string& log, const std::string& key) {
  const size_t at = log.find(key + "=");
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size() + 1;
  return log.substr(begin, log.find('\n', begin) - begin);
}

TEST(RoleLauncherTest, ALaunchedRoleIsAChildWithItsArgvTodaysEnvironmentAndItsLog) {
  // Set after the launcher started: the role must see the runner's
  // environment as it is now, as an executed role would.
  ::setenv("VT_LAUNCH_TEST", "set after the launcher started", 1);
  const Exit e = LaunchAndWait("report", {"role-exe", "3", "two words"}, "argv");
  ASSERT_TRUE(WIFEXITED(e.status)) << e.status;
  EXPECT_EQ(WEXITSTATUS(e.status), 3);
  EXPECT_EQ(Field(e.log, "argv"), "role-exe|3|two words") << e.log;
  EXPECT_EQ(Field(e.log, "env"), "set after the launcher started");
  EXPECT_EQ(Field(e.log, "ppid"), std::to_string(getpid()));
}

TEST(RoleLauncherTest, ARoleHasOnlyTheStandardDescriptorsAndDefaultSignals) {
  // A descriptor of the runner without close-on-exec, and a SIGINT
  // handler: neither reaches the role.
  const int leak = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leak, 0);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = [](int) {};
  struct sigaction old;
  ASSERT_EQ(sigaction(SIGINT, &sa, &old), 0);
  const Exit e = LaunchAndWait("report", {"role-exe", "0"}, "fds");
  sigaction(SIGINT, &old, nullptr);
  ::close(leak);
  EXPECT_EQ(Field(e.log, "fds"), "0") << e.log;
  EXPECT_EQ(Field(e.log, "sigint_default"), "1") << e.log;
}

// A forked role skips exit()'s teardown (which would copy most of the pages
// it shares with the launcher) but loses none of its output.
TEST(RoleLauncherTest, ARoleLeavesWithItsOutputFlushedAndWithoutExitsTeardown) {
  const Exit e = LaunchAndWait("teardown", {"teardown"}, "teardown.log");
  ASSERT_TRUE(WIFEXITED(e.status));
  EXPECT_EQ(WEXITSTATUS(e.status), 3);
  EXPECT_THAT(e.log, HasSubstr("stdio unflushed|"));
  EXPECT_THAT(e.log, HasSubstr("iostream unflushed|"));
  EXPECT_THAT(e.log, HasSubstr("log line"));
  EXPECT_THAT(e.log, Not(HasSubstr("exit handler ran")));
}

TEST(RoleLauncherTest, AnUnknownRoleIsNotFoundAndNamed) {
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  Result<pid_t> pid = RoleLauncher::Get()->Launch("auditor", {"x"}, fd);
  ::close(fd);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(pid.status().message(), HasSubstr("\"auditor\""));
  EXPECT_THAT(pid.status().message(), HasSubstr("block, report, solver"));
}

TEST(RoleLauncherTest, ThreadsLaunchAtOnceAndEachGetsItsOwnRole) {
  constexpr int kThreads = 4;
  constexpr int kEach = 5;
  std::vector<std::thread> threads;
  std::vector<std::vector<Exit>> exits(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &exits] {
      for (int i = 0; i < kEach; ++i) {
        const int code = 10 * t + i;
        exits[t].push_back(LaunchAndWait("report", {"role-exe", std::to_string(code)},
                                         "t" + std::to_string(code)));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(exits[t].size(), static_cast<size_t>(kEach));
    for (int i = 0; i < kEach; ++i) {
      EXPECT_TRUE(WIFEXITED(exits[t][i].status));
      EXPECT_EQ(WEXITSTATUS(exits[t][i].status), 10 * t + i);
      EXPECT_EQ(Field(exits[t][i].log, "argv"), "role-exe|" + std::to_string(10 * t + i));
    }
  }
}

TEST(RoleLauncherTest, StartingItTwiceIsRefused) {
  Status again = RoleLauncher::Start(kMains);
  EXPECT_EQ(again.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(RoleLauncher::Get(), nullptr) << "the running launcher is kept";
}

// Waits until process `pid` (not a child) has ended; false after 30 s.
bool Ends(pid_t pid) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;  // gone already
  pollfd p = {fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, 30000);
  ::close(fd);
  return ready == 1;
}

TEST(RoleLauncherTest, TheLauncherAndItsRolesDieWithTheRunner) {
  // The child runner prints the launcher's pid and a blocking role's pid,
  // then is killed with SIGKILL: nothing it started may outlive it.
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  const pid_t runner = ::fork();
  if (runner == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    char self[] = "/proc/self/exe";
    char mode[] = "--as-runner";
    char* argv[] = {self, mode, nullptr};
    ::execv(self, argv);
    _exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  int launcher = 0, role = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "%d %d", &launcher, &role), 2) << line;
  ASSERT_EQ(::kill(runner, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  EXPECT_TRUE(Ends(role)) << "the role outlived its runner";
  EXPECT_TRUE(Ends(launcher)) << "the launcher outlived its runner";
}

TEST(RoleLauncherTest, ARunnerThatExitsHasReapedItsLauncher) {
  // Once the runner has exited, its launcher is gone: not running, not a
  // zombie waiting for a parent (a test looking for processes a finished
  // run left behind must find none).
  const Exit e = RunSelf({"--exit-at-once"});
  ASSERT_TRUE(WIFEXITED(e.status) && WEXITSTATUS(e.status) == 0) << e.status << e.log;
  const pid_t launcher = std::atoi(Field(e.log, "launcher").c_str());
  ASSERT_GT(launcher, 0) << e.log;
  EXPECT_EQ(::kill(launcher, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(RoleLauncherTest, AGoneLauncherIsUnavailableAndTheHostExecutesTheRole) {
  const std::string bin = TempPath("bin");
  std::filesystem::create_directories(bin);
  {
    std::ofstream script(bin + "/veritrain-solver");
    script << "#!/bin/sh\necho executed \"$@\"\n";
  }
  std::filesystem::permissions(bin + "/veritrain-solver", std::filesystem::perms::owner_all);
  const Exit e = RunSelf({"--launcher-gone", bin});
  std::filesystem::remove_all(bin);
  EXPECT_TRUE(WIFEXITED(e.status) && WEXITSTATUS(e.status) == 0) << e.status << "\n" << e.log;
  EXPECT_EQ(Field(e.log, "launch"), "unavailable") << e.log;
  EXPECT_THAT(Field(e.log, "fallback"), HasSubstr("role launcher failed")) << e.log;
  EXPECT_THAT(Field(e.log, "log"), HasSubstr("executed --config")) << e.log;
}

TEST(RoleLauncherTest, AProcessWithASecondThreadCannotStartIt) {
  const Exit e = RunSelf({"--start-with-thread"});
  EXPECT_THAT(Field(e.log, "start"), HasSubstr("must be started while the process has one thread"))
      << e.log;
  EXPECT_THAT(Field(e.log, "reason"), HasSubstr("one thread")) << e.log;
}

// --as-runner: starts a launcher and a blocking role, prints both pids,
// and waits to be killed.
[[noreturn]] void AsRunner() {
  if (!RoleLauncher::Start(kMains).ok()) _exit(3);
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  Result<pid_t> role = RoleLauncher::Get()->Launch("block", {"block"}, fd);
  if (!role.ok()) _exit(4);
  std::cout << RoleLauncher::Get()->pid() << " " << *role << std::endl;
  for (;;) pause();
}

// --exit-at-once: starts a launcher, prints its pid and returns from main.
int ExitAtOnce() {
  if (!RoleLauncher::Start(kMains).ok()) return 3;
  std::cout << "launcher=" << RoleLauncher::Get()->pid() << std::endl;
  return 0;
}

// --launcher-gone BIN: kills the launcher, then starts a solver through a
// ProcessHost whose executables are in BIN.
int LauncherGone(const std::string& bin) {
  if (!RoleLauncher::Start(kMains).ok()) return 3;
  RoleLauncher* launcher = RoleLauncher::Get();
  ::kill(launcher->pid(), SIGKILL);
  int status = 0;
  ::waitpid(launcher->pid(), &status, 0);
  const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  Result<pid_t> pid = launcher->Launch("report", {"x"}, fd);
  ::close(fd);
  std::cout << "launch="
            << (!pid.ok() && pid.status().code() == Status::Code::kUnavailable ? "unavailable"
                                                                              : "other")
            << "\n";
  ProcessHost host(bin, launcher);
  RoleConfig config;
  config.name = "solver-1";
  config.role = "solver";
  config.work_dir = bin;
  const std::string log = bin + "/solver.log";
  Status started = host.Start(config, bin + "/solver-1.json", log);
  if (!started.ok()) {
    std::cout << "start=" << started.ToString() << "\n";
    return 5;
  }
  host.WaitAll(std::chrono::seconds(30));
  std::cout << "fallback=" << host.fallback_note() << "\nlog=" << ReadFile(log);
  return 0;
}

// --start-with-thread: a second thread exists when Start is called.
int StartWithThread() {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread other([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  });
  Status s = RoleLauncher::Start(kMains);
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_one();
  other.join();
  std::cout << "start=" << s.ToString() << "\nreason=" << RoleLauncher::NotRunningReason()
            << "\n";
  return s.ok() ? 1 : 0;
}

}  // namespace
}  // namespace veritrain

int main(int argc, char** argv) {
  using namespace veritrain;
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "--as-runner") AsRunner();
  if (mode == "--launcher-gone" && argc > 2) return LauncherGone(argv[2]);
  if (mode == "--start-with-thread") return StartWithThread();
  if (mode == "--exit-at-once") return ExitAtOnce();
  // First, while this process has one thread.
  Status started = RoleLauncher::Start(kMains);
  if (!started.ok()) {
    std::cerr << "cannot start the role launcher: " << started.ToString() << "\n";
    return 1;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
