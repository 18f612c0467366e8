#include "scenarios/runner/work_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace veritrain {
namespace {

namespace fs = std::filesystem;
constexpr const char* kOwnerLock = "owner.lock";

}  // namespace

std::string TempRoot() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != 0 ? tmp : "/tmp";
}

WorkDir::WorkDir(WorkDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_), keep_(other.keep_) {
  other.path_.clear();
  other.lock_fd_ = -1;
}

WorkDir& WorkDir::operator=(WorkDir&& other) noexcept {
  if (this != &other) {
    Release();
    path_ = std::move(other.path_);
    lock_fd_ = other.lock_fd_;
    keep_ = other.keep_;
    other.path_.clear();
    other.lock_fd_ = -1;
  }
  return *this;
}

WorkDir::~WorkDir() { Release(); }

void WorkDir::Release() {
  if (!path_.empty() && !keep_) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
  path_.clear();
}

void WorkDir::Keep() {
  keep_ = true;
  std::error_code ec;
  fs::remove(path_ + "/" + kOwnerLock, ec);
}

Result<WorkDir> WorkDir::Create(const std::string& tmp) {
  std::string pattern = tmp + "/veritrain-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back(0);
  if (::mkdtemp(buf.data()) == nullptr) {
    return Status::IOError("cannot create a private temp dir from " + pattern + ": " +
                           std::strerror(errno));
  }
  WorkDir dir;
  dir.path_ = buf.data();
  // Locked under a temporary name, then renamed: "owner.lock" is never seen
  // unlocked while its run lives.
  const std::string staging = dir.path_ + "/owner.lock.new";
  dir.lock_fd_ = ::open(staging.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (dir.lock_fd_ < 0 || ::flock(dir.lock_fd_, LOCK_EX) != 0 ||
      ::rename(staging.c_str(), (dir.path_ + "/" + kOwnerLock).c_str()) != 0) {
    return Status::IOError("cannot lock the private temp dir " + dir.path_ + ": " +
                           std::strerror(errno));
  }
  return Result<WorkDir>(std::move(dir));
}

int RemoveStaleWorkDirs(const std::string& tmp) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("veritrain-", 0) != 0) continue;
    std::error_code dir_ec;
    if (!it->is_directory(dir_ec) || it->is_symlink(dir_ec)) continue;
    const std::string lock = it->path().string() + "/" + kOwnerLock;
    const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;  // no lock file: being created, kept, or not ours
    const bool dead = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (dead) {
      fs::remove_all(it->path(), dir_ec);
      if (!dir_ec) ++removed;
    }
    ::close(fd);
  }
  return removed;
}

}  // namespace veritrain
