// Running a program from a test or a benchmark as a real child process:
// SpawnCommand forks and executes it with stdout and stderr in files,
// WaitCommand reaps it and reads them. Header-only.
//
// Thread-safety: call from one thread per child.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace veritrain::test_support {

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandResult {
  int exit_code = -1;  // 128 + the signal's number when killed
  std::string out, err;
};

// Starts argv[0] (a path) with `argv`, stdout and stderr to the files
// `out_path` and `err_path` (truncated), with `env` set in its environment.
// Returns its pid (-1 when fork fails).
inline pid_t SpawnCommand(const std::vector<std::string>& argv, const std::string& out_path,
                          const std::string& err_path,
                          const std::vector<std::pair<std::string, std::string>>& env = {}) {
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    const int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  return pid;
}

// Waits for `pid` and reads what it wrote.
inline CommandResult WaitCommand(pid_t pid, const std::string& out_path,
                                 const std::string& err_path) {
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadWholeFile(out_path);
  r.err = ReadWholeFile(err_path);
  return r;
}

}  // namespace veritrain::test_support
