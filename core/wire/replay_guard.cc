#include "core/wire/replay_guard.h"

#include "core/wire/message.h"

namespace veritrain {

Status ReplayGuard::Accept(const std::string& from, uint64_t seq) {
  auto it = senders_.find(from);
  if (it == senders_.end()) {
    senders_[from] = Sender{seq, {seq}};
    return Status::Ok();
  }
  Sender& s = it->second;
  if (s.highest >= kWindow && seq <= s.highest - kWindow) {
    return RejectStatus(RejectReason::kReplayed,
                        "message from '" + from + "' has seq " + std::to_string(seq) +
                            ", too far below seq " + std::to_string(s.highest) +
                            " (already accepted) to tell it from a replay");
  }
  if (s.accepted.count(seq) > 0) {
    return RejectStatus(RejectReason::kReplayed, "message from '" + from + "' has seq " +
                                                     std::to_string(seq) +
                                                     ", which was already accepted");
  }
  s.accepted.insert(seq);
  if (seq > s.highest) {
    s.highest = seq;
    const uint64_t new_floor = seq >= kWindow ? seq - kWindow : 0;
    s.accepted.erase(s.accepted.begin(), s.accepted.upper_bound(new_floor));
  }
  return Status::Ok();
}

}  // namespace veritrain
