// LogLimiter: how much a flood of one kind of message may write to a role's
// log.
//
// A role logs every message it rejects (garbage, forged, replayed, from an
// outsider) or refuses; 200,000 rejects once made a 30 MB log. With a
// limiter, the first `burst` occurrences of each kind (a reject reason, a
// refusal) are logged in full, and after that at most one line per kind
// every `period_ms`, saying how many were not logged one by one since the
// last such line. Counting is the Messenger's (rejected_messages in the
// role report): the limiter only decides what is written.
//
// Thread-safety: not thread-safe; one per Messenger or role thread. Time is
// passed in (milliseconds on any monotonic clock).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace veritrain {

class LogLimiter {
 public:
  // REQUIRES: burst >= 0, period_ms >= 0.
  explicit LogLimiter(int64_t burst = 5, int64_t period_ms = 10000)
      : burst_(burst), period_ms_(period_ms) {}

  struct Decision {
    bool log = false;      // write this occurrence in full
    int64_t unlogged = 0;  // > 0: write one line saying this many went unlogged
  };

  // One more occurrence of `kind` at `now_ms`.
  Decision Note(const std::string& kind, int64_t now_ms);

  // Occurrences of `kind` so far.
  int64_t count(const std::string& kind) const;

 private:
  struct Kind {
    int64_t count = 0;
    int64_t unlogged = 0;  // since the last summary line
    int64_t last_summary_ms = 0;
  };
  int64_t burst_;
  int64_t period_ms_;
  std::map<std::string, Kind> kinds_;
};

}  // namespace veritrain
