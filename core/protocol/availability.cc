#include "core/protocol/availability.h"

#include <algorithm>
#include <cstring>

#include "core/state/state_hash.h"

namespace veritrain {

const char* DemandStateName(DemandState s) {
  switch (s) {
    case DemandState::kOpen: return "open";
    case DemandState::kDelivered: return "delivered";
    case DemandState::kFailed: return "failed";
    case DemandState::kInvalid: break;
  }
  return "invalid";
}

Status CheckDelivery(const DeliveryContext& ctx, int64_t index, const Digest& state_hash,
                     const InclusionProof& proof, const State& tensors) {
  auto refuse = [](const char* reason, const std::string& why) {
    return Status::FailedPrecondition(std::string(reason) + ": " + why);
  };
  if (index < 0 || index >= ctx.num_checkpoints) {
    return refuse("index", "checkpoint " + std::to_string(index) + " is not in a trace of " +
                               std::to_string(ctx.num_checkpoints));
  }
  // The proof first: it costs a few hashes, the tensors a pass over the
  // whole state.
  if (proof.index != static_cast<size_t>(index) ||
      proof.tree_size != static_cast<size_t>(ctx.num_checkpoints)) {
    return refuse("proof", "the inclusion proof is for position " + std::to_string(proof.index) +
                               " of " + std::to_string(proof.tree_size) + ", not " +
                               std::to_string(index) + " of " +
                               std::to_string(ctx.num_checkpoints));
  }
  if (Status in = VerifyInclusion(MerkleLeafHash(state_hash), proof, ctx.trace_root); !in.ok()) {
    return refuse("proof", "the state hash is not at position " + std::to_string(index) +
                               " of the trace root: " + in.message());
  }
  auto hashed = StateHash(tensors);
  if (!hashed.ok()) return refuse("hash", "not a valid state: " + hashed.status().message());
  if (*hashed != state_hash) {
    return refuse("hash", "the tensors hash to " + hashed->Hex() + ", not the claimed " +
                              state_hash.Hex());
  }
  const int64_t expected = index * ctx.checkpoint_interval;
  const TensorData* step = FindTensor(tensors, "meta/step");
  if (step == nullptr || step->dtype != DType::kInt64 || step->numel() != 1 ||
      step->bytes.size() != sizeof(int64_t)) {
    return refuse("step", "checkpoint " + std::to_string(index) +
                              " has no step counter (one int64 'meta/step')");
  }
  int64_t recorded = 0;
  std::memcpy(&recorded, step->bytes.data(), sizeof(recorded));
  if (recorded != expected) {
    return refuse("step", "checkpoint " + std::to_string(index) + " records step " +
                              std::to_string(recorded) + ", not " + std::to_string(expected));
  }
  return Status::Ok();
}

int64_t DemandsPerVerifier(int64_t top_q, int64_t random_samples, int64_t num_checkpoints) {
  const int64_t cap = std::max<int64_t>(num_checkpoints, 0);
  int64_t intervals = 0, ends = 0;
  if (__builtin_add_overflow(std::max<int64_t>(top_q, 0), std::max<int64_t>(random_samples, 0),
                             &intervals) ||
      __builtin_mul_overflow(intervals, int64_t{2}, &ends)) {
    return cap;
  }
  return std::min(cap, ends);
}

Result<const Demand*> AvailabilityBook::Open(const std::string& challenger, int64_t index,
                                             int64_t num_checkpoints, int64_t per_verifier,
                                             int64_t now_ms, int64_t deadline_ms) {
  if (index < 0 || index >= num_checkpoints) {
    return Status::InvalidArgument("checkpoint " + std::to_string(index) +
                                   " is not in the trace (it has " +
                                   std::to_string(num_checkpoints) + ")");
  }
  auto it = demands_.find(index);
  int64_t asked = 0;
  for (const auto& [i, d] : demands_) {
    asked += std::count(d.challengers.begin(), d.challengers.end(), challenger);
  }
  const bool joins = it != demands_.end();
  const bool again = joins && std::count(it->second.challengers.begin(),
                                         it->second.challengers.end(), challenger) > 0;
  if (again) return &it->second;
  if (asked >= per_verifier) {
    return Status::FailedPrecondition(challenger + " has asked for " + std::to_string(asked) +
                                      " checkpoints of this task, the most one verifier may (" +
                                      "the start and end of each interval it checks)");
  }
  if (joins) {
    it->second.challengers.push_back(challenger);
    return &it->second;
  }
  Demand d;
  d.index = index;
  d.state = DemandState::kOpen;
  d.first_challenger = challenger;
  d.challengers = {challenger};
  d.opened_ms = now_ms;
  d.deadline_ms = deadline_ms;
  return &demands_.emplace(index, std::move(d)).first->second;
}

const Demand* AvailabilityBook::Find(int64_t index) const {
  auto it = demands_.find(index);
  return it == demands_.end() ? nullptr : &it->second;
}

Status AvailabilityBook::Resolve(int64_t index, bool valid, const Digest& state_hash,
                                 const std::string& reason) {
  auto it = demands_.find(index);
  if (it == demands_.end() || it->second.state != DemandState::kOpen) {
    return Status::FailedPrecondition("no demand for checkpoint " + std::to_string(index) +
                                      " is open");
  }
  it->second.state = valid ? DemandState::kDelivered : DemandState::kFailed;
  it->second.state_hash = state_hash;
  it->second.reason = valid ? "delivered" : reason;
  return Status::Ok();
}

std::optional<Demand> AvailabilityBook::Expire(int64_t now_ms) {
  Demand* due = nullptr;
  for (auto& [i, d] : demands_) {
    if (d.state != DemandState::kOpen || now_ms < d.deadline_ms) continue;
    if (due == nullptr || d.deadline_ms < due->deadline_ms) due = &d;
  }
  if (due == nullptr) return std::nullopt;
  due->state = DemandState::kFailed;
  due->reason = "the solver did not deliver checkpoint " + std::to_string(due->index) +
                " before the deadline";
  return *due;
}

Status AvailabilityBook::NoteRelay(int64_t index, const std::string& verifier) {
  auto it = demands_.find(index);
  if (it == demands_.end() || it->second.state != DemandState::kDelivered) {
    return Status::FailedPrecondition("checkpoint " + std::to_string(index) +
                                      " has not been delivered");
  }
  int64_t& n = it->second.relays[verifier];
  if (n >= kMaxRelays) {
    return Status::FailedPrecondition("checkpoint " + std::to_string(index) + " was relayed to " +
                                      verifier + " " + std::to_string(n) +
                                      " times, the most it is");
  }
  ++n;
  return Status::Ok();
}

bool AvailabilityBook::any_open() const {
  for (const auto& [i, d] : demands_) {
    if (d.state == DemandState::kOpen) return true;
  }
  return false;
}

}  // namespace veritrain
