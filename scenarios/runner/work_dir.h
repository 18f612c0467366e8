// WorkDir: a run's private temp dir, $TMPDIR/veritrain-XXXXXX (mode 0700),
// holding what must not outlive the run: Ed25519 and CURVE keys, role
// configs, ipc:// endpoints, checkpoints.
//
// The run removes it when it ends. A run that cannot — `veritrain` killed
// with SIGKILL, a power loss — would leave keys behind, so every dir
// carries a liveness lock: "owner.lock", on which its run holds an
// exclusive flock(2) for as long as it lives (the kernel drops it when the
// process dies, however it dies). The lock file is created under a
// temporary name, locked, then renamed, so an "owner.lock" that nobody
// holds always means a dead run. RemoveStaleWorkDirs, called at the start
// of every run, removes those dirs. A dir without "owner.lock" (one being
// created this instant, or kept with --keep-workdir) is left alone.
//
// Thread-safety: a WorkDir is used by one thread; RemoveStaleWorkDirs is
// thread-safe (the runs of a sweep call it concurrently; a dir whose run
// is alive is never removed, in this process or another).
#pragma once

#include <string>

#include "core/util/status.h"

namespace veritrain {

class WorkDir {
 public:
  WorkDir() = default;
  WorkDir(WorkDir&& other) noexcept;
  WorkDir& operator=(WorkDir&& other) noexcept;
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  // Removes the dir, unless Keep() was called.
  ~WorkDir();

  // Makes "<tmp>/veritrain-XXXXXX" and takes its lock. IOError naming the
  // path when it cannot.
  static Result<WorkDir> Create(const std::string& tmp);

  const std::string& path() const { return path_; }

  // Leaves the dir in place when this is destroyed (--keep-workdir), and
  // drops its lock file so that no later run takes it for a dead one.
  void Keep();

 private:
  void Release();
  std::string path_;
  int lock_fd_ = -1;
  bool keep_ = false;
};

// $TMPDIR, or /tmp when it is unset or empty.
std::string TempRoot();

// Removes every "veritrain-*" dir in `tmp` whose "owner.lock" exists and is
// not held. Returns how many it removed.
int RemoveStaleWorkDirs(const std::string& tmp);

}  // namespace veritrain
