// The order of a task's challenge games as a party sees it through events
// that may arrive late, twice or out of order (a network fault, or the
// arbiter republishing a task's latest dispute_opened and game_update).
//
// A task's challenges are played one after another (docs/protocol.md,
// "Several challengers"), and every dispute_opened and game_update names
// its game's number: 0 for the first challenge played, one more for every
// challenge played (and rejected) before it. Numbers only grow on a task,
// so an event of a game below the one a party is on belongs to a game that
// is over: it changes nothing. Without the number a stale dispute_opened
// of a finished game took the solver back to defending it and made the
// live challenger drop its own game until the next republish.
//
// Pure functions: no sockets, no clock (tests/unit/protocol/game_order_test.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace veritrain {

// What the solver does with the dispute_opened of game `game` while it
// defends game `defended` (none held: nullopt).
enum class SolverOnOpened {
  kInvalid = 0,
  kIgnore,  // the game defended again (republished), or an earlier one
  kDefend,  // a later game: the one defended (if any) is over
};
SolverOnOpened SolverOnOpenedOf(std::optional<int64_t> defended, int64_t game);

// What challenger `me` does with the dispute_opened of `challenger`'s game
// `game`, having seen games up to `latest` on the task (nullopt: none) and
// playing game `own` (nullopt: no game of its own, or waiting for its
// turn).
enum class ChallengerOnOpened {
  kInvalid = 0,
  kIgnore,   // an earlier game than the latest seen, or nothing to do
  kPrepare,  // its own game: prepare to play it (again a no-op when held);
             // a later game of its own replaces the one it played
  kDrop,     // a later game than its own: its own is over (rejected)
};
ChallengerOnOpened ChallengerOnOpenedOf(const std::string& me, std::optional<int64_t> latest,
                                        std::optional<int64_t> own, const std::string& challenger,
                                        int64_t game);

// Whether a game_update of game `game` is for the game a party plays:
// `playing` (nullopt: none).
bool IsUpdateOfGame(std::optional<int64_t> playing, int64_t game);

}  // namespace veritrain
