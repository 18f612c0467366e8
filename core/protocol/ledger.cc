#include "core/protocol/ledger.h"

#include <utility>

namespace veritrain {

namespace {

constexpr std::string_view kEntryTag = "vt-ledger-v1";

void UpdateStr(Sha256& h, const std::string& s) {
  h.UpdateU64(s.size()).Update(s);
}

std::string SeqName(uint64_t seq) {
  return "ledger entry seq " + std::to_string(seq);
}

Result<std::string> StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) {
    return Status::InvalidArgument(
        std::string("ledger entry: missing field '") + name + "'");
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("ledger entry: field '") + name +
                                   "' is not a string");
  }
  return it->get<std::string>();
}

Result<Digest> DigestField(const nlohmann::json& j, const char* name) {
  VT_ASSIGN_OR_RETURN(std::string hex, StringField(j, name));
  auto d = Digest::FromHex(hex);
  if (!d) {
    return Status::InvalidArgument(std::string("ledger entry: field '") + name +
                                   "' is not 64 hex characters");
  }
  return *d;
}

}  // namespace

bool LedgerEntry::operator==(const LedgerEntry& o) const {
  return seq == o.seq && from == o.from && to == o.to && amount == o.amount &&
         reason == o.reason && task == o.task && prev_hash == o.prev_hash &&
         hash == o.hash;
}

Status Ledger::CheckAccountName(const std::string& role,
                                const std::string& account) const {
  if (account.empty()) {
    return Status::InvalidArgument(role + " account name is empty");
  }
  if (account == kMintAccount) {
    return Status::InvalidArgument(role + " account '" + account +
                                   "' is reserved");
  }
  return Status::Ok();
}

Status Ledger::Mint(const std::string& account, Amount amount,
                    const std::string& reason) {
  VT_RETURN_IF_ERROR(CheckAccountName("mint target", account));
  if (transferred_) {
    return Status::FailedPrecondition(
        "cannot mint " + amount.ToString() + " into '" + account +
        "': tokens are minted only at genesis, before the first transfer");
  }
  if (amount < Amount(0)) {
    return Status::InvalidArgument("cannot mint a negative amount (" +
                                   amount.ToString() + ") into '" + account +
                                   "'");
  }
  auto supply = Amount::Add(total_supply_, amount);
  if (!supply.ok()) {
    return supply.status().WithContext("mint into '" + account + "'");
  }
  // A balance never exceeds the total supply, so this cannot overflow.
  balances_[account] = *Amount::Add(Balance(account), amount);
  total_supply_ = *supply;
  Append(kMintAccount, account, amount, reason, "");
  return Status::Ok();
}

Status Ledger::Transfer(const std::string& from, const std::string& to,
                        Amount amount, const std::string& reason,
                        const std::string& task) {
  VT_RETURN_IF_ERROR(CheckAccountName("source", from));
  VT_RETURN_IF_ERROR(CheckAccountName("destination", to));
  if (from == to) {
    return Status::InvalidArgument("transfer from '" + from + "' to itself");
  }
  const std::string what = "transfer of " + amount.ToString() + " from '" +
                           from + "' to '" + to + "' (" + reason + ")";
  if (amount < Amount(0)) {
    return Status::FailedPrecondition(what + ": negative amount");
  }
  if (!HasAccount(from)) {
    return Status::FailedPrecondition(what + ": unknown account '" + from +
                                      "'");
  }
  const Amount balance = Balance(from);
  if (balance < amount) {
    return Status::FailedPrecondition(what + ": account '" + from +
                                      "' has balance " + balance.ToString() +
                                      ", less than " + amount.ToString());
  }
  // Neither can overflow: 0 <= amount <= balance, and every balance is at
  // most the total supply.
  balances_[from] = *Amount::Sub(balance, amount);
  balances_[to] = *Amount::Add(Balance(to), amount);
  transferred_ = true;
  Append(from, to, amount, reason, task);
  return Status::Ok();
}

void Ledger::Append(const std::string& from, const std::string& to,
                    Amount amount, const std::string& reason,
                    const std::string& task) {
  LedgerEntry e;
  e.seq = entries_.size();
  e.from = from;
  e.to = to;
  e.amount = amount;
  e.reason = reason;
  e.task = task;
  e.prev_hash = head();
  e.hash = HashEntry(e);
  entries_.push_back(std::move(e));
}

Amount Ledger::Balance(const std::string& account) const {
  auto it = balances_.find(account);
  return it == balances_.end() ? Amount(0) : it->second;
}

bool Ledger::HasAccount(const std::string& account) const {
  return balances_.count(account) > 0;
}

