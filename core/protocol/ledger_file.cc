#include "core/protocol/ledger_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/state/atomic_file.h"

namespace veritrain {
namespace {

std::string LedgerLines(const std::vector<LedgerEntry>& entries, size_t from) {
  std::string text;
  for (size_t i = from; i < entries.size(); ++i) {
    text += Ledger::EntryToJson(entries[i]).dump() + "\n";
  }
  return text;
}

}  // namespace

LedgerFile::LedgerFile(LedgerFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      durable_(other.durable_),
      written_(other.written_),
      failed_(std::move(other.failed_)) {}

LedgerFile& LedgerFile::operator=(LedgerFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    durable_ = other.durable_;
    written_ = other.written_;
    failed_ = std::move(other.failed_);
  }
  return *this;
}

LedgerFile::~LedgerFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<LedgerFile> LedgerFile::Start(const std::string& path,
                                     const std::vector<LedgerEntry>& entries,
                                     bool durable) {
  const std::string text = LedgerLines(entries, 0);
  VT_RETURN_IF_ERROR(WriteFileAtomically(path, {text}));
  LedgerFile f;
  f.path_ = path;
  f.durable_ = durable;
  f.fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (f.fd_ < 0) {
    return Status::IOError("cannot open " + path +
                           " to append: " + std::strerror(errno));
  }
  f.written_ = entries.size();
  return f;
}

Status LedgerFile::Sync(const std::vector<LedgerEntry>& entries) {
  if (fd_ < 0 || entries.size() <= written_) return Status::Ok();
  if (!failed_.empty()) {
    return Status::FailedPrecondition(path_ + ": an earlier write failed (" +
                                      failed_ + ")");
  }
  const std::string text = LedgerLines(entries, written_);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed_ = std::strerror(errno);
      return Status::IOError("writing " + path_ + ": " + failed_);
    }
    done += static_cast<size_t>(n);
  }
  if (durable_ && ::fdatasync(fd_) != 0) {
    failed_ = std::strerror(errno);
    return Status::IOError("fdatasync " + path_ + ": " + failed_);
  }
  written_ = entries.size();
  return Status::Ok();
}

}  // namespace veritrain
