// The arbiter's reply cache: a resent request finds its reply, by sender
// and request id, until the cache's bound drops the oldest.
#include "arbiter/reply_cache.h"

#include <gtest/gtest.h>

#include "core/wire/messages/all.h"

namespace veritrain {
namespace {

Message Reply(uint64_t rid, const std::string& error) {
  Message m = Pack(Ack{false, error, {}}, "task-0001");
  m.rid = rid;
  return m;
}

TEST(ReplyCache, FindsAReplyBySenderAndRequestId) {
  ReplyCache cache;
  cache.Remember("v1", Reply(7, "first"));
  cache.Remember("v2", Reply(7, "second"));
  ASSERT_NE(cache.Find("v1", 7), nullptr);
  EXPECT_EQ(Unpack<Ack>(*cache.Find("v1", 7))->error, "first");
  EXPECT_EQ(Unpack<Ack>(*cache.Find("v2", 7))->error, "second");
  EXPECT_EQ(cache.Find("v1", 8), nullptr);
  EXPECT_EQ(cache.Find("v3", 7), nullptr);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ReplyCache, DropsTheOldestBeyondItsBound) {
  ReplyCache cache(3);
  for (uint64_t rid = 1; rid <= 4; ++rid) cache.Remember("v", Reply(rid, "r"));
  EXPECT_EQ(cache.Find("v", 1), nullptr);
  for (uint64_t rid = 2; rid <= 4; ++rid) EXPECT_NE(cache.Find("v", rid), nullptr) << rid;
  EXPECT_EQ(cache.size(), 3u);
}

}  // namespace
}  // namespace veritrain
