// Whom the arbiter has heard from: joining, silence after silence_ms
// (noticed once), returning, and the goodbyes the shutdown waits for.
#include "arbiter/participants.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

using Silent = std::vector<std::pair<std::string, int64_t>>;

TEST(Participants, SilenceIsNoticedOnceAndEndsWhenHeardAgain) {
  Participants p;
  EXPECT_TRUE(p.Join("s", {"solver", "ipc://s", "r1", 0, false}));
  EXPECT_TRUE(p.Join("v", {"verifier", "", "r2", 0, false}));
  EXPECT_FALSE(p.Join("s", {"solver", "ipc://s2", "r3", 10, false}));  // a hello again
  EXPECT_TRUE(p.Joined("v"));
  EXPECT_FALSE(p.Joined("x"));
  EXPECT_FALSE(p.Heard("v", 400));
  EXPECT_EQ(p.NewlySilent(500, 500), Silent{});
  EXPECT_EQ(p.NewlySilent(511, 500), (Silent{{"s", 501}}));
  EXPECT_EQ(p.NewlySilent(2000, 500), (Silent{{"v", 1600}}));  // s already noticed
  EXPECT_TRUE(p.Heard("s", 2100));
  EXPECT_FALSE(p.Heard("s", 2200));
  EXPECT_FALSE(p.Heard("stranger", 2200));  // never said hello: not tracked
  EXPECT_EQ(p.NewlySilent(2600, 500), Silent{});
  EXPECT_EQ(p.NewlySilent(2701, 500), (Silent{{"s", 501}}));
}

TEST(Participants, EveryoneLeftCountsOnlyThoseStillHeardFrom) {
  Participants p;
  EXPECT_TRUE(p.EveryoneLeft());
  p.Join("s", {"solver", "", "", 0, false});
  p.Join("v", {"verifier", "", "", 0, false});
  p.Left("s");
  EXPECT_FALSE(p.EveryoneLeft());
  p.Heard("s", 1000);
  p.NewlySilent(1000, 500);  // v silent: not waited for
  EXPECT_TRUE(p.EveryoneLeft());
  EXPECT_TRUE(p.Heard("v", 1100));
  EXPECT_FALSE(p.EveryoneLeft());
  p.Left("v");
  EXPECT_TRUE(p.EveryoneLeft());
}

TEST(Participants, ARestartCountsTheLiveAsHeardAndKeepsTheSilentSilent) {
  Participants p;
  p.Join("s", {"solver", "", "", 0, false});
  p.Join("v", {"verifier", "", "", 0, false});
  p.MarkSilent("v");
  p.MarkSilent("stranger");  // never joined: ignored
  EXPECT_FALSE(p.Joined("stranger"));
  p.Restarted(5000);
  // s was last logged at 0; after the restart its silence counts from 5000.
  EXPECT_EQ(p.NewlySilent(5500, 500), Silent{});
  EXPECT_EQ(p.NewlySilent(5501, 500), (Silent{{"s", 501}}));
  // v was silent before the restart and is not noticed again; heard, it is
  // back.
  EXPECT_TRUE(p.Heard("v", 5600));
}

}  // namespace
}  // namespace veritrain
