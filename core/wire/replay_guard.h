// ReplayGuard: refuses a wire message whose sequence number is not strictly
// greater than the last one accepted from the same sender.
//
// Each receiver keeps one guard. Senders number their messages with a
// strictly increasing `seq` (it need not be contiguous, so a sender may
// start from a clock value to survive restarts); the guard remembers the
// highest seq accepted per sender name. The first message from a sender is
// accepted whatever its seq.
//
// Thread-safety: not thread-safe; use it from the receiving thread only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/util/status.h"

namespace veritrain {

class ReplayGuard {
 public:
  // OK and records `seq` when it is greater than the last seq accepted from
  // `from`; otherwise returns RejectStatus(kReplayed, ...) (FailedPrecondition,
  // message "replayed: ...") and records nothing.
  // REQUIRES: the message was decoded by DecodeMessage, so `from` and `seq`
  // are signed by the sender; otherwise a forger could burn sequence numbers.
  Status Accept(const std::string& from, uint64_t seq);

 private:
  std::unordered_map<std::string, uint64_t> last_seq_;
};

}  // namespace veritrain
