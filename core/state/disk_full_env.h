// DiskFullEnv: an Env (env.h) over another one whose disk holds only
// `free_bytes` more bytes: the write that would go past them writes what
// still fits and fails with "No space left on device" (ENOSPC), as a full
// disk does; so does every write after it. A file's Reserve takes its bytes
// from the budget up front, all or nothing, as fallocate does. Renames, directory syncs and
// removals pass through; removing a file does not give its space back.
//
// Used by the tests of the writers (a checkpoint that cannot be written)
// and by a scenario's "disk_faults" (a solver whose disk fills up while it
// trains; docs/reliability.md).
//
// Thread-safety: thread-safe (the budget is shared by every file written
// through it).
#pragma once

#include <atomic>
#include <cstdint>

#include "core/state/env.h"

namespace veritrain {

class DiskFullEnv : public Env {
 public:
  // REQUIRES: `base` outlives this Env; free_bytes >= 0.
  DiskFullEnv(Env* base, int64_t free_bytes) : base_(base), free_(free_bytes) {}

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        unsigned mode) override;
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }

  // Bytes that still fit.
  int64_t free_bytes() const { return free_.load(); }

 private:
  friend class DiskFullFile;
  // Takes up to `want` bytes of the budget; returns how many it got.
  int64_t Take(int64_t want);

  Env* base_;
  std::atomic<int64_t> free_;
};

}  // namespace veritrain
