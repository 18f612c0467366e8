// Tests for ReplayGuard: each (sender, seq) accepted once, late messages
// within the window accepted, older ones refused.
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
  EXPECT_TRUE(g.Accept("alice", 6).ok());
  // Gaps are allowed.
  EXPECT_TRUE(g.Accept("alice", 1000).ok());
  ExpectReplayed(g.Accept("alice", 1000));
  ExpectReplayed(g.Accept("alice", 6));
  ExpectReplayed(g.Accept("alice", 5));
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
  const uint64_t top = 3 * ReplayGuard::kWindow;
  EXPECT_TRUE(g.Accept("alice", top).ok());
  ExpectReplayed(g.Accept("alice", 3));  // too old to tell
  EXPECT_TRUE(g.Accept("alice", top + 1).ok());
  EXPECT_TRUE(g.Accept("alice", top - 1).ok());  // late but new
}

TEST(ReplayGuardTest, MessageNamesSenderAndSequenceNumbers) {
  ReplayGuard g;
  ASSERT_TRUE(g.Accept("verifier-2", 12).ok());
  Status s = g.Accept("verifier-2", 12);
  EXPECT_NE(s.message().find("'verifier-2'"), std::string::npos);
  EXPECT_NE(s.message().find("seq 12"), std::string::npos);
  const uint64_t top = 2 * ReplayGuard::kWindow;
  ASSERT_TRUE(g.Accept("verifier-2", top).ok());
  Status old = g.Accept("verifier-2", 9);
  EXPECT_NE(old.message().find("seq 9"), std::string::npos);
  EXPECT_NE(old.message().find("seq " + std::to_string(top)), std::string::npos);
}

TEST(ReplayGuardTest, ALateMessageIsAcceptedOnce) {
  ReplayGuard guard;
  ASSERT_TRUE(guard.Accept("alice", 100).ok());
  ASSERT_TRUE(guard.Accept("alice", 103).ok());
  // 101 and 102 were overtaken by 103 (reordered or delayed): still new.
  EXPECT_TRUE(guard.Accept("alice", 102).ok());
  EXPECT_TRUE(guard.Accept("alice", 101).ok());
  for (uint64_t again : {100, 101, 102, 103}) {
    Status s = guard.Accept("alice", again);
    EXPECT_EQ(s.message().rfind("replayed: ", 0), 0u) << again << ": " << s.ToString();
  }
  // Senders are independent.
  EXPECT_TRUE(guard.Accept("bob", 101).ok());
}

TEST(ReplayGuardTest, RefusesWhatIsTooOldToTellFromAReplay) {
  ReplayGuard guard;
  const uint64_t top = 10 * ReplayGuard::kWindow;
  ASSERT_TRUE(guard.Accept("alice", top).ok());
  // Never seen, but as old as the window: refused (it may have been
  // accepted and forgotten).
  EXPECT_FALSE(guard.Accept("alice", top - ReplayGuard::kWindow).ok());
  EXPECT_TRUE(guard.Accept("alice", top - ReplayGuard::kWindow + 1).ok());
  // Moving on forgets the old ones without accepting them again.
  ASSERT_TRUE(guard.Accept("alice", top + 2 * ReplayGuard::kWindow).ok());
  EXPECT_FALSE(guard.Accept("alice", top - ReplayGuard::kWindow + 1).ok());
  EXPECT_FALSE(guard.Accept("alice", top).ok());
}

}  // namespace
}  // namespace veritrain
