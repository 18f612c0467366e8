// Trajectory: the states of one interval recomputed from its agreed start
// (state(p) is the state p steps in), computed when they are asked for and
// kept only within a memory budget; state hashes computed only when asked
// for, and then kept.
//
// Both sides of the challenge game recompute the disputed interval, but the
// dissection only ever compares hashes at its split points: about
// (arity - 1) * ceil(log_arity(k)) of the k + 1 positions, and then needs
// the state before the one disputed step. Hashing a state costs about as
// much as a training step of a small model, so hashing every position would
// nearly double a dispute's cost for nothing; and keeping every state of a
// large model's interval would hold k + 1 states at once.
//
// So a state is computed on first use, by stepping from the nearest earlier
// state still held (the start is always held: its owner holds it anyway, a
// mapped checkpoint or a fetched reply). Every state computed is kept while
// the kept states' bytes fit `keep_bytes`, the least recently used going
// first (before the step that computes the next, so that the step can free
// the state it replaces as it goes), and the latest is always kept: a small model's interval is
// computed once and kept whole, as before; a large model's holds the start
// and one state besides, and steps again from the nearest held when the
// game asks for an earlier position (at most the interval's length in
// steps). Steps are deterministic, so a state computed again is the same
// state, bit for bit.
//
// A start that can be loaded again (a checkpoint file, mapped: the
// solver's own, or the state a challenger kept, verifier/kept_states.h) is
// not held for good: it is held like any computed state, within the
// budget, and loaded again when a walk needs it. A large model's
// trajectory then holds one state besides the step being computed, not
// two: about a third less memory in a game at a 100-MB state.
//
// Thread-safety: thread-compatible (Hash() and State() compute and cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

class Trajectory {
 public:
  // The state one step after `state`, which it is given to keep or let
  // go (a step that frees each tensor it replaces holds about one state,
  // not two: step_graph.h). REQUIRES: deterministic.
  using StepFn = std::function<Result<TensorMap>(TensorMap state)>;
  // Bytes of computed states kept by default: a small model's whole
  // interval, a 100-MB state alone.
  static constexpr size_t kDefaultKeepBytes = size_t{64} << 20;

  // An empty trajectory (size() == 0).
  Trajectory() = default;
  // `steps` steps from `start`; `start_hash` when its state hash is already
  // known (the agreed checkpoint's). REQUIRES: steps >= 0; the states'
  // tensors are never modified in place.
  Trajectory(TensorMap start, int64_t steps, StepFn step,
             std::optional<Digest> start_hash = std::nullopt,
             size_t keep_bytes = kDefaultKeepBytes);

  // The same, with a start that `load_start` gives again whenever it is
  // called (each time the same state). REQUIRES: as above.
  using LoadFn = std::function<Result<TensorMap>()>;
  Trajectory(LoadFn load_start, int64_t steps, StepFn step,
             std::optional<Digest> start_hash = std::nullopt,
             size_t keep_bytes = kDefaultKeepBytes);

  size_t size() const { return hashes_.size(); }
  bool empty() const { return hashes_.empty(); }

  // The state at position p, computed (and kept, within the budget) if it
  // is not held. InvalidArgument when p >= size(); the step's error when a
  // step fails.
  Result<TensorMap> State(size_t p);
  // The state hash at position p, computed on first use (computing the
  // state if needed). Errors as State's, and InvalidArgument when the state
  // is not a valid state (naming the tensor).
  Result<Digest> Hash(size_t p);
  // Sets the hash at p when it is known otherwise. REQUIRES: p < size().
  void SetHash(size_t p, const Digest& hash) { hashes_[p] = hash; }

  // For tests and metrics: hashes computed (not given), steps computed,
  // computed states held now and the most held at once (the start not
  // counted).
  // A loaded start is counted as held while it is; starts_loaded() counts
  // its loads.
  size_t hashes_computed() const { return hashes_computed_; }
  size_t steps_computed() const { return steps_computed_; }
  size_t states_held() const { return kept_.size(); }
  size_t most_states_held() const { return most_held_; }
  size_t starts_loaded() const { return starts_loaded_; }

 private:
  void Keep(size_t p, TensorMap state);
  // Lets go of kept states, least recently used first, until a state of
  // `bytes` more fits the budget.
  void MakeRoomFor(size_t bytes);
  void LetGoLeastRecent();  // REQUIRES: a state is kept
  void Touch(size_t p);

  TensorMap start_;     // held for good (no load_start_)
  LoadFn load_start_;   // else: the start, loaded into kept_[0] when needed
  StepFn step_;
  size_t keep_bytes_ = kDefaultKeepBytes;
  std::vector<std::optional<Digest>> hashes_;
  std::map<size_t, TensorMap> kept_;  // computed states held, by position
  std::list<size_t> recent_;          // kept positions, most recently used first
  // Where each kept position is in recent_: a touch is then O(1), not a
  // walk of the list (a small model's 40,000-step interval kept thousands
  // of states, and every step of a walk touched one).
  std::unordered_map<size_t, std::list<size_t>::iterator> in_recent_;
  size_t kept_bytes_ = 0;
  size_t hashes_computed_ = 0;
  size_t steps_computed_ = 0;
  size_t most_held_ = 0;
  size_t starts_loaded_ = 0;
};

}  // namespace veritrain
