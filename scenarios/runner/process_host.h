// ProcessHost: runs each role as its own executable
// (veritrain-arbiter, veritrain-solver, veritrain-verifier from `bin_dir`),
// started with `--config <role config file>`, output to the role's log. A
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

namespace veritrain {

class ProcessHost : public RoleHost {
 public:
  explicit ProcessHost(std::string bin_dir) : bin_dir_(std::move(bin_dir)) {}

  Status Start(const RoleConfig& config, const std::string& config_path,
               const std::string& log_path) override;
  std::vector<int> wake_fds() const override { return {supervisor_.wake_fd()}; }
  std::vector<RoleExit> Collect() override;
  std::vector<RoleExit> WaitAll(std::chrono::milliseconds grace) override;
  void Abort() override;
  bool interrupted() const override { return supervisor_.interrupted(); }
  size_t running() const override { return supervisor_.running(); }

 private:
  std::vector<RoleExit> Convert(const std::vector<ChildExit>& exits) const;

  std::string bin_dir_;
  std::map<pid_t, std::string> names_;     // participant of each child
  std::map<pid_t, std::string> failures_;  // its RoleFailurePath
  ProcessSupervisor supervisor_;
};

}  // namespace veritrain
