// LedgerFile: the arbiter's ledger.jsonl, written as the ledger grows.
//
// One line per ledger entry, in the JSON form of Ledger::EntryToJson
// (core/protocol/ledger.h). Start() writes every entry so far as a new file
// (crash-safely: temp file, fsync, rename) — the genesis mints on a first
// start, the replayed ledger after a restart, replacing whatever an earlier
// run or a crashed process left; Sync() then appends the entries made since
// (write(2), and fdatasync when `durable`). The arbiter syncs after every
// event it logs, so the file is never ahead of the event log and at most
// the entries of the event being logged behind it: an arbiter killed after
// its last verdict leaves a ledger.jsonl that holds every settled transfer
// (before, the file was written only at shutdown, and such a run had none).
//
// Thread-safety: not thread-safe; one writer per file.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/protocol/ledger.h"
#include "core/util/status.h"

namespace veritrain {

class LedgerFile {
 public:
  LedgerFile() = default;  // writes nothing (no path)
  LedgerFile(LedgerFile&& other) noexcept;
  LedgerFile& operator=(LedgerFile&& other) noexcept;
  LedgerFile(const LedgerFile&) = delete;
  LedgerFile& operator=(const LedgerFile&) = delete;
  ~LedgerFile();

  // Replaces `path` with `entries` and keeps it open for Sync.
  // IOError naming the path when it cannot be written or opened.
  static Result<LedgerFile> Start(const std::string& path,
                                  const std::vector<LedgerEntry>& entries,
                                  bool durable);

  // Appends entries[written()..] to the file.
  // REQUIRES: `entries` extends the entries written so far (the same
  // ledger's entries()). IOError on a failed write; after one, every
  // further Sync fails too.
  Status Sync(const std::vector<LedgerEntry>& entries);

  size_t written() const { return written_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool durable_ = false;
  size_t written_ = 0;
  std::string failed_;
};

}  // namespace veritrain
