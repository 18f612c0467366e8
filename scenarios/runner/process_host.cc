#include "scenarios/runner/process_host.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "core/role/role_main.h"

namespace veritrain {

const char* ExecutionModeName(ExecutionMode mode) {
  return mode == ExecutionMode::kInProcess ? "in-process" : "process";
}

Result<ExecutionMode> ParseExecutionMode(const std::string& text) {
  if (text == "process") return ExecutionMode::kProcess;
  if (text == "in-process") return ExecutionMode::kInProcess;
  return Status::InvalidArgument("execution mode must be \"process\" or \"in-process\", not \"" +
                                 text + "\"");
}

Status ProcessHost::Start(const RoleConfig& config, const std::string& config_path,
                          const std::string& log_path) {
  const std::string exe = "veritrain-" + config.role;
  std::vector<std::string> argv = {bin_dir_ + "/" + exe, "--config", config_path};
  const std::string label = exe + " (" + config.name + ")";
  Result<pid_t> pid = Status::Unavailable("no role launcher");
  if (launcher_ != nullptr) {
    pid = Launch(config, argv, log_path);
    if (pid.ok()) {
      supervisor_.Adopt(label, *pid);
    } else if (pid.status().code() == Status::Code::kUnavailable) {
      // The launcher has gone (killed, say): this role and the rest are
      // executed, which costs start-up time and nothing else.
      fallback_note_ = "role launcher failed, roles executed from " + bin_dir_ + ": " +
                       pid.status().message();
      spdlog::warn("{}", fallback_note_);
      launcher_ = nullptr;
    } else {
      return pid.status();
    }
  }
  if (launcher_ == nullptr) pid = supervisor_.Spawn(label, argv, log_path);
  if (!pid.ok()) return pid.status();
  names_[*pid] = config.name;
  failures_[*pid] = RoleFailurePath(config);
  ::unlink(failures_[*pid].c_str());  // a restarted role's earlier failure
  return Status::Ok();
}

Result<pid_t> ProcessHost::Launch(const RoleConfig& config, const std::vector<std::string>& argv,
                                  const std::string& log_path) {
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return Status::IOError("start " + config.name + ": cannot open log " + log_path + ": " +
                           std::strerror(errno));
  }
  Result<pid_t> pid = launcher_->Launch(config.role, argv, log_fd);
  ::close(log_fd);
  return pid;
}

std::vector<RoleExit> ProcessHost::Convert(const std::vector<ChildExit>& exits) const {
  std::vector<RoleExit> out;
  for (const auto& e : exits) {
    auto name = names_.find(e.pid);
    std::string description = e.Describe();
    auto failure = failures_.find(e.pid);
    if (!e.clean() && failure != failures_.end()) {
      // The role's own words, which its log (on a full disk) may not hold.
      std::ifstream in(failure->second);
      std::string why(4096, '\0');
      in.read(why.data(), static_cast<std::streamsize>(why.size()));
      why.resize(static_cast<size_t>(in.gcount()));
      if (!why.empty()) description += ": " + why;
    }
    out.push_back(RoleExit{e.label, e.clean(), description,
                           name == names_.end() ? "" : name->second,
                           WIFSIGNALED(e.wait_status) ? WTERMSIG(e.wait_status) : 0});
  }
  return out;
}

std::vector<RoleExit> ProcessHost::Collect() { return Convert(supervisor_.Reap()); }

std::vector<RoleExit> ProcessHost::WaitAll(std::chrono::milliseconds grace) {
  return Convert(supervisor_.WaitAll(grace));
}

void ProcessHost::Abort() {
  supervisor_.SignalAll(SIGKILL);
  supervisor_.WaitAll(std::chrono::seconds(5));
}

}  // namespace veritrain
