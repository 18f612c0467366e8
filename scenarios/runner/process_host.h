// ProcessHost: runs each role as its own process, with
// `--config <role config file>`, output to the role's log: forked from the
// role launcher when one is given (role_launcher.h: no second start-up of
// LibTorch), else the executable (veritrain-arbiter, veritrain-solver,
// veritrain-verifier from `bin_dir`). Should the launcher fail, the role is
// executed instead and fallback_note() says why. A
// role that fails says why in its exit's description (the error it left at
// RoleFailurePath, core/role/role_main.h), whatever its log holds.
// Built on ProcessSupervisor: no child outlives the host.
//
// Thread-safety: as RoleHost. Several hosts may live in one process (one
// per concurrent run of a sweep).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "scenarios/runner/process_supervisor.h"
#include "scenarios/runner/role_host.h"
#include "scenarios/runner/role_launcher.h"

namespace veritrain {

class ProcessHost : public RoleHost {
 public:
  // `launcher` may be null (every role is executed).
  ProcessHost(std::string bin_dir, RoleLauncher* launcher)
      : bin_dir_(std::move(bin_dir)), launcher_(launcher) {}

  Status Start(const RoleConfig& config, const std::string& config_path,
               const std::string& log_path) override;
  std::vector<int> wake_fds() const override { return {supervisor_.wake_fd()}; }
  std::vector<RoleExit> Collect() override;
  std::vector<RoleExit> WaitAll(std::chrono::milliseconds grace) override;
  void Abort() override;
  bool interrupted() const override { return supervisor_.interrupted(); }
  size_t running() const override { return supervisor_.running(); }
  // Empty unless the launcher failed and roles were executed instead.
  const std::string& fallback_note() const { return fallback_note_; }

 private:
  std::vector<RoleExit> Convert(const std::vector<ChildExit>& exits) const;

  Result<pid_t> Launch(const RoleConfig& config, const std::vector<std::string>& argv,
                       const std::string& log_path);

  std::string bin_dir_;
  RoleLauncher* launcher_;
  std::string fallback_note_;
  std::map<pid_t, std::string> names_;     // participant of each child
  std::map<pid_t, std::string> failures_;  // its RoleFailurePath
  ProcessSupervisor supervisor_;
};

}  // namespace veritrain
