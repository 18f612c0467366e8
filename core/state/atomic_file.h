// Crash-safe whole-file writes and zero-copy whole-file reads (POSIX).
//
// WriteFileAtomically gives readers either the old file or the complete new
// one, never a torn mix, even across a crash or power loss: the bytes go to
// a temporary file in the same directory ("<path>.tmp.<pid>.<counter>"),
// which is fsync'ed, renamed over `path`, and then the directory is fsync'ed
// so that the rename itself is durable. The data is given as pieces so that
// a writer can stream many buffers (tensor bytes) without concatenating them.
//
// StageFileAtomically is the same write in two phases: it writes every byte
// to the temporary file, and StagedFile::Publish() then does the fsyncs and
// the rename. Nothing is at `path` until Publish(), so a caller can act on
// the content (commit to its hash) while the disk catches up. The
// temporary file's space is reserved (WritableFile::Reserve) before a byte
// is written, so a full disk is reported up front; a caller told of the
// reservation (`reserved`) can act then, while the bytes are written.
//
// ReadFileBytes maps the file read-only (mmap, PROT_READ, MAP_PRIVATE); the
// returned Bytes keeps the mapping alive and unmaps it when its last copy is
// released, so views into it (checkpoint tensors) cost no copy.
//
// Thread-safety: both functions are thread-safe. Concurrent writers of the
// same path each produce a complete file; the last rename wins.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/state/env.h"
#include "core/util/bytes.h"
#include "core/util/status.h"

namespace veritrain {

// Writes the concatenation of `pieces` to `path`, replacing any existing
// file whole. On any error the temporary file is removed and an IOError
// naming the path and the OS error text is returned; `path` is then either
// untouched or (if only the final directory fsync failed) already replaced.
// The file is created with `mode` less the umask (0600 for a secret: it is
// never readable by others, not even as the temporary file).
// File operations go through `env` (env.h; null: Env::Default()), so that a
// test can make them fail.
Status WriteFileAtomically(const std::string& path,
                           const std::vector<std::string_view>& pieces,
                           unsigned mode = 0666, Env* env = nullptr);

// A file whose bytes are all in its temporary file, not yet in place.
// Destroying it unpublished removes the temporary file. Movable, not
// copyable. Thread-safety: one thread at a time.
class StagedFile {
 public:
  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&& other) = delete;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();

  // fsync, close, rename over the path, fsync of the directory: the errors
  // and the state of `path` after one are WriteFileAtomically's.
  // REQUIRES: called at most once.
  Status Publish();

  const std::string& path() const { return path_; }

 private:
  friend Result<StagedFile> StageFileAtomically(const std::string&,
                                                const std::vector<std::string_view>&,
                                                unsigned, Env*,
                                                const std::function<void(uint64_t)>&);
  StagedFile(std::string path, std::string tmp, std::unique_ptr<WritableFile> file, Env* env);
  // Closes and removes the temporary file; an IOError naming `step`.
  Status Fail(const std::string& step, const Status& s);

  std::string path_;
  std::string tmp_;
  std::unique_ptr<WritableFile> file_;  // null once published or failed
  Env* env_;
};

// The first phase of WriteFileAtomically: the temporary file's space
// reserved, then `reserved` called with the file's size in bytes (when
// given; on this thread), then every
// byte of `pieces` written to it (the pieces may be released on return).
// Errors as WriteFileAtomically's; the temporary file is then removed.
Result<StagedFile> StageFileAtomically(const std::string& path,
                                       const std::vector<std::string_view>& pieces,
                                       unsigned mode = 0666, Env* env = nullptr,
                                       const std::function<void(uint64_t)>& reserved = nullptr);

// The whole contents of `path`. NotFound if it does not exist, IOError for
// any other OS failure or if it is not a regular file. The file is mapped
// read-only (its pages are the page cache's, shared) unless the kernel does
// not report its size; `mapped`, when given, says which.
// REQUIRES: nobody truncates the file in place while the result (or a view
// into it) lives; files replaced by WriteFileAtomically never are (the old
// inode stays intact).
Result<Bytes> ReadFileBytes(const std::string& path, bool* mapped = nullptr);

}  // namespace veritrain
