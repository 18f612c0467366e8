// Tests for Ed25519 identities: signing, verification, RFC 8032 vectors and
// identity files.
#include "core/crypto/identity.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace veritrain {
namespace {

// RFC 8032 section 7.1, TEST 1 (empty message).
constexpr char kRfcSecret[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kRfcPublic[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr char kRfcSignature[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590"
    "a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

// RFC 8032 section 7.1, TEST 2 (one-byte message 0x72).
constexpr char kRfc2Secret[] =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
constexpr char kRfc2Public[] =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr char kRfc2Signature[] =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e"
    "15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/identity_test_" + std::to_string(getpid()) +
         "_" + name;
}

TEST(IdentityTest, Rfc8032Test1) {
  auto id = Identity::FromSecretHex(kRfcSecret);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->public_key().Hex(), kRfcPublic);
  EXPECT_EQ(id->SecretHex(), kRfcSecret);
  Signature sig = id->Sign("");
  EXPECT_EQ(sig.Hex(), kRfcSignature);
  auto expected = Signature::FromHex(kRfcSignature);
  ASSERT_TRUE(expected.has_value());
  auto pub = PublicKey::FromHex(kRfcPublic);
  ASSERT_TRUE(pub.has_value());
  EXPECT_TRUE(VerifySignature(*pub, "", *expected).ok());
}

TEST(IdentityTest, Rfc8032Test2) {
  auto id = Identity::FromSecretHex(kRfc2Secret);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->public_key().Hex(), kRfc2Public);
  EXPECT_EQ(id->Sign("\x72").Hex(), kRfc2Signature);
}

TEST(IdentityTest, SignVerifyRoundTrip) {
  Identity id = Identity::Generate();
  const std::string msg = "post_task: train mlp for 100 steps";
  Signature sig = id.Sign(msg);
  EXPECT_TRUE(VerifySignature(id.public_key(), msg, sig).ok());
  // Deterministic signatures.
  EXPECT_EQ(id.Sign(msg), sig);
  // Copies sign identically.
  Identity copy = id;
  EXPECT_EQ(copy.Sign(msg), sig);
}

TEST(IdentityTest, GenerateGivesDistinctKeys) {
  EXPECT_NE(Identity::Generate().public_key(),
            Identity::Generate().public_key());
}

TEST(IdentityTest, TamperedMessageFails) {
  Identity id = Identity::Generate();
  std::string msg = "transfer 10 tokens";
  Signature sig = id.Sign(msg);
  msg[9] = '9';
  Status s = VerifySignature(id.public_key(), msg, sig);
  EXPECT_EQ(s.code(), Status::Code::kUnauthenticated) << s.ToString();
  EXPECT_FALSE(VerifySignature(id.public_key(), msg + "x", sig).ok());
}

TEST(IdentityTest, TamperedSignatureFails) {
  Identity id = Identity::Generate();
  const std::string msg = "hello";
  Signature sig = id.Sign(msg);
  for (size_t byte : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    Signature bad = sig;
    bad.bytes[byte] ^= 0x01;
    EXPECT_EQ(VerifySignature(id.public_key(), msg, bad).code(),
              Status::Code::kUnauthenticated)
        << "flipped byte " << byte;
  }
}

TEST(IdentityTest, WrongKeyFails) {
  Identity a = Identity::Generate();
  Identity b = Identity::Generate();
  Signature sig = a.Sign("m");
  EXPECT_EQ(VerifySignature(b.public_key(), "m", sig).code(),
            Status::Code::kUnauthenticated);
}

// OpenSSL's key objects are made once per key and shared (identity.cc):
// from several threads at once, with more keys than the cache holds (so it
// is emptied while keys are in use), every signature still verifies under
// its key and under no other.
TEST(IdentityTest, SharedKeysSignAndVerifyFromManyThreadsPastTheCache) {
  std::vector<Identity> ids;
  for (int i = 0; i < 2500; ++i) ids.push_back(Identity::Generate());
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < ids.size(); i += 2) {
        const std::string message = "m" + std::to_string(i);
        const Signature sig = ids[i].Sign(message);
        if (!VerifySignature(ids[i].public_key(), message, sig).ok()) ++failures[t];
        const Identity& other = ids[(i + 1) % ids.size()];
        if (VerifySignature(other.public_key(), message, sig).ok()) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(IdentityTest, InvalidPublicKeyBytesFailCleanly) {
  // y = 2 is not the y-coordinate of any point on edwards25519 (the
  // candidate x^2 is a non-square), so decoding the key must fail.
  PublicKey bad;
  bad.bytes[0] = 0x02;
  Identity id = Identity::Generate();
  Status s = VerifySignature(bad, "m", id.Sign("m"));
  EXPECT_EQ(s.code(), Status::Code::kUnauthenticated) << s.ToString();
}

TEST(IdentityTest, HexParsing) {
  EXPECT_FALSE(PublicKey::FromHex("abc").has_value());
  EXPECT_FALSE(PublicKey::FromHex(std::string(64, 'g')).has_value());
  EXPECT_FALSE(Signature::FromHex(kRfcPublic).has_value());
  auto k = PublicKey::FromHex(kRfcPublic);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->Hex(), kRfcPublic);
  auto upper = PublicKey::FromHex(
      "D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A");
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(*upper, *k);

  auto short_secret = Identity::FromSecretHex("9d61");
  EXPECT_EQ(short_secret.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(short_secret.status().message().find("64 hex"), std::string::npos);
  EXPECT_FALSE(Identity::FromSecretHex(std::string(64, 'z')).ok());
}

TEST(IdentityTest, FileRoundTripWithMode0600) {
  const std::string path = TempPath("roundtrip.json");
  Identity id = Identity::Generate();
  ASSERT_TRUE(SaveIdentityFile(path, id).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = LoadIdentityFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->SecretHex(), id.SecretHex());
  EXPECT_EQ(loaded->public_key(), id.public_key());
  // Saving again replaces the file.
  Identity other = Identity::Generate();
  ASSERT_TRUE(SaveIdentityFile(path, other).ok());
  auto reloaded = LoadIdentityFile(path);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->public_key(), other.public_key());
  unlink(path.c_str());
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TEST(IdentityTest, CorruptFilesAreRejectedWithTheProblemNamed) {
  const std::string path = TempPath("corrupt.json");
  struct Case {
    std::string text;
    std::string expect_in_message;
  };
  const std::string pub = kRfcPublic;
  const std::string sec = kRfcSecret;
  const std::string other_pub = kRfc2Public;
  const Case cases[] = {
      {"{\"public_key\": \"" + pub, "not valid JSON"},
      {"[1, 2]", "expected a JSON object"},
      {"{\"public_key\": \"" + pub + "\"}", "missing field 'secret_key'"},
      {"{\"secret_key\": \"" + sec + "\"}", "missing field 'public_key'"},
      {"{\"public_key\": 7, \"secret_key\": \"" + sec + "\"}",
       "field 'public_key' must be a string"},
      {"{\"public_key\": \"" + pub + "\", \"secret_key\": \"abcd\"}",
       "field 'secret_key'"},
      {"{\"public_key\": \"xyz\", \"secret_key\": \"" + sec + "\"}",
       "field 'public_key' must be 64 hex"},
      {"{\"public_key\": \"" + other_pub + "\", \"secret_key\": \"" + sec +
           "\"}",
       "does not match"},
  };
  for (const Case& c : cases) {
    WriteFile(path, c.text);
    auto r = LoadIdentityFile(path);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << c.text;
    EXPECT_NE(r.status().message().find(path), std::string::npos)
        << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.expect_in_message), std::string::npos)
        << r.status().ToString();
  }
  // The well-formed version of the same file loads.
  WriteFile(path, "{\"public_key\": \"" + pub + "\", \"secret_key\": \"" + sec +
                      "\"}");
  auto ok = LoadIdentityFile(path);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->public_key().Hex(), pub);
  unlink(path.c_str());
}

TEST(IdentityTest, MissingFileIsIOError) {
  const std::string path = TempPath("does_not_exist.json");
  auto r = LoadIdentityFile(path);
  EXPECT_EQ(r.status().code(), Status::Code::kIOError);
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

TEST(IdentityTest, SaveIntoMissingDirectoryIsIOError) {
  const std::string path = TempPath("no_such_dir") + "/id.json";
  Status s = SaveIdentityFile(path, Identity::Generate());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find(path), std::string::npos);
}

}  // namespace
}  // namespace veritrain
