#include "core/wire/replay_guard.h"

#include "core/wire/message.h"

namespace veritrain {

Status ReplayGuard::Accept(const std::string& from, uint64_t seq) {
  auto it = last_seq_.find(from);
  if (it == last_seq_.end()) {
    last_seq_.emplace(from, seq);
    return Status::Ok();
  }
  if (seq <= it->second) {
    return RejectStatus(RejectReason::kReplayed,
                        "message from '" + from + "' has seq " +
                            std::to_string(seq) + ", but seq " +
                            std::to_string(it->second) +
                            " was already accepted");
  }
  it->second = seq;
  return Status::Ok();
}

}  // namespace veritrain
