// The money side of a run's results, derived from the arbiter's event log
// like the rest of summary.json: who paid and earned what, per task and
// over the run, the jackpot, forced errors and lazy verifiers, and every
// balance after every ledger transfer (balances.csv).
//
// A participant here is any account that is not held by the protocol:
// everything except "escrow/...", "stake/...", "challenge/...", "jackpot"
// and "burn". A task's profit for a participant is what the task's ledger
// transfers gave it minus what they took (locked stakes come back, so only
// fees, rewards, slashes and jackpot payouts remain), minus its compute
// cost: steps it trained or re-executed times the task's
// economics.compute_cost_per_step (a figure, not a ledger movement).
// `check` refuses a cost per step whose product with the steps and tasks
// is beyond the largest token amount (2^53 - 1); costs and profits still
// saturate at ±(2^63 - 1) rather than wrap, should restarts and disputes
// multiply the steps a party computes past that.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/protocol/event_log.h"

namespace veritrain {

// Adds to each task of `summary` (built by BuildSummary from `events`):
// "economics" (the task's terms), "selected_verifiers", "settlement"
// (outcome, slashed stakes and their split, lazy, caught, silent, tax,
// whistleblower_paid, fees_from_jackpot, fees_unpaid), "forced_error",
// "forced_error_caught", "forced_error_missed", "jackpot" (its level after the
// task), "transfers", "stakes_refused" {participant: tokens of stake or
// challenge stake its funds could not lock, so the task went on without
// them}, "compute_cost" {participant: tokens} and "profit"
// {participant: tokens}. And to the run: "profit" (summed over tasks),
// "jackpot", "burned", "forced_errors" {raised, caught, missed, lazy_exposed,
// fees_from_jackpot, fees_unpaid (the real traces' verifier fees)},
// "lazy_exposed" {participant: tasks, 0 for everyone never exposed},
// "refused_transfers" (count), "supply"
// (tokens minted), "slashed" {participant: tokens lost to slashing, 0 for
// everyone never slashed}, "outcomes" {outcome: number of tasks}.
void AddMoney(const std::vector<Event>& events, nlohmann::json* summary);

// balances.csv: one row per ledger transfer (genesis mints included), in
// ledger order: seq, task, reason, from, to, amount, then the balance of
// every participant, "jackpot", "burn" and "held" (escrow and stakes
// together) after it. Each row's balances add up to the supply.
std::string BalancesCsv(const std::vector<Event>& events);

// True for accounts the protocol holds (escrow, stakes, jackpot, burn).
bool IsSystemAccount(const std::string& account);

// Whether a forced error's verifiers' round (the body of its
// forced_error_settlement event: selected, abstained, silent, caught, …)
// judged it: some selected verifier gave a verdict on the wrong trace.
// A round in which every verifier abstained (a challenge it could not
// fund) or stayed silent never put the forced error to anyone: it is
// neither caught nor missed, as a task cut short before the round is not.
bool ForcedRoundJudged(const nlohmann::json& round);

// Compute costs are figures, not ledger amounts: steps × cost per step can
// pass the int64 range (1e8 steps at 2^53 tokens each), so they and the
// profits they enter saturate at ±(2^63 - 1) instead of overflowing.
int64_t SaturatingAdd(int64_t a, int64_t b);
int64_t SaturatingSub(int64_t a, int64_t b);
int64_t SaturatingMul(int64_t a, int64_t b);

}  // namespace veritrain
