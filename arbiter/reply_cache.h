// ReplyCache: the arbiter's recent replies by (sender, request id), so that
// a request resent on a lossy network gets the same reply again and is
// handled once (docs/reliability.md). Bounded: beyond `capacity`
// insertions, the oldest insertion is dropped (a key inserted twice counts
// twice, and its first insertion dropping drops the key).
//
// Thread-safety: not thread-safe; owned by the arbiter's one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "core/wire/message.h"

namespace veritrain {

class ReplyCache {
 public:
  explicit ReplyCache(size_t capacity = 4096) : capacity_(capacity) {}

  // Keeps `reply` as the answer to `from`'s request `reply.rid`.
  void Remember(const std::string& from, const Message& reply);
  // The reply kept for `from`'s request `rid`; nullptr when none is.
  const Message* Find(const std::string& from, uint64_t rid) const;
  // Requests with a reply kept.
  size_t size() const { return replies_.size(); }

 private:
  using Key = std::pair<std::string, uint64_t>;
  size_t capacity_;
  std::map<Key, Message> replies_;
  std::deque<Key> order_;  // insertions, oldest first
};

}  // namespace veritrain
