// Ledger: token balances and the append-only, hash-chained record of every
// movement of tokens.
//
// Accounts are named by strings: participants (their ids) and system
// accounts ("escrow/<task>", "jackpot", "burn"). An account exists once it
// has received tokens (or a zero amount). Tokens are created only by Mint,
// at genesis (before the first Transfer), and are recorded as entries from
// the reserved pseudo-account "mint", which has no balance. Total supply =
// sum of mints; CheckConservation verifies that the balances add up to it.
//
// Each entry is chained to the one before:
//   hash = SHA-256( "vt-ledger-v1" || 0x00
//                   || u64le(seq)
//                   || str(from) || str(to)
//                   || u64le(amount as two's-complement int64)
//                   || str(reason) || str(task)
//                   || prev_hash )                          (32 bytes)
// where u64le is 8 bytes little-endian and str(s) = u64le(len(s)) || s.
// seq is 0-based (the entry's index); the first entry's prev_hash is 32 zero
// bytes. JSON form of an entry (results files):
//   {"seq": n, "from": "...", "to": "...", "amount": <integer>,
//    "reason": "...", "task": "...", "prev_hash": hex, "hash": hex}
//
// Thread-safety: not thread-safe. The arbiter owns its ledger on one thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/protocol/amount.h"
#include "core/util/status.h"

namespace veritrain {

struct LedgerEntry {
  uint64_t seq = 0;
  std::string from;  // "mint" for minted tokens
  std::string to;
  Amount amount;
  std::string reason;  // e.g. "escrow reward", "pay reward", "return escrow"
  std::string task;    // the task the movement belongs to; "" for genesis
  Digest prev_hash;
  Digest hash;

  bool operator==(const LedgerEntry& o) const;
};

class Ledger {
 public:
  // The pseudo-account that minted tokens come from.
  static constexpr const char* kMintAccount = "mint";

  Ledger() = default;

  // Creates `amount` tokens in `account`, recorded as an entry from "mint".
  // FailedPrecondition after the first Transfer (genesis is over);
  // InvalidArgument for an empty or reserved account name, a negative amount
  // or a total supply that would overflow. Nothing changes on refusal.
  Status Mint(const std::string& account, Amount amount,
              const std::string& reason);

  // Moves `amount` from `from` to `to` (creating `to` if new).
  // FailedPrecondition, naming the account, its balance and the amount, for
  // an overdraft, a negative amount or an unknown `from`; InvalidArgument
  // for an empty or reserved account name or from == to. Nothing changes on
  // refusal. A zero amount is allowed and recorded.
  Status Transfer(const std::string& from, const std::string& to, Amount amount,
                  const std::string& reason, const std::string& task);

  // 0 for an account that does not exist.
  Amount Balance(const std::string& account) const;
  bool HasAccount(const std::string& account) const;
  // Every account that exists, including those with a zero balance.
  std::map<std::string, Amount> Balances() const { return balances_; }
  Amount TotalSupply() const { return total_supply_; }

  // OK when the balances add up to the total minted; Internal naming both
  // figures otherwise.
  Status CheckConservation() const;

  const std::vector<LedgerEntry>& entries() const { return entries_; }
  // Hash of the last entry; 32 zero bytes for an empty ledger.
  Digest head() const;

  // The hash of `e` as defined above (e.hash is ignored).
  static Digest HashEntry(const LedgerEntry& e);
  // Checks seq numbering, prev_hash links and every hash. Corruption naming
  // the first bad seq.
  static Status VerifyChain(const std::vector<LedgerEntry>& entries);
  // Verifies the chain and replays it, checking every movement is legal
  // (no overdraft, mints only at genesis). Corruption naming the first bad
  // seq. Used to audit a ledger read back from a results file.
  static Result<Ledger> Replay(const std::vector<LedgerEntry>& entries);

  static nlohmann::json EntryToJson(const LedgerEntry& e);
  // InvalidArgument naming the missing or malformed field.
  static Result<LedgerEntry> EntryFromJson(const nlohmann::json& j);

 private:
  Status CheckAccountName(const std::string& role,
                          const std::string& account) const;
  void Append(const std::string& from, const std::string& to, Amount amount,
              const std::string& reason, const std::string& task);

  std::map<std::string, Amount> balances_;
  Amount total_supply_;
  std::vector<LedgerEntry> entries_;
  bool transferred_ = false;  // genesis is over
};

}  // namespace veritrain
