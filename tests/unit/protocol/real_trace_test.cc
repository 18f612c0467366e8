// The real-trace commitment of a forced error: known answers for the
// documented encoding, and that every committed field and the task bind it.
#include "core/protocol/real_trace.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

Digest Filled(uint8_t value) {
  Digest d;
  d.bytes.fill(value);
  return d;
}

RealTraceReveal Opening() {
  RealTraceReveal o;
  o.trace_root = Filled(0xab);
  o.final_state_hash = Filled(0xcd);
  o.num_checkpoints = 5;
  o.nonce = RealTraceNonce(42, "task-1");
  return o;
}

// Expected values computed independently with Python hashlib:
//   nonce = sha256(b"vt-real-nonce-v1\0" + struct.pack("<Q", 42) + b"task-1")
//   sha256(b"vt-real-trace-v1\0task-1\0" + b"\xab"*32 + b"\xcd"*32
//          + struct.pack("<Q", 5) + nonce)
TEST(RealTraceTest, KnownAnswers) {
  EXPECT_EQ(RealTraceNonce(42, "task-1").Hex(),
            "8766607fdb6ae77682593465fc8a16a97511bce349f222b38bb2b8849bb73a14");
  EXPECT_EQ(RealTraceCommitment("task-1", Opening()).Hex(),
            "0e2929a0a272804759e436c641a0423cc6d7dc3e1d87dcdc59704f3064c6ac37");
}

TEST(RealTraceTest, TheCommittedOpeningOpensIt) {
  const Digest c = RealTraceCommitment("task-1", Opening());
  EXPECT_TRUE(CheckRealTraceReveal(c, "task-1", Opening()).ok());
}

TEST(RealTraceTest, EveryFieldAndTheTaskBindTheCommitment) {
  const Digest c = RealTraceCommitment("task-1", Opening());
  std::vector<RealTraceReveal> changed(5, Opening());
  changed[0].trace_root.bytes[31] ^= 1;
  changed[1].final_state_hash.bytes[0] ^= 1;
  changed[2].num_checkpoints = 6;
  changed[3].nonce = RealTraceNonce(43, "task-1");
  changed[4].nonce = RealTraceNonce(42, "task-2");
  for (size_t i = 0; i < changed.size(); ++i) {
    const Status s = CheckRealTraceReveal(c, "task-1", changed[i]);
    EXPECT_EQ(s.code(), Status::Code::kUnauthenticated) << "change " << i;
    EXPECT_NE(s.message().find(c.Hex()), std::string::npos) << s.message();
  }
  EXPECT_FALSE(CheckRealTraceReveal(c, "task-2", Opening()).ok());
}

// Hiding: without the nonce, the commitment of the posted root itself does
// not match, so a verifier cannot tell a forced error from the commitment.
TEST(RealTraceTest, WithoutTheNonceTheRootCannotBeRecognised) {
  RealTraceReveal guess = Opening();
  guess.nonce = Digest();
  EXPECT_NE(RealTraceCommitment("task-1", guess),
            RealTraceCommitment("task-1", Opening()));
}

}  // namespace
}  // namespace veritrain
