// Env: the file operations the project's crash-safe writers use
// (WriteFileAtomically, and through it checkpoint files), behind an
// interface so that a test — or a scenario's disk fault — can make them fail
// on purpose without filling a real disk, as LevelDB's Env does.
// Env::Default() is the POSIX one; DiskFullEnv (disk_full_env.h) is a disk
// that runs out of space.
//
// Errors are IOError values whose message ends with the OS error text
// ("No space left on device"), so that whoever reports them names the
// cause.
//
// Thread-safety: Env::Default() and DiskFullEnv may be used from several
// threads at once; a WritableFile from one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/util/status.h"

namespace veritrain {

// A file being written.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data` (retrying short writes). IOError with the OS
  // error text otherwise; some of `data` may then have been written.
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;  // fsync
  // Reserves the file's first `bytes` on the disk (fallocate), so that
  // writing them cannot then fail for want of space: IOError with the OS
  // error text ("No space left on device") when the disk cannot hold them.
  // Where the file system cannot reserve, nothing is reserved and a full
  // disk is reported by the writes. Default: reserves nothing.
  virtual Status Reserve(uint64_t bytes) { return Status::Ok(); }
  // Closes the file (also done, ignoring errors, by the destructor).
  virtual Status Close() = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The POSIX implementation; lives for the whole process.
  static Env* Default();
  // The POSIX implementation without fsync (Sync and SyncDir do nothing):
  // a file still replaces its path atomically, but one written just before
  // the machine fails may be lost. For files no restart reads: those of
  // roles that run as threads of the runner (which cannot crash alone).
  // Lives for the whole process.
  static Env* Volatile();

  // Creates `path`, which must not exist yet (O_EXCL), with `mode` less the
  // umask.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                unsigned mode) = 0;
  // rename(2): atomically replaces `to`.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // fsync of a directory, making a rename in it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // unlink(2).
  virtual Status RemoveFile(const std::string& path) = 0;
};

}  // namespace veritrain
