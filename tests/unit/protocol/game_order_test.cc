// The order of a task's challenge games as a party sees it: events of a
// game that is over (late, duplicated, republished) change nothing; a
// later game ends the one before it; a challenger waiting for its turn
// keeps waiting.
#include "core/protocol/game_order.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

TEST(GameOrder, TheSolverDefendsEachLaterGameOnce) {
  EXPECT_EQ(SolverOnOpenedOf(std::nullopt, 0), SolverOnOpened::kDefend);
  EXPECT_EQ(SolverOnOpenedOf(std::nullopt, 2), SolverOnOpened::kDefend);  // after a restart
  EXPECT_EQ(SolverOnOpenedOf(0, 0), SolverOnOpened::kIgnore);             // republished
  EXPECT_EQ(SolverOnOpenedOf(0, 1), SolverOnOpened::kDefend);             // the next game
  EXPECT_EQ(SolverOnOpenedOf(0, 3), SolverOnOpened::kDefend);  // games skipped by a fault
}

// The case a network fault showed: the solver defends game 1 against v-b
// when a late dispute_opened of game 0 (v-a's, rejected) arrives.
TEST(GameOrder, TheSolverIgnoresAFinishedGamesDisputeOpened) {
  EXPECT_EQ(SolverOnOpenedOf(1, 0), SolverOnOpened::kIgnore);
}

TEST(GameOrder, AChallengerPreparesItsOwnGameOnce) {
  EXPECT_EQ(ChallengerOnOpenedOf("v-a", std::nullopt, std::nullopt, "v-a", 0),
            ChallengerOnOpened::kPrepare);
  // Its turn comes after another game.
  EXPECT_EQ(ChallengerOnOpenedOf("v-b", 0, std::nullopt, "v-b", 1), ChallengerOnOpened::kPrepare);
  // The same game again: preparing it is a no-op for the role, which holds it.
  EXPECT_EQ(ChallengerOnOpenedOf("v-b", 1, 1, "v-b", 1), ChallengerOnOpened::kPrepare);
}

// v-a's game 0 on the first interval of its challenge was rejected; its
// game 1 plays the next interval it listed: it replaces the game it held,
// and a late event of game 0 does not take it back.
TEST(GameOrder, AChallengerPlaysItsNextIntervalInALaterGame) {
  EXPECT_EQ(ChallengerOnOpenedOf("v-a", 0, 0, "v-a", 1), ChallengerOnOpened::kPrepare);
  EXPECT_EQ(ChallengerOnOpenedOf("v-a", 1, 1, "v-a", 0), ChallengerOnOpened::kIgnore);
}

// The live challenger v-b (game 1) keeps its game when a late event of v-a's
// game 0 arrives.
TEST(GameOrder, TheLiveChallengerKeepsItsGameOnAFinishedGamesEvent) {
  EXPECT_EQ(ChallengerOnOpenedOf("v-b", 1, 1, "v-a", 0), ChallengerOnOpened::kIgnore);
}

TEST(GameOrder, AChallengerWhoseGameIsOverIsDone) {
  // v-a played game 0; v-b's game 1 opens: v-a's game is over.
  EXPECT_EQ(ChallengerOnOpenedOf("v-a", 0, 0, "v-b", 1), ChallengerOnOpened::kDrop);
  // Its own game's dispute_opened arriving late does not take it back.
  EXPECT_EQ(ChallengerOnOpenedOf("v-a", 1, std::nullopt, "v-a", 0), ChallengerOnOpened::kIgnore);
}

TEST(GameOrder, AChallengerWaitingForItsTurnKeepsWaiting) {
  // v-c challenged too and waits for its turn: no game of its own yet.
  EXPECT_EQ(ChallengerOnOpenedOf("v-c", std::nullopt, std::nullopt, "v-a", 0),
            ChallengerOnOpened::kIgnore);
  EXPECT_EQ(ChallengerOnOpenedOf("v-c", 0, std::nullopt, "v-b", 1), ChallengerOnOpened::kIgnore);
  EXPECT_EQ(ChallengerOnOpenedOf("v-c", 1, std::nullopt, "v-a", 0), ChallengerOnOpened::kIgnore);
}

TEST(GameOrder, AnUpdateCountsOnlyForTheGamePlayed) {
  EXPECT_TRUE(IsUpdateOfGame(1, 1));
  EXPECT_FALSE(IsUpdateOfGame(1, 0));  // a game that is over
  EXPECT_FALSE(IsUpdateOfGame(1, 2));  // the next game, before its dispute_opened
  EXPECT_FALSE(IsUpdateOfGame(std::nullopt, 0));
}

}  // namespace
}  // namespace veritrain
