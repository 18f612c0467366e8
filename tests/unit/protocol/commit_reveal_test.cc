// Commit–reveal: known-answer vectors for the documented encodings, reveal
// checking, and what the derived seed depends on.
#include "core/protocol/commit_reveal.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

Digest Filled(uint8_t start, uint8_t step) {
  Digest d;
  for (size_t i = 0; i < 32; ++i) {
    d.bytes[i] = static_cast<uint8_t>(start + step * i);
  }
  return d;
}

// Expected values computed independently with Python hashlib:
//   secret = bytes(range(32)); root = bytes([0xab] * 32)
//   sha256(b"vt-commit-v1\0" + secret)
//   sha256(b"vt-seed-v1\0intervals\0" + secret + root)
//   sha256(b"vt-secret-v1\0" + struct.pack("<Q", 42) + b"task-1")
TEST(CommitRevealTest, KnownAnswers) {
  const Digest secret = Filled(0, 1);
  const Digest root = Filled(0xab, 0);
  const Commitment c = MakeCommitment(secret);
  EXPECT_EQ(c.secret, secret);
  EXPECT_EQ(c.commitment.Hex(),
            "1a15cbd736ab9df9f0396abc23d12c69a8510d6e793e89903d2835c0cf380997");
  EXPECT_EQ(DeriveSeed(secret, root, "intervals").Hex(),
            "67b17d547cabce3e8ee1212e54f706dec500c0f657606afc6fdc8158c1d2d577");
  EXPECT_EQ(SecretFromSeed(42, "task-1").Hex(),
            "48e866f0821cef4fd7cd3f7d58356865f87dcb5e787abae29cf407bb5bea0d34");
}

TEST(CommitRevealTest, RightSecretOpensTheCommitment) {
  const Commitment c = MakeCommitment(SecretFromSeed(7, "t1"));
  EXPECT_TRUE(CheckReveal(c.commitment, c.secret).ok());
}

TEST(CommitRevealTest, WrongSecretIsRejected) {
  const Commitment c = MakeCommitment(SecretFromSeed(7, "t1"));
  for (size_t byte : {0u, 17u, 31u}) {
    Digest wrong = c.secret;
    wrong.bytes[byte] ^= 0x01;
    Status s = CheckReveal(c.commitment, wrong);
    EXPECT_EQ(s.code(), Status::Code::kUnauthenticated) << byte;
    EXPECT_NE(s.message().find(c.commitment.Hex()), std::string::npos);
  }
  // The commitment is not the secret itself.
  EXPECT_FALSE(CheckReveal(c.secret, c.secret).ok());
}

TEST(CommitRevealTest, SeedDependsOnRootLabelAndSecret) {
  const Digest secret = SecretFromSeed(1, "t1");
  const Digest root_a = Sha256Of("trace root a");
  const Digest root_b = Sha256Of("trace root b");
  const Digest seed = DeriveSeed(secret, root_a, "intervals");
  EXPECT_EQ(seed, DeriveSeed(secret, root_a, "intervals"));
  EXPECT_NE(seed, DeriveSeed(secret, root_b, "intervals"));
  EXPECT_NE(seed, DeriveSeed(secret, root_a, "forced-error"));
  EXPECT_NE(seed, DeriveSeed(SecretFromSeed(2, "t1"), root_a, "intervals"));
}

TEST(CommitRevealTest, SecretFromSeedIsDeterministicPerSeedAndTask) {
  EXPECT_EQ(SecretFromSeed(5, "t1"), SecretFromSeed(5, "t1"));
  EXPECT_NE(SecretFromSeed(5, "t1"), SecretFromSeed(6, "t1"));
  EXPECT_NE(SecretFromSeed(5, "t1"), SecretFromSeed(5, "t2"));
}

}  // namespace
}  // namespace veritrain
