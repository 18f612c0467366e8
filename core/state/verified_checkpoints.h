// VerifiedCheckpoints: reads checkpoint files a process serves again and
// again, hashing each file's bytes once rather than on every read.
//
// The first Read of a file verifies it in full (ReadCheckpoint: the
// trailer over header and manifest, and every tensor's hash). Later reads of the same file — same path, device,
// inode, size and modification time — only map it and check its structure
// (MapCheckpoint), so their state_hash and tensor_hashes are those the
// first read verified. A file replaced or rewritten since (a new inode, size
// or mtime) is verified afresh. A change to the bytes that keeps all of
// these (bit rot, a write through another mapping) is not seen here: the
// tensors are served as they are, and a receiver that checks each tensor
// against its hash (every wire message receiver, core/wire/message.h)
// refuses them, naming the tensor.
//
// Thread-safety: Read and Forget may be called from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/state/checkpoint_file.h"
#include "core/util/status.h"

namespace veritrain {

class VerifiedCheckpoints {
 public:
  // At most this many files are remembered; past it the memory is cleared
  // and files are verified again on their next read.
  static constexpr size_t kMaxFiles = 1 << 16;

  // The checkpoint at `path`, verified in full unless this file was verified
  // before (see above). Errors as ReadCheckpoint's.
  Result<Checkpoint> Read(const std::string& path);

  // Verifies `path` in full on its next Read.
  void Forget(const std::string& path);

  // How many reads verified (or tried to verify) a file in full.
  int64_t full_reads() const;

 private:
  struct Stamp {
    uint64_t device = 0, inode = 0, size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Stamp& o) const {
      return device == o.device && inode == o.inode && size == o.size &&
             mtime_ns == o.mtime_ns;
    }
  };
  static Result<Stamp> StampOf(const std::string& path);

  mutable std::mutex mu_;
  std::map<std::string, Stamp> verified_;  // guarded by mu_
  int64_t full_reads_ = 0;                 // guarded by mu_
};

}  // namespace veritrain
