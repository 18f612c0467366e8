// Per-thread log files for roles that run as threads of one process.
//
// spdlog's default logger is process-wide, and the roles log through it. In
// process mode each role's output goes to its own log file because it is its
// own process; in in-process mode InstallThreadLogRouting() puts a routing
// sink in front of the default logger, and a role thread that holds a
// ScopedThreadLog has its messages written to its own file instead (same
// file names and line format as process mode). Messages from other threads
// go where they went before.
//
// Thread-safety: InstallThreadLogRouting() is idempotent and thread-safe,
// but must not race with a change of the default logger by someone else.
// A ScopedThreadLog affects only the thread that created it, and must be
// destroyed on that thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/util/status.h"

namespace spdlog::sinks {
class sink;
}  // namespace spdlog::sinks

namespace veritrain {

void InstallThreadLogRouting();

class ScopedThreadLog {
 public:
  // Opens (appends to) `path`; lines are prefixed "[<label>]" like a role
  // process's. If the file cannot be opened the thread keeps the default
  // destination and ok() is false.
  ScopedThreadLog(const std::string& path, const std::string& label);
  ~ScopedThreadLog();
  ScopedThreadLog(const ScopedThreadLog&) = delete;
  ScopedThreadLog& operator=(const ScopedThreadLog&) = delete;

  bool ok() const { return sink_ != nullptr; }

  // Setting this flag (from any thread) drops every later message of the
  // thread: for a thread that is left running after its run has ended.
  std::shared_ptr<std::atomic<bool>> mute_flag() const { return muted_; }

 private:
  std::shared_ptr<std::atomic<bool>> muted_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<spdlog::sinks::sink> sink_;
  std::shared_ptr<spdlog::sinks::sink> previous_;
};

}  // namespace veritrain
