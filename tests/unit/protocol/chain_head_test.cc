// ChainHead: the signed bytes (known answer), sign → verify, every field
// covered by the signature, another key refused, the JSON form round trip
// and its errors naming the field.
#include "core/protocol/chain_head.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

// A fixed key, so that the bytes and the signature are reproducible.
Identity Key(char c) { return *Identity::FromSecretHex(std::string(64, c)); }

ChainHead Head(const Identity& key) {
  return SignChainHead(key, "arbiter", 41, Sha256Of("events"), 9, Sha256Of("ledger"));
}

TEST(ChainHeadTest, SignedBytesAreTheContextThenBothHeads) {
  const ChainHead h = Head(Key('1'));
  std::string want = "veritrain/chain-head/v1";
  want.push_back('\0');
  want += std::string("\x29\0\0\0\0\0\0\0", 8);  // 41, u64 little-endian
  want += std::string(Sha256Of("events").view());
  want += std::string("\x09\0\0\0\0\0\0\0", 8);  // 9
  want += std::string(Sha256Of("ledger").view());
  EXPECT_EQ(h.SignedBytes(), want);
}

TEST(ChainHeadTest, VerifiesWithTheSignersKeyOnly) {
  const Identity key = Key('1');
  const ChainHead h = Head(key);
  EXPECT_TRUE(VerifyChainHead(key.public_key(), h).ok());
  EXPECT_EQ(VerifyChainHead(Key('2').public_key(), h).code(), Status::Code::kUnauthenticated);
}

TEST(ChainHeadTest, EveryFieldIsCovered) {
  const Identity key = Key('1');
  const PublicKey pub = key.public_key();
  ChainHead h = Head(key);
  h.events = 40;
  EXPECT_FALSE(VerifyChainHead(pub, h).ok()) << "events";
  h = Head(key);
  h.event_head = Sha256Of("other events");
  EXPECT_FALSE(VerifyChainHead(pub, h).ok()) << "event_head";
  h = Head(key);
  h.ledger_entries = 10;
  EXPECT_FALSE(VerifyChainHead(pub, h).ok()) << "ledger_entries";
  h = Head(key);
  h.ledger_head = Sha256Of("other ledger");
  EXPECT_FALSE(VerifyChainHead(pub, h).ok()) << "ledger_head";
}

TEST(ChainHeadTest, JsonRoundTripsAndErrorsNameTheField) {
  const ChainHead h = Head(Key('1'));
  auto back = ChainHead::FromJson(h.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), h.ToJson());
  EXPECT_TRUE(VerifyChainHead(Key('1').public_key(), *back).ok());
  for (const char* field :
       {"events", "event_head", "ledger_entries", "ledger_head", "signer", "signature"}) {
    nlohmann::json j = h.ToJson();
    j.erase(field);
    auto r = ChainHead::FromJson(j);
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_NE(r.status().message().find(std::string("'") + field + "'"), std::string::npos)
        << r.status().message();
  }
  nlohmann::json j = h.ToJson();
  j["events"] = -1;
  EXPECT_FALSE(ChainHead::FromJson(j).ok());
  j = h.ToJson();
  j["signature"] = "abcd";
  EXPECT_FALSE(ChainHead::FromJson(j).ok());
  EXPECT_FALSE(ChainHead::FromJson(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace veritrain