Status Ledger::CheckConservation() const {
  Amount sum(0);
  for (const auto& [account, balance] : balances_) {
    auto s = Amount::Add(sum, balance);
    if (!s.ok()) {
      return Status::Internal(
          "ledger conservation: sum of balances "
          "overflows at account '" +
          account + "'");
    }
    sum = *s;
  }
  if (sum != total_supply_) {
    return Status::Internal("ledger conservation violated: balances sum to " +
                            sum.ToString() + " but " +
                            total_supply_.ToString() + " were minted");
  }
  return Status::Ok();
}

Digest Ledger::head() const {
  return entries_.empty() ? Digest{} : entries_.back().hash;
}

Digest Ledger::HashEntry(const LedgerEntry& e) {
  Sha256 h;
  h.Update(kEntryTag).UpdateU8(0).UpdateU64(e.seq);
  UpdateStr(h, e.from);
  UpdateStr(h, e.to);
  h.UpdateU64(static_cast<uint64_t>(e.amount.value()));
  UpdateStr(h, e.reason);
  UpdateStr(h, e.task);
  h.Update(e.prev_hash);
  return h.Finish();
}

Status Ledger::VerifyChain(const std::vector<LedgerEntry>& entries) {
  Digest prev{};
  for (size_t i = 0; i < entries.size(); ++i) {
    const LedgerEntry& e = entries[i];
    if (e.seq != i) {
      return Status::Corruption(SeqName(e.seq) + ": expected seq " +
                                std::to_string(i));
    }
    if (e.prev_hash != prev) {
      return Status::Corruption(
          SeqName(e.seq) + ": prev_hash " + e.prev_hash.Hex() +
          " does not match the previous hash " + prev.Hex());
    }
    const Digest h = HashEntry(e);
    if (h != e.hash) {
      return Status::Corruption(SeqName(e.seq) + ": hash " + e.hash.Hex() +
                                " does not match its contents (" + h.Hex() +
                                ")");
    }
    prev = e.hash;
  }
  return Status::Ok();
}

Result<Ledger> Ledger::Replay(const std::vector<LedgerEntry>& entries) {
  VT_RETURN_IF_ERROR(VerifyChain(entries));
  Ledger ledger;
  for (const LedgerEntry& e : entries) {
    Status s;
    if (e.from == kMintAccount) {
      s = e.task.empty() ? ledger.Mint(e.to, e.amount, e.reason)
                         : Status::InvalidArgument("mint entry has a task");
    } else {
      s = ledger.Transfer(e.from, e.to, e.amount, e.reason, e.task);
    }
    if (!s.ok()) {
      return Status::Corruption(SeqName(e.seq) + ": " + s.ToString());
    }
  }
  // Same rules, same encoding: the replayed chain must end where the given
  // one does.
  if (ledger.head() != (entries.empty() ? Digest{} : entries.back().hash)) {
    return Status::Internal("ledger replay: head differs from the input");
  }
  return ledger;
}

nlohmann::json Ledger::EntryToJson(const LedgerEntry& e) {
  return nlohmann::json{{"seq", e.seq},
                        {"from", e.from},
                        {"to", e.to},
                        {"amount", e.amount.ToJson()},
                        {"reason", e.reason},
                        {"task", e.task},
                        {"prev_hash", e.prev_hash.Hex()},
                        {"hash", e.hash.Hex()}};
}

Result<LedgerEntry> Ledger::EntryFromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return Status::InvalidArgument("ledger entry: not a JSON object");
  }
  LedgerEntry e;
  auto seq = j.find("seq");
  if (seq == j.end()) {
    return Status::InvalidArgument("ledger entry: missing field 'seq'");
  }
  if (!seq->is_number_integer() ||
      (!seq->is_number_unsigned() && seq->get<int64_t>() < 0)) {
    return Status::InvalidArgument(
        "ledger entry: field 'seq' is not a non-negative integer");
  }
  e.seq = seq->get<uint64_t>();
  VT_ASSIGN_OR_RETURN(e.from, StringField(j, "from"));
  VT_ASSIGN_OR_RETURN(e.to, StringField(j, "to"));
  auto amount = j.find("amount");
  if (amount == j.end()) {
    return Status::InvalidArgument("ledger entry: missing field 'amount'");
  }
  VT_ASSIGN_OR_RETURN(
      e.amount, Amount::FromJson(*amount, "ledger entry: field 'amount'"));
  VT_ASSIGN_OR_RETURN(e.reason, StringField(j, "reason"));
  VT_ASSIGN_OR_RETURN(e.task, StringField(j, "task"));
  VT_ASSIGN_OR_RETURN(e.prev_hash, DigestField(j, "prev_hash"));
  VT_ASSIGN_OR_RETURN(e.hash, DigestField(j, "hash"));
  return e;
}

}  // namespace veritrain
