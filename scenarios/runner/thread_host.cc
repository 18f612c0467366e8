#include "scenarios/runner/thread_host.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "arbiter/arbiter.h"
#include "core/protocol/clock.h"
#include "core/train/hardware_profile.h"
#include "core/train/job_environment.h"
#include "scenarios/runner/in_process_profile.h"
#include "scenarios/runner/process_supervisor.h"
#include "scenarios/runner/thread_log.h"
#include "solver/solver.h"
#include "verifier/verifier.h"

namespace veritrain {

Status RunRoleOnThisThread(zmq::context_t& ctx, const RoleConfig& config) {
  try {
    // What each role's main does before creating the role (arbiter/main.cc,
    // solver/main.cc, verifier/main.cc), minus the process-wide part of the
    // profile, which AdmitInProcess applied.
    VT_RETURN_IF_ERROR(ApplyJobEnvironment({config.plugins, config.job_dir}));
    VT_ASSIGN_OR_RETURN(HardwareProfile profile, HardwareProfile::FromJson(config.profile));
    VT_RETURN_IF_ERROR(ApplyThreadProfile(profile));
    if (config.role == "arbiter") {
      SystemClock clock;
      VT_ASSIGN_OR_RETURN(auto arbiter, Arbiter::Create(ctx, config, &clock));
      return arbiter->Run();
    }
    if (config.role == "solver") {
      VT_ASSIGN_OR_RETURN(auto solver, Solver::Create(ctx, config));
      return solver->Run();
    }
    if (config.role == "verifier") {
      VT_ASSIGN_OR_RETURN(auto verifier, Verifier::Create(ctx, config));
      return verifier->Run();
    }
    return Status::InvalidArgument("unknown role '" + config.role + "'");
  } catch (const std::exception& e) {
    return Status::Internal(config.role + " " + config.name + " threw: " + e.what());
  } catch (...) {
    return Status::Internal(config.role + " " + config.name + " threw a non-standard exception");
  }
}

// Everything a role thread touches besides its role: shared with the
// threads so that a detached thread never outlives it.
struct ThreadHost::Shared {
  struct Slot {
    std::string label;
    std::thread thread;
    bool done = false;
    bool collected = false;
    bool detached = false;
    Status result;
    std::shared_ptr<std::atomic<bool>> mute_log;  // the thread's log, once open
  };

  std::shared_ptr<zmq::context_t> ctx;
  int wake[2] = {-1, -1};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<Slot>> slots;  // guarded by mu
  bool aborted = false;                      // guarded by mu

  ~Shared() {
    if (wake[0] >= 0) ::close(wake[0]);
    if (wake[1] >= 0) ::close(wake[1]);
  }

  void Finished(Slot* slot, Status result) {
    {
      std::lock_guard<std::mutex> lock(mu);
      slot->done = true;
      slot->result = std::move(result);
    }
    cv.notify_all();
    char c = 0;
    [[maybe_unused]] ssize_t n = ::write(wake[1], &c, 1);
  }

  bool AllDone() const {
    for (const auto& s : slots) {
      if (!s->done && !s->detached) return false;
    }
    return true;
  }

  // REQUIRES: mu held.
  std::vector<RoleExit> CollectLocked() {
    std::vector<RoleExit> out;
    for (auto& s : slots) {
      if (s->collected) continue;
      if (s->done) {
        s->collected = true;
        out.push_back(RoleExit{s->label, s->result.ok(),
                               s->result.ok() ? "ended" : "failed: " + s->result.ToString(),
                               "", 0});
      } else if (s->detached) {
        s->collected = true;
        out.push_back(RoleExit{s->label, false,
                               "did not end after its sockets were shut down; left running",
                               "", 0});
      }
    }
    return out;
  }

  // Joins every thread that has ended.
  void JoinDone() {
    std::vector<std::thread*> threads;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& s : slots) {
        if (s->done && s->thread.joinable()) threads.push_back(&s->thread);
      }
    }
    for (std::thread* t : threads) t->join();
  }
};

ThreadHost::ThreadHost(std::shared_ptr<zmq::context_t> ctx,
                       std::chrono::milliseconds abort_grace)
    : shared_(std::make_shared<Shared>()), abort_grace_(abort_grace) {
  InstallRunnerSignalHandlers();
  InstallThreadLogRouting();
  shared_->ctx = std::move(ctx);
  if (::pipe2(shared_->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    shared_->wake[0] = shared_->wake[1] = -1;
  }
}

ThreadHost::~ThreadHost() {
  bool running;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    running = !shared_->AllDone();
  }
  if (running) Abort();
  shared_->JoinDone();
}

Status ThreadHost::Start(const RoleConfig& config, const std::string& /*config_path*/,
                         const std::string& log_path) {
  auto slot = std::make_unique<Shared::Slot>();
  slot->label = config.role + " thread (" + config.name + ")";
  Shared::Slot* raw = slot.get();
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->slots.push_back(std::move(slot));
  }
  try {
    std::shared_ptr<Shared> shared = shared_;
    raw->thread = std::thread([shared, raw, config, log_path] {
      Status s;
      {
        ScopedThreadLog log(log_path, config.role);
        {
          std::lock_guard<std::mutex> lock(shared->mu);
          raw->mute_log = log.mute_flag();
        }
        s = RunRoleOnThisThread(*shared->ctx, config);
        if (!s.ok()) spdlog::error("{}", s.ToString());
      }
      shared->Finished(raw, s);
    });
  } catch (const std::exception& e) {
    shared_->Finished(raw, Status::Internal(std::string("cannot start a thread: ") + e.what()));
    return Status::Internal("starting " + raw->label + ": " + e.what());
  }
  return Status::Ok();
}

std::vector<int> ThreadHost::wake_fds() const { return {shared_->wake[0], RunnerWakeFd()}; }

bool ThreadHost::interrupted() const { return RunnerInterrupted(); }

size_t ThreadHost::running() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  size_t n = 0;
  for (const auto& s : shared_->slots) n += s->collected ? 0 : 1;
  return n;
}

std::vector<RoleExit> ThreadHost::Collect() {
  char buf[64];
  while (shared_->wake[0] >= 0 && ::read(shared_->wake[0], buf, sizeof(buf)) > 0) {
  }
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->CollectLocked();
}

std::vector<RoleExit> ThreadHost::WaitAll(std::chrono::milliseconds grace) {
  bool all;
  {
    std::unique_lock<std::mutex> lock(shared_->mu);
    all = shared_->cv.wait_for(lock, grace, [this] { return shared_->AllDone(); });
  }
  if (!all) Abort();
  shared_->JoinDone();
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->CollectLocked();
}

void ThreadHost::Abort() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->aborted) return;
    shared_->aborted = true;
  }
  shared_->ctx->shutdown();
  std::unique_lock<std::mutex> lock(shared_->mu);
  shared_->cv.wait_for(lock, abort_grace_, [this] { return shared_->AllDone(); });
  for (auto& s : shared_->slots) {
    if (!s->done && !s->detached && s->thread.joinable()) {
      spdlog::error("{} did not end within {} ms of its sockets being shut down; leaving it "
                    "running",
                    s->label, abort_grace_.count());
      s->thread.detach();
      s->detached = true;
      // Whatever it still does must not fill its log file.
      if (s->mute_log) s->mute_log->store(true);
    }
  }
  lock.unlock();
  shared_->JoinDone();
}

}  // namespace veritrain
