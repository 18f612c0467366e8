// TaskEconomics: the incentive terms of one task (design stages 7–8), as the
// submitter posts them with the task and the arbiter settles by them. Part
// of TaskSpec (field "economics").
//
// Amounts are integer token units (never floating point); fractions of an
// amount are basis points (1 bp = 1/10,000), so every split is exact up to
// a remainder that goes to the last share (see core/protocol/settlement.h).
//
//   verifier_fee          paid from escrow to each selected verifier that
//                         posts a verdict; the submitter escrows
//                         reward + fee × selected verifiers
//   solver_stake          the solver locks it when the task is assigned
//   verifier_stake        each selected verifier locks it at selection
//   challenge_stake       a challenger locks it with its challenge
//   slash_winner_bps,     how a slashed stake is split: to the winner, to
//   slash_jackpot_bps,    the jackpot, burned; the three add up to 10,000
//   slash_burn_bps
//   jackpot_tax_bps       share of a paid reward that goes to the jackpot
//   forced_error_rate     probability in [0, 1] that the arbiter tells the
//                         solver to post a wrong result (Truebit)
//   whistleblower_reward  paid from the jackpot (at most what it holds) to
//                         each verifier that catches a forced error
//   slash_lazy            whether a verifier that approved a wrong result
//                         (a forced error, or one a challenge proved wrong)
//                         loses its verifier stake
//   verifiers_per_task    how many of the task's verifiers the arbiter's
//                         randomness selects; 0 = all of them
//   compute_cost_per_step what re-executing or training one step costs a
//                         participant, in token units; not a ledger
//                         movement, only subtracted in profit figures
//
// JSON: an object with these names; every field optional (defaults: 0,
// slash split 10,000 / 0 / 0, slash_lazy false), so tasks posted without
// economics settle as before (reward only).
//
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/util/status.h"

namespace veritrain {

struct TaskEconomics {
  static constexpr int64_t kWholeBps = 10000;
  // Largest amount a field may hold: 2^53 - 1, exact in every JSON reader.
  static constexpr int64_t kMaxAmount = (int64_t{1} << 53) - 1;

  int64_t verifier_fee = 0;
  int64_t solver_stake = 0;
  int64_t verifier_stake = 0;
  int64_t challenge_stake = 0;
  int64_t slash_winner_bps = kWholeBps;
  int64_t slash_jackpot_bps = 0;
  int64_t slash_burn_bps = 0;
  int64_t jackpot_tax_bps = 0;
  double forced_error_rate = 0;
  int64_t whistleblower_reward = 0;
  bool slash_lazy = false;
  int64_t verifiers_per_task = 0;
  int64_t compute_cost_per_step = 0;

  // InvalidArgument naming the field: a negative or too large amount, a
  // basis-point share outside [0, 10000], a split that does not add up to
  // 10000, a rate outside [0, 1].
  Status Validate() const;
  nlohmann::json ToJson() const;
  // Missing fields take their defaults; the result is validated.
  static Result<TaskEconomics> FromJson(const nlohmann::json& j);
};

}  // namespace veritrain
