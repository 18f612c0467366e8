#include "core/wire/messages/task_economics.h"

#include <cmath>
#include <string>

namespace veritrain {
namespace {

Status CheckRange(const char* field, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    return Status::InvalidArgument("economics field '" + std::string(field) +
                                   "' is " + std::to_string(v) +
                                   ", must be between " + std::to_string(lo) +
                                   " and " + std::to_string(hi));
  }
  return Status::Ok();
}

Status ReadInt(const nlohmann::json& j, const char* field, int64_t* out) {
  auto it = j.find(field);
  if (it == j.end()) return Status::Ok();
  if (!it->is_number_integer()) {
    return Status::InvalidArgument("economics field '" + std::string(field) +
                                   "' must be an integer");
  }
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() > static_cast<uint64_t>(TaskEconomics::kMaxAmount)) {
    return Status::InvalidArgument("economics field '" + std::string(field) +
                                   "' overflows (at most 2^53 - 1)");
  }
  *out = it->get<int64_t>();
  return Status::Ok();
}

}  // namespace

Status TaskEconomics::Validate() const {
  const struct {
    const char* field;
    int64_t value;
  } amounts[] = {{"verifier_fee", verifier_fee},
                 {"solver_stake", solver_stake},
                 {"verifier_stake", verifier_stake},
                 {"challenge_stake", challenge_stake},
                 {"whistleblower_reward", whistleblower_reward},
                 {"compute_cost_per_step", compute_cost_per_step},
                 {"verifiers_per_task", verifiers_per_task}};
  for (const auto& a : amounts)
    VT_RETURN_IF_ERROR(CheckRange(a.field, a.value, 0, kMaxAmount));
  VT_RETURN_IF_ERROR(
      CheckRange("slash_winner_bps", slash_winner_bps, 0, kWholeBps));
  VT_RETURN_IF_ERROR(
      CheckRange("slash_jackpot_bps", slash_jackpot_bps, 0, kWholeBps));
  VT_RETURN_IF_ERROR(
      CheckRange("slash_burn_bps", slash_burn_bps, 0, kWholeBps));
  VT_RETURN_IF_ERROR(
      CheckRange("jackpot_tax_bps", jackpot_tax_bps, 0, kWholeBps));
  const int64_t split = slash_winner_bps + slash_jackpot_bps + slash_burn_bps;
  if (split != kWholeBps) {
    return Status::InvalidArgument(
        "economics fields 'slash_winner_bps' + 'slash_jackpot_bps' + "
        "'slash_burn_bps' add up "
        "to " +
        std::to_string(split) + ", not 10000");
  }
  if (!(forced_error_rate >= 0 && forced_error_rate <= 1)) {
    return Status::InvalidArgument(
        "economics field 'forced_error_rate' must be in [0, 1]");
  }
  return Status::Ok();
}

nlohmann::json TaskEconomics::ToJson() const {
  return {{"verifier_fee", verifier_fee},
          {"solver_stake", solver_stake},
          {"verifier_stake", verifier_stake},
          {"challenge_stake", challenge_stake},
          {"slash_winner_bps", slash_winner_bps},
          {"slash_jackpot_bps", slash_jackpot_bps},
          {"slash_burn_bps", slash_burn_bps},
          {"jackpot_tax_bps", jackpot_tax_bps},
          {"forced_error_rate", forced_error_rate},
          {"whistleblower_reward", whistleblower_reward},
          {"slash_lazy", slash_lazy},
          {"verifiers_per_task", verifiers_per_task},
          {"compute_cost_per_step", compute_cost_per_step}};
}

Result<TaskEconomics> TaskEconomics::FromJson(const nlohmann::json& j) {
  if (!j.is_object())
    return Status::InvalidArgument("economics must be an object");
  TaskEconomics e;
  VT_RETURN_IF_ERROR(ReadInt(j, "verifier_fee", &e.verifier_fee));
  VT_RETURN_IF_ERROR(ReadInt(j, "solver_stake", &e.solver_stake));
  VT_RETURN_IF_ERROR(ReadInt(j, "verifier_stake", &e.verifier_stake));
  VT_RETURN_IF_ERROR(ReadInt(j, "challenge_stake", &e.challenge_stake));
  VT_RETURN_IF_ERROR(ReadInt(j, "slash_winner_bps", &e.slash_winner_bps));
  VT_RETURN_IF_ERROR(ReadInt(j, "slash_jackpot_bps", &e.slash_jackpot_bps));
  VT_RETURN_IF_ERROR(ReadInt(j, "slash_burn_bps", &e.slash_burn_bps));
  VT_RETURN_IF_ERROR(ReadInt(j, "jackpot_tax_bps", &e.jackpot_tax_bps));
  VT_RETURN_IF_ERROR(
      ReadInt(j, "whistleblower_reward", &e.whistleblower_reward));
  VT_RETURN_IF_ERROR(ReadInt(j, "verifiers_per_task", &e.verifiers_per_task));
  VT_RETURN_IF_ERROR(
      ReadInt(j, "compute_cost_per_step", &e.compute_cost_per_step));
  if (auto it = j.find("forced_error_rate"); it != j.end()) {
    if (!it->is_number()) {
      return Status::InvalidArgument(
          "economics field 'forced_error_rate' must be a number");
    }
    e.forced_error_rate = it->get<double>();
  }
  if (auto it = j.find("slash_lazy"); it != j.end()) {
    if (!it->is_boolean()) {
      return Status::InvalidArgument(
          "economics field 'slash_lazy' must be a boolean");
    }
    e.slash_lazy = it->get<bool>();
  }
  VT_RETURN_IF_ERROR(e.Validate());
  return e;
}

}  // namespace veritrain
