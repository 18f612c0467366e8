// Starting the `veritrain` command from a test as a real child process.
//
// SpawnVeritrain forks and execs VERITRAIN_BIN_DIR/veritrain with `args`,
// TMPDIR set to `tmpdir` (so its private temp dir, sockets and keys land
// there) and stdout/stderr in tmpdir/stdout.txt and tmpdir/stderr.txt;
// WaitVeritrain reaps it (StopVeritrain stops it first); MakeTestDir makes
// a test's own temp dir; WaitForWorkDir finds the run's private temp dir
// (endpoints, keys, role configs) while it runs. Header-only, for the
// integration tests.
//
// Thread-safety: call from the test's main thread.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/command.h"

namespace veritrain::test_support {

// A fresh directory "<system temp>/<prefix>XXXXXX" for one test ("" if it
// cannot be made).
inline std::string MakeTestDir(const std::string& prefix) {
  std::string pattern = std::filesystem::temp_directory_path().string() + "/" + prefix + "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back(0);
  if (mkdtemp(buf.data()) == nullptr) return "";
  return buf.data();
}

// Stops a run that is still going (the runner stops its roles on SIGTERM)
// and reaps it; for a test that failed half-way.
inline void StopVeritrain(pid_t run) {
  if (run > 0 && waitpid(run, nullptr, WNOHANG) == 0) {
    kill(run, SIGTERM);
    waitpid(run, nullptr, 0);
  }
}

inline pid_t SpawnVeritrain(const std::vector<std::string>& args,
                            const std::string& tmpdir) {
  std::vector<std::string> argv = {std::string(VERITRAIN_BIN_DIR) + "/veritrain"};
  argv.insert(argv.end(), args.begin(), args.end());
  return SpawnCommand(argv, tmpdir + "/stdout.txt", tmpdir + "/stderr.txt",
                      {{"TMPDIR", tmpdir}});
}

inline CommandResult WaitVeritrain(pid_t pid, const std::string& tmpdir) {
  return WaitCommand(pid, tmpdir + "/stdout.txt", tmpdir + "/stderr.txt");
}

// Runs the veritrain command with TMPDIR set to `tmpdir`, waiting for it.
inline CommandResult RunVeritrain(const std::vector<std::string>& args,
                                  const std::string& tmpdir) {
  return WaitVeritrain(SpawnVeritrain(args, tmpdir), tmpdir);
}

// The private temp dir ("veritrain-XXXXXX" in `tmpdir`) of the run `run`
// once every file in `need` exists in it, or "" when the run exits (or
// `wait` passes) first.
inline std::string WaitForWorkDir(const std::string& tmpdir, pid_t run,
                                  const std::vector<std::string>& need,
                                  std::chrono::seconds wait) {
  namespace fs = std::filesystem;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(tmpdir, ec)) {
      if (e.path().filename().string().rfind("veritrain-", 0) != 0) continue;
      bool all = true;
      for (const auto& n : need) all = all && fs::exists(e.path() / n);
      if (all) return e.path().string();
    }
    int status = 0;
    if (waitpid(run, &status, WNOHANG) == run) return "";
    // The runner creates these files within milliseconds of each other;
    // there is nothing to poll on for a file that does not exist yet.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return "";
}

}  // namespace veritrain::test_support
