// ThreadHost: runs each role (Arbiter, Solver, Verifier) as a thread of the
// runner's process, on the runner's ZeroMQ context, so that inproc://
// endpoints connect them. The roles are the same classes the role
// executables run, with the same configs and keys; only the transport and
// the process boundary differ.
//
// Each role thread logs to its own file (ScopedThreadLog) and applies its
// own thread count (ApplyThreadProfile); the process-wide part of the
// profiles must have been admitted by AdmitInProcess first.
//
// A role thread cannot be killed. Roles end on the arbiter's shutdown
// event; Abort() is the last resort: it shuts the ZeroMQ context down, so
// that each role's next socket operation fails, and waits a bounded time
// for the threads to end (a role computing a training step finishes the
// step first). A thread still running then is detached and reported; it
// keeps the context and the host's shared state alive (both are
// reference-counted), so nothing it touches is freed under it, and the
// runner never hangs on it.
//
// Thread-safety: as RoleHost.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include <zmq.hpp>

#include "scenarios/runner/role_host.h"

namespace veritrain {

class ThreadHost : public RoleHost {
 public:
  explicit ThreadHost(std::shared_ptr<zmq::context_t> ctx,
                      std::chrono::milliseconds abort_grace = std::chrono::seconds(10));
  ~ThreadHost() override;  // aborts roles still running
  ThreadHost(const ThreadHost&) = delete;
  ThreadHost& operator=(const ThreadHost&) = delete;

  Status Start(const RoleConfig& config, const std::string& config_path,
               const std::string& log_path) override;
  std::vector<int> wake_fds() const override;
  std::vector<RoleExit> Collect() override;
  std::vector<RoleExit> WaitAll(std::chrono::milliseconds grace) override;
  void Abort() override;
  bool interrupted() const override;
  size_t running() const override;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::chrono::milliseconds abort_grace_;
};

// Runs one role on the calling thread until it ends: applies the role's job
// environment and thread count, creates the role object on `ctx` and runs
// it. Exceptions are turned into errors.
Status RunRoleOnThisThread(zmq::context_t& ctx, const RoleConfig& config);

}  // namespace veritrain
