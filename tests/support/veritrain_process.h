// Starting the `veritrain` command from a test as a real child process.
//
// SpawnVeritrain forks and execs VERITRAIN_BIN_DIR/veritrain with `args`,
// TMPDIR set to `tmpdir` (so its private temp dir, sockets and keys land
// there) and stdout/stderr in tmpdir/stdout.txt and tmpdir/stderr.txt;
// WaitVeritrain reaps it. Header-only, for the integration tests.
//
// Thread-safety: call from the test's main thread.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace veritrain::test_support {

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

inline pid_t SpawnVeritrain(const std::vector<std::string>& args,
                            const std::string& tmpdir) {
  const std::string out_path = tmpdir + "/stdout.txt",
                    err_path = tmpdir + "/stderr.txt";
  std::vector<std::string> argv = {std::string(VERITRAIN_BIN_DIR) +
                                   "/veritrain"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    setenv("TMPDIR", tmpdir.c_str(), 1);
    int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  return pid;
}

inline CommandResult WaitVeritrain(pid_t pid, const std::string& tmpdir) {
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadWholeFile(tmpdir + "/stdout.txt");
  r.err = ReadWholeFile(tmpdir + "/stderr.txt");
  return r;
}

}  // namespace veritrain::test_support
