#include "core/state/atomic_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <system_error>

namespace veritrain {
namespace {

std::string ErrnoText(int e) { return std::generic_category().message(e); }

Status OsError(const std::string& what, const std::string& path, int e) {
  if (e == ENOENT)
    return Status::NotFound(what + " " + path + ": " + ErrnoText(e));
  return Status::IOError(what + " " + path + ": " + ErrnoText(e));
}

// The directory holding `path`, for the fsync that makes a rename durable.
std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string TempPath(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + ".tmp." + std::to_string(static_cast<long>(::getpid())) + "." +
         std::to_string(counter.fetch_add(1));
}

// Writes all of `data`, retrying short writes and EINTR. Returns 0 or errno.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    // Linux writes at most ~2 GiB per call; stay well under it.
    size_t chunk = std::min(data.size(), size_t{1} << 30);
    ssize_t n = ::write(fd, data.data(), chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // no progress: never loop forever
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

int SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

}  // namespace

Status WriteFileAtomically(const std::string& path,
                           const std::vector<std::string_view>& pieces,
                           unsigned mode) {
  const std::string tmp = TempPath(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  static_cast<mode_t>(mode));
  if (fd < 0) {
    return Status::IOError("write " + path + ": cannot create temporary file " +
                           tmp + ": " + ErrnoText(errno));
  }
  // Every failure below closes and removes the temporary file.
  auto fail = [&](const std::string& step, int e) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return Status::IOError("write " + path + ": " + step + " " + tmp + ": " +
                           ErrnoText(e));
  };
  for (std::string_view piece : pieces) {
    if (int e = WriteAll(fd, piece); e != 0) return fail("cannot write", e);
  }
  if (::fsync(fd) != 0) return fail("cannot fsync", errno);
  int close_rc = ::close(fd);
  fd = -1;
  if (close_rc != 0) return fail("cannot close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail("cannot rename into place", errno);
  }
  if (int e = SyncDir(DirName(path)); e != 0) {
    return Status::IOError("write " + path + ": cannot fsync directory " +
                           DirName(path) + ": " + ErrnoText(e));
  }
  return Status::Ok();
}

Result<Bytes> ReadFileBytes(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OsError("cannot open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return OsError("cannot stat", path, e);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError("cannot read " + path + ": not a regular file");
  }
  if (st.st_size <= 0) {
    // Empty (or a file whose size the kernel does not report): plain reads.
    std::string data;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        int e = errno;
        ::close(fd);
        return OsError("cannot read", path, e);
      }
      if (n == 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return Bytes::FromString(std::move(data));
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int map_errno = errno;
  ::close(fd);  // the mapping stays valid without the descriptor
  if (addr == MAP_FAILED) return OsError("cannot mmap", path, map_errno);
  std::shared_ptr<const void> owner(
      addr, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  return Bytes::Borrow(std::move(owner), addr, size);
}

}  // namespace veritrain
