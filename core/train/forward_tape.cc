#include "core/train/forward_tape.h"

#include <utility>

namespace veritrain {

void ForwardTape::Keep(const std::string& key, Entry entry) {
  entries_[key] = std::move(entry);
}

std::optional<ForwardTape::Entry> ForwardTape::Take(
    const std::string& key, const std::vector<torch::Tensor>& sources) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  Entry e = std::move(it->second);
  entries_.erase(it);
  if (e.sources.size() != sources.size()) return std::nullopt;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!e.sources[i].is_same(sources[i])) return std::nullopt;
  }
  return e;
}

}  // namespace veritrain
