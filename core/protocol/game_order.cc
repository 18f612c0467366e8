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
    // A later game of its own plays the next interval of its challenge
    // (the one it played was rejected); an earlier one is over.
    if (own && game < *own) return ChallengerOnOpened::kIgnore;
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
