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

}  // namespace

Status WriteFileAtomically(const std::string& path,
                           const std::vector<std::string_view>& pieces,
                           unsigned mode, Env* env) {
  if (env == nullptr) env = Env::Default();
  const std::string tmp = TempPath(path);
  auto file = env->NewWritableFile(tmp, mode);
  if (!file.ok()) {
    return Status::IOError("write " + path + ": cannot create temporary file " +
                           tmp + ": " + file.status().message());
  }
  // Every failure below closes and removes the temporary file.
  auto fail = [&](const std::string& step, const Status& s) {
    file->reset();
    (void)env->RemoveFile(tmp);
    return Status::IOError("write " + path + ": " + step + " " + tmp + ": " +
                           s.message());
  };
  for (std::string_view piece : pieces) {
    if (Status s = (*file)->Append(piece); !s.ok()) return fail("cannot write", s);
  }
  if (Status s = (*file)->Sync(); !s.ok()) return fail("cannot fsync", s);
  if (Status s = (*file)->Close(); !s.ok()) return fail("cannot close", s);
  if (Status s = env->RenameFile(tmp, path); !s.ok()) {
    return fail("cannot rename into place", s);
  }
  if (Status s = env->SyncDir(DirName(path)); !s.ok()) {
    return Status::IOError("write " + path + ": cannot fsync directory " +
                           DirName(path) + ": " + s.message());
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
