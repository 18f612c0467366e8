#include "scenarios/runner/process_host.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

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
  auto pid = supervisor_.Spawn(exe + " (" + config.name + ")", argv, log_path);
  if (!pid.ok()) return pid.status();
  names_[*pid] = config.name;
  failures_[*pid] = RoleFailurePath(config);
  ::unlink(failures_[*pid].c_str());  // a restarted role's earlier failure
  return Status::Ok();
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
