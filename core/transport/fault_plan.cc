#include "core/transport/fault_plan.h"

#include "core/crypto/sha256.h"
#include "core/wire/body_fields.h"

namespace veritrain {

nlohmann::json FaultPlan::ToJson() const {
  return {{"drop", drop},
          {"duplicate", duplicate},
          {"reorder", reorder},
          {"delay", delay},
          {"max_delay_ms", max_delay_ms},
          {"reorder_hold_ms", reorder_hold_ms},
          {"seed", seed}};
}

Result<FaultPlan> FaultPlan::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("faults: must be an object");
  FaultPlan p;
  auto rate = [&](const char* name, double* out) -> Status {
    if (!j.contains(name)) return Status::Ok();
    if (!j[name].is_number()) return Status::InvalidArgument(std::string("faults.") + name + ": must be a number");
    *out = j[name].get<double>();
    if (!(*out >= 0 && *out <= 1)) {
      return Status::InvalidArgument(std::string("faults.") + name + ": " + j[name].dump() +
                                     " is not a probability in [0, 1]");
    }
    return Status::Ok();
  };
  VT_RETURN_IF_ERROR(rate("drop", &p.drop));
  VT_RETURN_IF_ERROR(rate("duplicate", &p.duplicate));
  VT_RETURN_IF_ERROR(rate("reorder", &p.reorder));
  VT_RETURN_IF_ERROR(rate("delay", &p.delay));
  if (p.drop + p.duplicate + p.reorder + p.delay > 1 + 1e-12) {
    return Status::InvalidArgument("faults: drop + duplicate + reorder + delay exceeds 1");
  }
  for (auto [name, out] : {std::pair{"max_delay_ms", &p.max_delay_ms},
                           std::pair{"reorder_hold_ms", &p.reorder_hold_ms}}) {
    if (!j.contains(name)) continue;
    VT_ASSIGN_OR_RETURN(*out, BodyInt(j, name));
    if (*out <= 0) return Status::InvalidArgument(std::string("faults.") + name + ": must be positive");
  }
  if (j.contains("seed")) {
    VT_ASSIGN_OR_RETURN(int64_t seed, BodyInt(j, "seed"));
    p.seed = static_cast<uint64_t>(seed);
  }
  return p;
}

const char* FaultKindName(FaultKind k) {
  switch (k) {
    case FaultKind::kDeliver: return "delivered";
    case FaultKind::kDrop: return "dropped";
    case FaultKind::kDuplicate: return "duplicated";
    case FaultKind::kReorder: return "reordered";
    case FaultKind::kDelay: return "delayed";
  }
  return "?";
}

FaultStream::FaultStream(const FaultPlan& plan, const std::string& participant) : plan_(plan) {
  const Digest d = Sha256Of("veritrain/faults/" + std::to_string(plan.seed) + "/" + participant);
  state_ = 0;
  for (int i = 0; i < 8; ++i) state_ = (state_ << 8) | d.bytes[i];
}

double FaultStream::Uniform() {
  // splitmix64: the same numbers on every platform and standard library.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

FaultDecision FaultStream::Next() {
  const double u = Uniform();
  double edge = plan_.drop;
  if (u < edge) return {FaultKind::kDrop, 0};
  if (u < (edge += plan_.duplicate)) return {FaultKind::kDuplicate, 0};
  if (u < (edge += plan_.reorder)) return {FaultKind::kReorder, plan_.reorder_hold_ms};
  if (u < (edge += plan_.delay)) {
    const int64_t ms = 1 + static_cast<int64_t>(Uniform() * static_cast<double>(plan_.max_delay_ms));
    return {FaultKind::kDelay, std::min(ms, plan_.max_delay_ms)};
  }
  return {FaultKind::kDeliver, 0};
}

}  // namespace veritrain
