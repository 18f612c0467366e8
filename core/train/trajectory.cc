#include "core/train/trajectory.h"

#include <string>
#include <utility>

#include "core/state/state_hash.h"

namespace veritrain {

void Trajectory::Add(TensorMap state, std::optional<Digest> known_hash) {
  states_.push_back(std::move(state));
  hashes_.push_back(known_hash);
}

Result<Digest> Trajectory::Hash(size_t p) {
  if (p >= states_.size()) {
    return Status::InvalidArgument("trajectory position " + std::to_string(p) +
                                   " is past its last state (" +
                                   std::to_string(states_.size()) + " states)");
  }
  if (!hashes_[p]) {
    VT_ASSIGN_OR_RETURN(Digest h, StateHash(ToState(states_[p])));
    hashes_[p] = h;
    ++computed_;
  }
  return *hashes_[p];
}

}  // namespace veritrain
