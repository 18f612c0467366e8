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

StagedFile::StagedFile(std::string path, std::string tmp, std::unique_ptr<WritableFile> file,
                       Env* env)
    : path_(std::move(path)), tmp_(std::move(tmp)), file_(std::move(file)), env_(env) {}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : path_(std::move(other.path_)),
      tmp_(std::move(other.tmp_)),
      file_(std::move(other.file_)),
      env_(other.env_) {}

StagedFile::~StagedFile() {
  if (file_ == nullptr) return;
  file_.reset();
  (void)env_->RemoveFile(tmp_);
}

Status StagedFile::Fail(const std::string& step, const Status& s) {
  file_.reset();
  (void)env_->RemoveFile(tmp_);
  return Status::IOError("write " + path_ + ": " + step + " " + tmp_ + ": " + s.message());
}

Status StagedFile::Publish() {
  if (file_ == nullptr) return Status::FailedPrecondition("write " + path_ + ": published twice");
  if (Status s = file_->Sync(); !s.ok()) return Fail("cannot fsync", s);
  if (Status s = file_->Close(); !s.ok()) return Fail("cannot close", s);
  if (Status s = env_->RenameFile(tmp_, path_); !s.ok()) {
    return Fail("cannot rename into place", s);
  }
  file_.reset();  // in place: nothing to remove any more
  if (Status s = env_->SyncDir(DirName(path_)); !s.ok()) {
    return Status::IOError("write " + path_ + ": cannot fsync directory " + DirName(path_) +
                           ": " + s.message());
  }
  return Status::Ok();
}

Result<StagedFile> StageFileAtomically(const std::string& path,
                                       const std::vector<std::string_view>& pieces,
                                       unsigned mode, Env* env,
                                       const std::function<void(uint64_t)>& reserved) {
  if (env == nullptr) env = Env::Default();
  std::string tmp = TempPath(path);
  auto file = env->NewWritableFile(tmp, mode);
  if (!file.ok()) {
    return Status::IOError("write " + path + ": cannot create temporary file " +
                           tmp + ": " + file.status().message());
  }
  // From here on, a failure closes and removes the temporary file.
  StagedFile staged(path, std::move(tmp), std::move(*file), env);
  uint64_t total = 0;
  for (std::string_view piece : pieces) total += piece.size();
  if (Status s = staged.file_->Reserve(total); !s.ok()) {
    return staged.Fail("cannot reserve space for", s);
  }
  if (reserved) reserved(total);
  for (std::string_view piece : pieces) {
    if (Status s = staged.file_->Append(piece); !s.ok()) return staged.Fail("cannot write", s);
  }
  return staged;
}

Status WriteFileAtomically(const std::string& path,
                           const std::vector<std::string_view>& pieces,
                           unsigned mode, Env* env) {
  VT_ASSIGN_OR_RETURN(StagedFile staged, StageFileAtomically(path, pieces, mode, env));
  return staged.Publish();
}

Result<Bytes> ReadFileBytes(const std::string& path, bool* mapped) {
  if (mapped != nullptr) *mapped = false;
  // Non-blocking: a FIFO in the file's place is refused below (not a
  // regular file), not waited on forever.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
  if (mapped != nullptr) *mapped = true;
  std::shared_ptr<const void> owner(
      addr, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  return Bytes::Borrow(std::move(owner), addr, size);
}

}  // namespace veritrain
