// EventLog: the arbiter's append-only, hash-chained record of what happened,
// written as JSON Lines (events.jsonl).
//
// Each line is one JSON object with exactly these fields:
//   {"seq": n, "time_ms": t, "type": "...", "task": "...", "data": {...},
//    "prev": hex, "hash": hex}
// seq is 0-based and equals the line number minus one; time_ms comes from
// the injected Clock; prev is the hash of the previous line (64 zeros for
// the first); hash = SHA-256 of the canonical dump of the line object
// WITHOUT "hash" (nlohmann::json::dump(): keys sorted, no spaces, UTF-8).
// Numbers in data must be finite, so that the dump reads back to itself.
//
// File mode: Open(path) appends to the file. If the file already holds a
// log, it is verified first and the chain continues from its last line; a
// corrupt or truncated file is refused (Corruption), never appended to.
// Each Append writes one full line (write(2), retried on partial writes)
// and, when `durable`, fdatasync()s it. After a failed write the log
// refuses further appends. One writer per file.
// The canonical form is also checked on reading: a line that parses but is
// not byte-identical to its canonical dump (spaces, reordered or duplicated
// keys) is Corruption.
// In-memory mode: an empty path writes no file and keeps the events in
// memory (events()). File mode keeps only the count and the head: the file
// holds the events, and a log that grows with every task must not grow the
// arbiter's memory with it (ReadEventLog reads them back).
//
// Thread-safety: not thread-safe; the arbiter owns its log on one thread.
// Lifetime: the Clock passed to Open must outlive the EventLog.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/protocol/clock.h"
#include "core/util/status.h"

namespace veritrain {

struct Event {
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::string type;  // one of core/protocol/events.h, e.g. "task_posted", "verdict"
  std::string task;  // "" for events that belong to no task
  nlohmann::json data = nlohmann::json::object();
  Digest prev;
  Digest hash;
};

class EventLog {
 public:
  // REQUIRES: clock != nullptr (InvalidArgument otherwise).
  // IOError when the file cannot be opened; Corruption when it holds an
  // invalid log.
  static Result<EventLog> Open(const std::string& path, const Clock* clock,
                               bool durable = false);

  EventLog(EventLog&& other) noexcept;
  EventLog& operator=(EventLog&& other) noexcept;
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  ~EventLog();

  // Appends one event stamped with the clock's time and returns its hash.
  // `data` must be a JSON object (null is taken as {}).
  // InvalidArgument for an empty type, non-object data, a non-finite number
  // or invalid UTF-8; IOError when the write fails; FailedPrecondition after
  // an earlier failed write. Nothing is appended on error.
  Result<Digest> Append(const std::string& type, const std::string& task,
                        const nlohmann::json& data);

  // Hash of the last event; 32 zero bytes for an empty log.
  Digest head() const { return head_; }
  uint64_t size() const { return size_; }
  // The time the last event appended by this object was stamped with (0
  // before the first): what a writer that acts after appending takes as
  // the time of its act, the time a replay of the log will use.
  int64_t last_time_ms() const { return last_time_ms_; }
  // Every event, in memory mode; empty in file mode.
  const std::vector<Event>& events() const { return events_; }
  const std::string& path() const { return path_; }  // "" in memory mode

 private:
  EventLog(std::string path, const Clock* clock, bool durable);

  std::string path_;
  const Clock* clock_ = nullptr;
  bool durable_ = false;
  int fd_ = -1;
  std::string failed_;  // why the last write failed; "" when healthy
  uint64_t size_ = 0;
  int64_t last_time_ms_ = 0;
  Digest head_;
  std::vector<Event> events_;  // memory mode only
};

// The line of `e` without the trailing newline, with e.hash as given.
// InvalidArgument when e.data cannot be dumped (invalid UTF-8).
Result<std::string> EventToLine(const Event& e);

// Reads and verifies a log file: every line parses, has exactly the fields
// above, numbers seq from 0, links prev to the previous hash and matches its
// hash. Corruption naming the file and the first bad line (1-based), or
// "truncated last line" when the file does not end with a newline;
// NotFound when the file does not exist; IOError when it cannot be read.
Result<std::vector<Event>> ReadEventLog(const std::string& path);

// As ReadEventLog, on text already in memory; `name` is used in messages.
Result<std::vector<Event>> ParseEventLog(std::string_view text,
                                         const std::string& name);

// Verifies the chain of events held in memory (EventLog::events()).
// Corruption naming the first bad seq.
Status VerifyEvents(const std::vector<Event>& events);

}  // namespace veritrain
