#include "scenarios/check/process_purity.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/train/job.h"
#include "core/train/job_files.h"
#include "core/train/plugin.h"
#include "core/train/step_purity.h"
#include "core/util/scratch_dir.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;

// The veritrain executable beside this process's ("" when there is none).
std::string VeritrainBeside() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path beside = self.parent_path() / "veritrain";
  return fs::exists(beside, ec) ? beside.string() : "";
}

struct Output {
  int status = -1;  // wait status; -1 when it could not be started
  bool timed_out = false;
  std::string out, err;
};

// Runs argv with stdout into a pipe read here (so that the wait has a
// deadline) and stderr into `err_path`.
Output RunChild(const std::vector<std::string>& argv, const std::string& err_path,
                double timeout_s) {
  Output r;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return r;
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], STDOUT_FILENO);
    if (err_fd >= 0) ::dup2(err_fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  if (err_fd >= 0) ::close(err_fd);
  if (pid < 0) {
    ::close(pipefd[0]);
    return r;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  char buf[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    struct pollfd p = {pipefd[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(pipefd[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is done with its output
    r.out.append(buf, static_cast<size_t>(n));
    if (r.out.size() > (size_t{64} << 20)) {  // far past any graph's fingerprints
      ::kill(pid, SIGKILL);
      break;
    }
  }
  ::close(pipefd[0]);
  while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  std::ifstream err(err_path);
  r.err.assign((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  if (r.err.size() > 2000) r.err = r.err.substr(0, 2000) + "…";
  return r;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Status Compare(const JobConfig& config, const HardwareProfile& profile, double timeout_s) {
  const std::string exe = VeritrainBeside();
  if (exe.empty()) {
    spdlog::warn("job {}: not checked in another process (no veritrain executable beside this "
                 "one)",
                 config.name);
    return Status::Ok();
  }
  VT_ASSIGN_OR_RETURN(ScratchDirectory scratch, ScratchDirectory::Make("veritrain-purity-"));
  const std::string& dir = scratch.path();
  {
    std::ofstream job(dir + "/job.json");
    job << config.ToJson().dump();
    if (!job) return Status::IOError("cannot write " + dir + "/job.json");
  }
  std::vector<std::string> argv = {exe,        "step-fingerprint",      "--job",
                                   dir + "/job.json", "--profile", profile.ToJson().dump()};
  if (!JobFileDir().empty()) {
    argv.push_back("--job-dir");
    argv.push_back(JobFileDir());
  }
  for (const std::string& p : LoadedPlugins()) {
    argv.push_back("--plugin");
    argv.push_back(p);
  }
  const Output child = RunChild(argv, dir + "/stderr.txt", timeout_s);
  const std::string who = "another process (veritrain step-fingerprint)";
  if (child.status < 0) return Status::FailedPrecondition(who + " could not be started");
  if (child.timed_out) {
    return Status::FailedPrecondition(who + " did not finish step 0 within " +
                                      std::to_string(static_cast<int64_t>(timeout_s)) + " s");
  }
  if (!WIFEXITED(child.status) || WEXITSTATUS(child.status) != 0) {
    const std::string how = WIFEXITED(child.status)
                                ? "exited with status " + std::to_string(WEXITSTATUS(child.status))
                                : "was killed by signal " + std::to_string(WTERMSIG(child.status));
    return Status::FailedPrecondition(who + " " + how + " building the job or its step 0" +
                                      (child.err.empty() ? "" : ": " + Trimmed(child.err)));
  }
  const nlohmann::json theirs = nlohmann::json::parse(child.out, nullptr, false);
  if (!theirs.is_object() || !theirs.contains("nodes") || !theirs["nodes"].is_array()) {
    return Status::FailedPrecondition(who + " printed no fingerprints");
  }
  std::vector<std::vector<std::string>> other;
  for (const auto& node : theirs["nodes"]) {
    std::vector<std::string> outputs;
    if (node.is_array()) {
      for (const auto& f : node) outputs.push_back(f.is_string() ? f.get<std::string>() : "");
    }
    other.push_back(std::move(outputs));
  }
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(profile));
  VT_ASSIGN_OR_RETURN(std::unique_ptr<TrainingJob> job, MakeJob(config));
  VT_ASSIGN_OR_RETURN(auto mine, StepFingerprints(*job, config.init_seed));
  return CompareStepFingerprints(*job, mine, other, who);
}

}  // namespace

Status StepPureAcrossProcesses(const JobConfig& config, const HardwareProfile& profile,
                               double timeout_s) {
  // Built-in, or registered by this process's own code (which another
  // process does not run): only a plug-in's job can be made elsewhere.
  if (IsBuiltinJob(config.name) || PluginOfJob(config.name).empty()) return Status::Ok();
  static std::mutex mu;
  static auto* done = new std::map<std::string, Status>;
  std::lock_guard<std::mutex> lock(mu);
  nlohmann::json key = config.ToJson();
  key.erase("init_seed");
  key.erase("data_seed");
  const std::string k = key.dump() + "\n" + profile.ToJson().dump();
  auto it = done->find(k);
  if (it != done->end()) return it->second;
  Status s = Compare(config, profile, timeout_s);
  done->emplace(k, s);
  return s;
}

}  // namespace veritrain
