// ReplayGuard: refuses a wire message whose (sender, sequence number) has
// been accepted before, or is too old to tell.
//
// Each receiver keeps one guard. Senders number their messages with a
// strictly increasing `seq` (it need not be contiguous, so a sender may
// start from a clock value to survive restarts). The guard keeps, per
// sender, the highest seq accepted and which of the kWindow seqs below it
// were accepted: a message may overtake another (a network that reorders
// or delays, or one of several connections being faster) and is still
// accepted once; a seq already accepted, or kWindow or more below the
// highest, is refused. The first message from a sender is accepted
// whatever its seq.
//
// Thread-safety: not thread-safe; use it from the receiving thread only.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>

#include "core/util/status.h"

namespace veritrain {

class ReplayGuard {
 public:
  // How far below the highest accepted seq a late message is still accepted.
  static constexpr uint64_t kWindow = 4096;

  // OK and records `seq` when it has not been accepted from `from` and is
  // within kWindow of the highest accepted; otherwise returns
  // RejectStatus(kReplayed, ...) (FailedPrecondition, message
  // "replayed: ...") and records nothing.
  // REQUIRES: the message was decoded by DecodeMessage, so `from` and `seq`
  // are signed by the sender; otherwise a forger could burn sequence numbers.
  Status Accept(const std::string& from, uint64_t seq);

 private:
  struct Sender {
    uint64_t highest = 0;
    std::set<uint64_t> accepted;  // accepted seqs in (highest - kWindow, highest]
  };
  std::unordered_map<std::string, Sender> senders_;
};

}  // namespace veritrain
