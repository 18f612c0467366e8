// Tests for ReplayGuard: per-sender strictly increasing sequence numbers.
#include "core/wire/replay_guard.h"

#include "gtest/gtest.h"

namespace veritrain {
namespace {

void ExpectReplayed(const Status& s) {
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(s.message().rfind("replayed: ", 0), 0u) << s.ToString();
}

TEST(ReplayGuardTest, AcceptsIncreasingAndRejectsRepeats) {
  ReplayGuard g;
  EXPECT_TRUE(g.Accept("alice", 5).ok());
  ExpectReplayed(g.Accept("alice", 5));
  ExpectReplayed(g.Accept("alice", 4));
  ExpectReplayed(g.Accept("alice", 0));
  EXPECT_TRUE(g.Accept("alice", 6).ok());
  // Gaps are allowed.
  EXPECT_TRUE(g.Accept("alice", 1000).ok());
  ExpectReplayed(g.Accept("alice", 999));
}

TEST(ReplayGuardTest, FirstMessageFromASenderIsAcceptedWhateverItsSeq) {
  ReplayGuard g;
  EXPECT_TRUE(g.Accept("alice", 0).ok());
  ExpectReplayed(g.Accept("alice", 0));
  ReplayGuard h;
  EXPECT_TRUE(h.Accept("bob", UINT64_MAX).ok());
  ExpectReplayed(h.Accept("bob", UINT64_MAX));
}

TEST(ReplayGuardTest, SendersAreIndependent) {
  ReplayGuard g;
  EXPECT_TRUE(g.Accept("alice", 10).ok());
  EXPECT_TRUE(g.Accept("bob", 1).ok());
  EXPECT_TRUE(g.Accept("bob", 2).ok());
  ExpectReplayed(g.Accept("alice", 10));
  EXPECT_TRUE(g.Accept("alice", 11).ok());
}

TEST(ReplayGuardTest, RejectionDoesNotMoveTheMark) {
  ReplayGuard g;
  EXPECT_TRUE(g.Accept("alice", 7).ok());
  ExpectReplayed(g.Accept("alice", 3));
  EXPECT_TRUE(g.Accept("alice", 8).ok());
}

TEST(ReplayGuardTest, MessageNamesSenderAndSequenceNumbers) {
  ReplayGuard g;
  ASSERT_TRUE(g.Accept("verifier-2", 12).ok());
  Status s = g.Accept("verifier-2", 9);
  EXPECT_NE(s.message().find("'verifier-2'"), std::string::npos);
  EXPECT_NE(s.message().find("seq 9"), std::string::npos);
  EXPECT_NE(s.message().find("seq 12"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
