#include "core/state/verified_checkpoints.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace veritrain {

Result<VerifiedCheckpoints::Stamp> VerifiedCheckpoints::StampOf(
    const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const std::string why = std::strerror(errno);
    if (errno == ENOENT) return Status::NotFound(path + ": " + why);
    return Status::IOError(path + ": " + why);
  }
  Stamp s;
  s.device = static_cast<uint64_t>(st.st_dev);
  s.inode = static_cast<uint64_t>(st.st_ino);
  s.size = static_cast<uint64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
               st.st_mtim.tv_nsec;
  return s;
}

Result<Checkpoint> VerifiedCheckpoints::Read(const std::string& path) {
  VT_ASSIGN_OR_RETURN(Stamp before, StampOf(path));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = verified_.find(path);
    if (it != verified_.end() && it->second == before) {
      auto mapped = MapCheckpoint(path);
      // Mapped the same file (not one renamed over it since the stat).
      auto after = StampOf(path);
      if (mapped.ok() && after.ok() && *after == before) return mapped;
      verified_.erase(it);
    }
    ++full_reads_;
  }
  VT_ASSIGN_OR_RETURN(Checkpoint c, ReadCheckpoint(path));
  auto after = StampOf(path);
  std::lock_guard<std::mutex> lock(mu_);
  // Remember the file only when it stayed the same around the read.
  if (after.ok() && *after == before) {
    if (verified_.size() >= kMaxFiles) verified_.clear();
    verified_[path] = before;
  }
  return c;
}

void VerifiedCheckpoints::Forget(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  verified_.erase(path);
}

int64_t VerifiedCheckpoints::full_reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return full_reads_;
}

}  // namespace veritrain
