// Data-availability challenges (docs/protocol.md, "Data-availability
// challenge"): what the arbiter keeps when a verifier says it cannot get a
// checkpoint of the committed trace from the solver, or got one that does
// not record the step it should — and the check of what the solver then
// delivers to the arbiter. Socket-free; the arbiter drives it with
// requests and its clock.
//
// A verifier selected for a task that is being verified asks the arbiter
// for checkpoint `index` (availability_challenge). The arbiter opens a
// *demand* for it with a deadline and publishes it (checkpoint_demand); the
// task's solver must deliver the checkpoint — its tensors, its state hash
// and its inclusion proof in the committed trace root — to the arbiter
// (checkpoint_delivery). The arbiter checks the delivery once
// (CheckDelivery): the tensors hash to the claimed state hash, the proof
// puts that hash at position `index` of the trace root, and the state's
// step counter (tensor "meta/step") is index·k. A valid delivery fulfils
// the demand and the arbiter relays the checkpoint to the verifiers that
// asked; an invalid one, or none before the deadline, loses the task for
// the solver (outcome `withheld`, once every selected verifier is done; its
// stake slashed to the first, in selection order, of the verifiers that
// asked for a checkpoint that was not delivered: arbiter/task_rules.h,
// WithheldChallengers).
//
// Per demand (one per checkpoint index), states and transitions:
//
//   from       event                          to
//   (none)     Open (a selected verifier)     open
//   open       Open (another verifier, or     open       (joins; the deadline
//              the same one again)                        is the first's)
//   open       Deliver, valid                 delivered
//   open       Deliver, invalid               failed
//   open       Expire (deadline passed)       failed
//   failed     Open (another verifier)        failed     (joins: it asked too)
//   delivered  Open (anyone)                  delivered  (relay again)
//   delivered  Deliver                        delivered  (ignored, not checked
//                                                          again)
//
// Bounds: a verifier may ask for at most DemandsPerVerifier distinct
// checkpoints of one task: the start and end of every interval it checks
// (2 × (top_q + random_samples)), at most the whole trace. A fixed bound
// smaller than that let a solver that withholds every checkpoint from
// verifiers escape: the verifier's demand past the bound was refused, it
// abstained, and the task ended unverified with nobody slashed. A task
// holds one demand per checkpoint index; a delivery is checked (hashed)
// only against an open demand, so the arbiter hashes at most one delivery
// per demand, each from the task's solver. The checkpoint is relayed at
// most kMaxRelays times per verifier and demand.
//
// Thread-safety: not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/merkle.h"
#include "core/state/tensor_data.h"
#include "core/util/status.h"

namespace veritrain {

enum class DemandState { kInvalid = 0, kOpen, kDelivered, kFailed };
const char* DemandStateName(DemandState s);

struct Demand {
  int64_t index = -1;
  DemandState state = DemandState::kInvalid;
  std::string first_challenger;         // who asked first (for the record only)
  std::vector<std::string> challengers;  // everyone who asked, in order
  int64_t opened_ms = 0;
  int64_t deadline_ms = 0;
  std::string reason;   // why it failed, or "delivered"
  Digest state_hash;    // the delivered checkpoint's (when delivered)
  std::map<std::string, int64_t> relays;  // times relayed, by verifier
};

// What CheckDelivery needs of the task.
struct DeliveryContext {
  Digest trace_root;
  int64_t num_checkpoints = 0;
  int64_t checkpoint_interval = 0;  // k
};

// Checks a checkpoint delivered for position `index`: FailedPrecondition
// with the named reason — "index", "hash" (the tensors do not hash to
// `state_hash`, or are no valid state), "proof" (not at `index` of the
// trace root), "step" (meta/step missing, not one int64, or not index·k).
// The message starts with the reason and a colon.
Status CheckDelivery(const DeliveryContext& ctx, int64_t index, const Digest& state_hash,
                     const InclusionProof& proof, const State& tensors);

// The checkpoints of one task a verifier may demand: the start and end of
// each of the intervals it checks, at most the whole trace. Saturates
// rather than overflows.
int64_t DemandsPerVerifier(int64_t top_q, int64_t random_samples, int64_t num_checkpoints);

class AvailabilityBook {
 public:
  // What one verifier process may need of one checkpoint: as an
  // interval's end (its hash, then its tensors after an exact-mode
  // mismatch), as the next interval's start, and that start again for the
  // game when its interval fails (the verifier lets it go while
  // re-executing). A restarted verifier asks for them all again. At 3, a
  // restarted verifier against a solver withholding from verifiers ran out
  // of relays, abstained, and the task ended unverified with nobody
  // slashed.
  static constexpr int64_t kRelaysPerVerifierLife = 4;
  static constexpr int64_t kMaxRelays = 2 * kRelaysPerVerifierLife;

  // `challenger` asks for checkpoint `index` at `now_ms`; a new demand's
  // deadline is `deadline_ms`. InvalidArgument for an index outside
  // [0, num_checkpoints); FailedPrecondition (naming the limit) when the
  // challenger has already asked for `per_verifier` other checkpoints
  // (DemandsPerVerifier). Asking again for a checkpoint already demanded
  // returns the same demand (idempotent).
  Result<const Demand*> Open(const std::string& challenger, int64_t index,
                             int64_t num_checkpoints, int64_t per_verifier, int64_t now_ms,
                             int64_t deadline_ms);
  // The demand for `index`, or null.
  const Demand* Find(int64_t index) const;
  // Records the outcome of checking a delivery for an open demand:
  // `valid` → delivered, else failed with `reason`. FailedPrecondition when
  // no demand for `index` is open.
  Status Resolve(int64_t index, bool valid, const Digest& state_hash, const std::string& reason);
  // The first open demand whose deadline has passed at `now_ms` (earliest
  // deadline first), marked failed; nullopt when none has.
  std::optional<Demand> Expire(int64_t now_ms);
  // Counts a relay of the delivered checkpoint to `verifier`;
  // FailedPrecondition past kMaxRelays, or when it is not delivered.
  Status NoteRelay(int64_t index, const std::string& verifier);
  // True while some demand is open.
  bool any_open() const;
  const std::map<int64_t, Demand>& demands() const { return demands_; }

 private:
  std::map<int64_t, Demand> demands_;  // by checkpoint index
};

}  // namespace veritrain
