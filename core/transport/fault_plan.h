// FaultPlan: the network faults a scenario injects between roles, and the
// seeded stream of decisions that carries them out.
//
// Faults are injected where a participant receives (Messenger::Receive):
// every message that arrives on any of its sockets is, by one draw of the
// participant's stream, dropped, duplicated (delivered twice, the same
// frames), reordered (held back until the next message on that socket has
// been delivered, or for reorder_hold_ms if none comes), delayed (held
// for a uniform 1..max_delay_ms) or delivered. The stream is a function of
// (seed, participant name) only, so the same plan and seed give the same
// decision for the n-th message a participant receives; which message is
// n-th depends on timing, which is why the protocol must reach the same
// outcome whatever the faults hit (requests are retried, events
// republished; see docs/reliability.md).
//
// Thread-safety: FaultPlan is a value; a FaultStream is used by one thread.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/util/status.h"

namespace veritrain {

struct FaultPlan {
  double drop = 0;       // probability of each fault, per received message
  double duplicate = 0;
  double reorder = 0;
  double delay = 0;
  int64_t max_delay_ms = 200;
  int64_t reorder_hold_ms = 50;
  uint64_t seed = 0;

  bool any() const { return drop > 0 || duplicate > 0 || reorder > 0 || delay > 0; }
  nlohmann::json ToJson() const;
  // InvalidArgument naming the field when a rate is outside [0, 1], the
  // rates sum to more than 1, or a time is not positive.
  static Result<FaultPlan> FromJson(const nlohmann::json& j);
};

enum class FaultKind { kDeliver, kDrop, kDuplicate, kReorder, kDelay };
const char* FaultKindName(FaultKind k);  // "delivered", "dropped", ...

struct FaultDecision {
  FaultKind kind = FaultKind::kDeliver;
  int64_t hold_ms = 0;  // kReorder, kDelay: how long at most to hold the message
};

class FaultStream {
 public:
  // REQUIRES: plan passed FaultPlan::FromJson's checks.
  FaultStream(const FaultPlan& plan, const std::string& participant);
  FaultDecision Next();

 private:
  double Uniform();  // [0, 1)
  FaultPlan plan_;
  uint64_t state_;
};

}  // namespace veritrain
