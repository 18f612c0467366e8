// Participants: whom the arbiter has heard from — each participant that
// said hello, when it was last heard, whether it has gone silent, and
// whether it has said goodbye. The arbiter logs what this notices
// (participant_joined, participant_silent, participant_returned); the
// outcome of a task never depends on it. Time is passed in.
//
// Thread-safety: not thread-safe; owned by the arbiter's one thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace veritrain {

class Participants {
 public:
  struct Participant {
    std::string role;
    std::string serve_endpoint;
    std::string routing_id;  // its connection to the arbiter's ROUTER
    int64_t last_seen_ms = 0;
    bool silent = false;
  };

  // A hello from `name` at `now_ms`: true when it is its first.
  bool Join(const std::string& name, Participant p);
  // `name` was heard at `now_ms` (any request): true when it had gone
  // silent and is back. A name that never said hello is ignored.
  bool Heard(const std::string& name, int64_t now_ms);
  // The participants not heard for more than `silence_ms` at `now_ms` that
  // were not silent yet, with how long, in name order; now silent.
  std::vector<std::pair<std::string, int64_t>> NewlySilent(int64_t now_ms, int64_t silence_ms);
  // `name` went silent (a logged participant_silent, replayed).
  void MarkSilent(const std::string& name);
  // The arbiter restarted at `now_ms`: every participant not silent counts
  // as heard then. What it sent while the arbiter was down could not
  // arrive, and heartbeats are not logged, so a time from the log would
  // call a live participant silent.
  void Restarted(int64_t now_ms);
  // `name` said goodbye.
  void Left(const std::string& name) { left_.insert(name); }
  // Every participant still heard from (not silent) has said goodbye.
  bool EveryoneLeft() const;
  bool Joined(const std::string& name) const { return by_name_.count(name) > 0; }

 private:
  std::map<std::string, Participant> by_name_;
  std::set<std::string> left_;
};

}  // namespace veritrain
