#include "core/train/trajectory.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/state/state_hash.h"

namespace veritrain {
namespace {

size_t StateBytes(const TensorMap& state) {
  size_t bytes = 0;
  for (const auto& [name, t] : state) {
    if (t.defined()) bytes += t.nbytes();
  }
  return bytes;
}

}  // namespace

Trajectory::Trajectory(TensorMap start, int64_t steps, StepFn step,
                       std::optional<Digest> start_hash, size_t keep_bytes)
    : Trajectory(LoadFn(), steps, std::move(step), start_hash, keep_bytes) {
  start_ = std::move(start);
}

Trajectory::Trajectory(LoadFn load_start, int64_t steps, StepFn step,
                       std::optional<Digest> start_hash, size_t keep_bytes)
    : load_start_(std::move(load_start)),
      step_(std::move(step)),
      keep_bytes_(keep_bytes),
      hashes_(static_cast<size_t>(std::max<int64_t>(steps, 0)) + 1) {
  hashes_[0] = start_hash;
}

void Trajectory::Touch(size_t p) {
  if (auto it = in_recent_.find(p); it != in_recent_.end()) recent_.erase(it->second);
  recent_.push_front(p);
  in_recent_[p] = recent_.begin();
}

void Trajectory::Keep(size_t p, TensorMap state) {
  kept_bytes_ += StateBytes(state);
  kept_[p] = std::move(state);
  Touch(p);
  // The least recently used go first; the one just computed stays.
  while (kept_bytes_ > keep_bytes_ && kept_.size() > 1) LetGoLeastRecent();
  most_held_ = std::max(most_held_, kept_.size());
}

void Trajectory::MakeRoomFor(size_t bytes) {
  while (!kept_.empty() && kept_bytes_ + bytes > keep_bytes_) LetGoLeastRecent();
}

void Trajectory::LetGoLeastRecent() {
  const size_t old = recent_.back();
  recent_.pop_back();
  in_recent_.erase(old);
  kept_bytes_ -= StateBytes(kept_[old]);
  kept_.erase(old);
}

Result<TensorMap> Trajectory::State(size_t p) {
  if (p >= size()) {
    return Status::InvalidArgument("trajectory position " + std::to_string(p) +
                                   " is past its last state (" + std::to_string(size()) +
                                   " states)");
  }
  if (p == 0 && !load_start_) return start_;
  if (auto held = kept_.find(p); held != kept_.end()) {
    Touch(p);
    return held->second;
  }
  // Step from the nearest state held at or before p: the start when none
  // is (loaded again, if that is how it is held).
  size_t from = 0;
  TensorMap state;
  if (auto it = kept_.upper_bound(p); it != kept_.begin()) {
    --it;
    from = it->first;
    state = it->second;
  } else if (load_start_) {
    // Room for the start before it is loaded (a state has the size of
    // any other): what Keep() would let go for it goes first.
    if (!kept_.empty()) MakeRoomFor(StateBytes(kept_.begin()->second));
    VT_ASSIGN_OR_RETURN(state, load_start_());
    ++starts_loaded_;
    Keep(0, state);
  } else {
    state = start_;
  }
  // Every state the walk computes is kept while the budget allows (the
  // least recently used going first), so a small model's interval is
  // computed once; a large model's keeps only the walk's latest.
  for (size_t at = from; at < p; ++at) {
    // What Keep() would let go once the step is computed goes now (a state
    // has the size of the one before it): the walk's own copy is then the
    // only one of the state the step replaces.
    MakeRoomFor(StateBytes(state));
    VT_ASSIGN_OR_RETURN(state, step_(std::move(state)));
    ++steps_computed_;
    Keep(at + 1, state);
  }
  return state;
}

Result<Digest> Trajectory::Hash(size_t p) {
  if (p < size() && hashes_[p]) return *hashes_[p];
  VT_ASSIGN_OR_RETURN(TensorMap state, State(p));
  VT_ASSIGN_OR_RETURN(Digest h, StateHash(ToState(state)));
  hashes_[p] = h;
  ++hashes_computed_;
  return h;
}

}  // namespace veritrain
