#include "core/protocol/game_order.h"

namespace veritrain {

SolverOnOpened SolverOnOpenedOf(std::optional<int64_t> defended, int64_t game) {
  if (defended && game <= *defended) return SolverOnOpened::kIgnore;
  return SolverOnOpened::kDefend;
}

ChallengerOnOpened ChallengerOnOpenedOf(const std::string& me, std::optional<int64_t> latest,
                                        std::optional<int64_t> own, const std::string& challenger,
                                        int64_t game) {
  if (latest && game < *latest) return ChallengerOnOpened::kIgnore;
  if (challenger == me) {
    // Each challenger plays at most one game on a task: its own game is
    // never later than one it already plays.
    if (own && game != *own) return ChallengerOnOpened::kIgnore;
    return ChallengerOnOpened::kPrepare;
  }
  // A challenger still waiting for its turn keeps waiting.
  if (own && game > *own) return ChallengerOnOpened::kDrop;
  return ChallengerOnOpened::kIgnore;
}

bool IsUpdateOfGame(std::optional<int64_t> playing, int64_t game) {
  return playing && *playing == game;
}

}  // namespace veritrain
