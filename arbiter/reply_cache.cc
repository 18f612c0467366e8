#include "arbiter/reply_cache.h"

namespace veritrain {

void ReplyCache::Remember(const std::string& from, const Message& reply) {
  replies_[{from, reply.rid}] = reply;
  order_.emplace_back(from, reply.rid);
  if (order_.size() > capacity_) {
    replies_.erase(order_.front());
    order_.pop_front();
  }
}

const Message* ReplyCache::Find(const std::string& from, uint64_t rid) const {
  auto it = replies_.find({from, rid});
  return it == replies_.end() ? nullptr : &it->second;
}

}  // namespace veritrain
