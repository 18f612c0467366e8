#include "core/state/env.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cerrno>
#include <system_error>

namespace veritrain {
namespace {

std::string OsErrorText(int e) { return std::generic_category().message(e); }

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(int fd, bool sync) : fd_(fd), sync_(sync) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      // At most kWritebackBytes per call, so that writeback starts while
      // a large piece is still being written.
      const size_t chunk = std::min(data.size(), kWritebackBytes);
      const ssize_t n = ::write(fd_, data.data(), chunk);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IOError(OsErrorText(errno));
      }
      if (n == 0) return Status::IOError(OsErrorText(EIO));  // never loop forever
      data.remove_prefix(static_cast<size_t>(n));
      written_ += static_cast<uint64_t>(n);
      StartWriteback();
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (sync_ && ::fsync(fd_) != 0) return Status::IOError(OsErrorText(errno));
    return Status::Ok();
  }

  Status Reserve(uint64_t bytes) override {
    if (bytes == 0) return Status::Ok();
    // fallocate(2), not posix_fallocate: where the file system cannot
    // reserve, glibc's fallback would write every byte twice.
    while (::fallocate(fd_, 0, 0, static_cast<off_t>(bytes)) != 0) {
      if (errno == EINTR) continue;
      if (errno == EOPNOTSUPP || errno == ENOSYS) return Status::Ok();
      return Status::IOError(OsErrorText(errno));
    }
    return Status::Ok();
  }

  // Once kWritebackBytes more are written, asks the kernel to start writing
  // them to the disk (sync_file_range, without waiting), as the file goes
  // on: the fsync at the end then waits for the tail, not for the whole
  // file. Only a hint: an error here is left for fsync to report.
  void StartWriteback() {
    if (!sync_ || written_ - started_ < kWritebackBytes) return;
    ::sync_file_range(fd_, static_cast<off64_t>(started_),
                      static_cast<off64_t>(written_ - started_), SYNC_FILE_RANGE_WRITE);
    started_ = written_;
  }

  Status Close() override {
    const int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return Status::IOError(OsErrorText(errno));
    return Status::Ok();
  }

 private:
  static constexpr size_t kWritebackBytes = size_t{8} << 20;
  int fd_;
  bool sync_;
  uint64_t written_ = 0;  // bytes appended
  uint64_t started_ = 0;  // bytes whose writeback has been started
};

// `sync` false: Sync and SyncDir do nothing (Env::Volatile).
class PosixEnv : public Env {
 public:
  explicit PosixEnv(bool sync) : sync_(sync) {}

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        unsigned mode) override {
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd < 0) return Status::IOError(OsErrorText(errno));
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, sync_));
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return Status::IOError(OsErrorText(errno));
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    if (!sync_) return Status::Ok();
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::IOError(OsErrorText(errno));
    const int rc = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    if (rc != 0) return Status::IOError(OsErrorText(rc));
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return Status::IOError(OsErrorText(errno));
    return Status::Ok();
  }

 private:
  const bool sync_;
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv(/*sync=*/true);  // never destroyed: used until exit
  return env;
}

Env* Env::Volatile() {
  static PosixEnv* env = new PosixEnv(/*sync=*/false);  // never destroyed: used until exit
  return env;
}

}  // namespace veritrain
