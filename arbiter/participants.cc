#include "arbiter/participants.h"

#include <algorithm>

namespace veritrain {

bool Participants::Join(const std::string& name, Participant p) {
  const bool first = by_name_.count(name) == 0;
  by_name_[name] = std::move(p);
  return first;
}

bool Participants::Heard(const std::string& name, int64_t now_ms) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return false;
  it->second.last_seen_ms = now_ms;
  const bool back = it->second.silent;
  it->second.silent = false;
  return back;
}

std::vector<std::pair<std::string, int64_t>> Participants::NewlySilent(int64_t now_ms,
                                                                       int64_t silence_ms) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (auto& [name, p] : by_name_) {
    if (p.silent || now_ms - p.last_seen_ms <= silence_ms) continue;
    p.silent = true;
    out.emplace_back(name, now_ms - p.last_seen_ms);
  }
  return out;
}

void Participants::MarkSilent(const std::string& name) {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) it->second.silent = true;
}

void Participants::Restarted(int64_t now_ms) {
  for (auto& [name, p] : by_name_) {
    if (!p.silent) p.last_seen_ms = std::max(p.last_seen_ms, now_ms);
  }
}

bool Participants::EveryoneLeft() const {
  for (const auto& [name, p] : by_name_) {
    if (!p.silent && left_.count(name) == 0) return false;
  }
  return true;
}

}  // namespace veritrain
