// Ledger: transfers and refusals, conservation under random operations,
// the hash chain (known-answer vectors, tamper detection), replay and JSON.
#include "core/protocol/ledger.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::Contains;

using Code = Status::Code;

// alice 1000, bob 500, then alice escrows 250 for task t1.
Ledger SmallLedger() {
  Ledger l;
  EXPECT_TRUE(l.Mint("alice", Amount(1000), "genesis").ok());
  EXPECT_TRUE(l.Mint("bob", Amount(500), "genesis").ok());
  EXPECT_TRUE(
      l.Transfer("alice", "escrow/t1", Amount(250), "escrow reward", "t1")
          .ok());
  return l;
}

TEST(LedgerTest, MintAndTransfer) {
  Ledger l = SmallLedger();
  EXPECT_EQ(l.Balance("alice"), Amount(750));
  EXPECT_EQ(l.Balance("bob"), Amount(500));
  EXPECT_EQ(l.Balance("escrow/t1"), Amount(250));
  EXPECT_EQ(l.Balance("nobody"), Amount(0));
  EXPECT_FALSE(l.HasAccount("nobody"));
  EXPECT_EQ(l.TotalSupply(), Amount(1500));
  EXPECT_TRUE(l.CheckConservation().ok());
  std::map<std::string, Amount> want = {
      {"alice", Amount(750)}, {"bob", Amount(500)}, {"escrow/t1", Amount(250)}};
  EXPECT_EQ(l.Balances(), want);

  ASSERT_EQ(l.entries().size(), 3u);
  const LedgerEntry& e = l.entries()[2];
  EXPECT_EQ(e.seq, 2u);
  EXPECT_EQ(e.from, "alice");
  EXPECT_EQ(e.to, "escrow/t1");
  EXPECT_EQ(e.amount, Amount(250));
  EXPECT_EQ(e.reason, "escrow reward");
  EXPECT_EQ(e.task, "t1");
  EXPECT_EQ(e.prev_hash, l.entries()[1].hash);
  EXPECT_EQ(l.head(), e.hash);
  EXPECT_EQ(l.entries()[0].from, "mint");
  EXPECT_EQ(l.entries()[0].prev_hash, Digest{});
}

TEST(LedgerTest, EmptyLedger) {
  Ledger l;
  EXPECT_EQ(l.head(), Digest{});
  EXPECT_EQ(l.TotalSupply(), Amount(0));
  EXPECT_TRUE(l.CheckConservation().ok());
  EXPECT_TRUE(Ledger::VerifyChain({}).ok());
}

// Expected hashes computed independently with Python hashlib from the
// encoding documented in ledger.h:
//   e0 = sha256(b"vt-ledger-v1\0" + q(0) + s("mint") + s("alice") + q(1000)
//               + s("genesis") + s("") + bytes(32))
//   e1 = sha256(b"vt-ledger-v1\0" + q(1) + s("alice") + s("escrow/t1")
//               + q(250) + s("escrow reward") + s("t1") + e0)
// with q = struct.pack("<q"), s(x) = struct.pack("<Q", len(x)) + x.
TEST(LedgerTest, HashMatchesDocumentedEncoding) {
  Ledger l;
  ASSERT_TRUE(l.Mint("alice", Amount(1000), "genesis").ok());
  ASSERT_TRUE(
      l.Transfer("alice", "escrow/t1", Amount(250), "escrow reward", "t1")
          .ok());
  EXPECT_EQ(l.entries()[0].hash.Hex(),
            "3aa9d3024e224c56ef68f20e27579706985c2c0305735eab0d02debe090e608c");
  EXPECT_EQ(l.entries()[1].hash.Hex(),
            "9d5b8b3cd07e604a9c097255a965f90ca2e73248e8c78f755c671546d39626ee");
}

// Checks a refusal's code and that its message names each of `named`.
void ExpectRefused(const Status& s, Code code,
                   const std::vector<std::string>& named) {
  SCOPED_TRACE(s.ToString());
  EXPECT_EQ(s.code(), code);
  for (const auto& n : named) EXPECT_TRUE(Contains(s.message(), n)) << n;
}

TEST(LedgerTest, OverdraftRefusedAndNothingChanges) {
  Ledger l = SmallLedger();
  const auto balances = l.Balances();
  const auto entries = l.entries();
  const Digest head = l.head();

  Status s = l.Transfer("escrow/t1", "bob", Amount(251), "pay reward", "t1");
  ExpectRefused(s, Code::kFailedPrecondition, {"escrow/t1", "250", "251"});
  EXPECT_EQ(l.Balances(), balances);
  EXPECT_EQ(l.entries(), entries);
  EXPECT_EQ(l.head(), head);
  EXPECT_TRUE(l.CheckConservation().ok());

  // Exactly the balance is fine.
  EXPECT_TRUE(
      l.Transfer("escrow/t1", "bob", Amount(250), "pay reward", "t1").ok());
  EXPECT_EQ(l.Balance("escrow/t1"), Amount(0));
  EXPECT_TRUE(l.HasAccount("escrow/t1"));
}

TEST(LedgerTest, OtherRefusals) {
  Ledger l = SmallLedger();
  const auto entries = l.entries();
  const auto balances = l.Balances();
  ExpectRefused(l.Transfer("alice", "bob", Amount(-1), "steal", "t1"),
                Code::kFailedPrecondition, {"alice", "-1", "negative"});
  ExpectRefused(l.Transfer("carol", "bob", Amount(0), "pay", "t1"),
                Code::kFailedPrecondition, {"carol", "unknown"});
  ExpectRefused(l.Transfer("alice", "alice", Amount(1), "x", ""),
                Code::kInvalidArgument, {"alice", "itself"});
  ExpectRefused(l.Transfer("alice", "", Amount(1), "x", ""),
                Code::kInvalidArgument, {"destination", "empty"});
  ExpectRefused(l.Transfer("alice", "mint", Amount(1), "x", ""),
                Code::kInvalidArgument, {"mint", "reserved"});
  ExpectRefused(l.Transfer("mint", "alice", Amount(1), "x", ""),
                Code::kInvalidArgument, {"mint", "reserved"});
  // Genesis is over once a transfer happened.
  ExpectRefused(l.Mint("carol", Amount(5), "late"), Code::kFailedPrecondition,
                {"carol", "genesis"});
  EXPECT_EQ(l.entries(), entries);
  EXPECT_EQ(l.Balances(), balances);
  EXPECT_EQ(l.TotalSupply(), Amount(1500));
  EXPECT_FALSE(l.HasAccount("carol"));
}

TEST(LedgerTest, MintRefusals) {
  Ledger l;
  EXPECT_EQ(l.Mint("alice", Amount(-5), "g").code(), Code::kInvalidArgument);
  EXPECT_EQ(l.Mint("", Amount(5), "g").code(), Code::kInvalidArgument);
  EXPECT_EQ(l.Mint("mint", Amount(5), "g").code(), Code::kInvalidArgument);
  const int64_t max = std::numeric_limits<int64_t>::max();
  ASSERT_TRUE(l.Mint("alice", Amount(max), "g").ok());
  Status s = l.Mint("bob", Amount(1), "g");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), "overflow")) << s.ToString();
  EXPECT_EQ(l.TotalSupply(), Amount(max));
  EXPECT_EQ(l.entries().size(), 1u);
  EXPECT_FALSE(l.HasAccount("bob"));
  EXPECT_TRUE(l.CheckConservation().ok());
}

// Property: thousands of random transfers (many of them illegal) keep the
// ledger in agreement with a plain model, never negative, always conserved,
// and the resulting chain verifies and replays to the same balances.
TEST(LedgerTest, RandomTransfersConserveSupply) {
  std::mt19937_64 rng(20240601);  // fixed seed: reproducible
  const std::vector<std::string> accounts = {
      "alice",     "bob",       "carol",   "dave",
      "escrow/t1", "escrow/t2", "jackpot", "burn"};
  Ledger l;
  std::map<std::string, int64_t> model;
  int64_t supply = 0;
  for (int i = 0; i < 4; ++i) {
    const int64_t amount = 1000 * (i + 1);
    ASSERT_TRUE(l.Mint(accounts[i], Amount(amount), "genesis").ok());
    model[accounts[i]] += amount;
    supply += amount;
  }
  int accepted = 0, refused = 0;
  for (int op = 0; op < 3000; ++op) {
    const std::string& from = accounts[rng() % accounts.size()];
    const std::string& to = accounts[rng() % accounts.size()];
    // Mostly plausible amounts, sometimes negative or too large.
    const int64_t amount = static_cast<int64_t>(rng() % 1200) - 100;
    const bool legal = from != to && model.count(from) > 0 && amount >= 0 &&
                       amount <= model[from];
    Status s = l.Transfer(from, to, Amount(amount), "random", "t1");
    ASSERT_EQ(s.ok(), legal) << "op " << op << ": " << s.ToString();
    if (legal) {
      model[from] -= amount;
      model[to] += amount;
      ++accepted;
    } else {
      ++refused;
    }
    ASSERT_TRUE(l.CheckConservation().ok()) << "op " << op;
  }
  EXPECT_GT(accepted, 500);  // the property was exercised both ways
  EXPECT_GT(refused, 500);
  EXPECT_EQ(l.TotalSupply(), Amount(supply));
  for (const auto& [account, balance] : l.Balances()) {
    EXPECT_GE(balance, Amount(0)) << account;
    EXPECT_EQ(balance.value(), model[account]) << account;
  }
  ASSERT_TRUE(Ledger::VerifyChain(l.entries()).ok());
  auto replayed = Ledger::Replay(l.entries());
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_EQ(replayed->Balances(), l.Balances());
  EXPECT_EQ(replayed->head(), l.head());
}

std::vector<LedgerEntry> ChainOfSix() {
  Ledger l = SmallLedger();
  EXPECT_TRUE(l.Transfer("bob", "jackpot", Amount(10), "stake", "t1").ok());
  EXPECT_TRUE(l.Transfer("jackpot", "burn", Amount(5), "burn", "t1").ok());
  EXPECT_TRUE(
      l.Transfer("escrow/t1", "alice", Amount(250), "return escrow", "t1")
          .ok());
  return l.entries();
}

void ExpectCorruptAt(const std::vector<LedgerEntry>& entries, uint64_t seq) {
  Status s = Ledger::VerifyChain(entries);
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_TRUE(Contains(s.message(), "seq " + std::to_string(seq) + ":"))
      << s.ToString();
}

TEST(LedgerTest, VerifyChainFindsTheTamperedEntry) {
  const auto good = ChainOfSix();
  ASSERT_EQ(good.size(), 6u);
  ASSERT_TRUE(Ledger::VerifyChain(good).ok());

  auto e = good;
  e[3].amount = Amount(1000);
  ExpectCorruptAt(e, 3);

  e = good;
  e[4].to = "mallory";
  ExpectCorruptAt(e, 4);

  e = good;
  e[2].reason = "pay reward";
  ExpectCorruptAt(e, 2);

  e = good;
  e[5].hash.bytes[0] ^= 1;
  ExpectCorruptAt(e, 5);

  e = good;
  e[0].prev_hash.bytes[31] = 7;
  ExpectCorruptAt(e, 0);

  // Rewriting an entry and recomputing its hash breaks the next link.
  e = good;
  e[3].amount = Amount(1);
  e[3].hash = Ledger::HashEntry(e[3]);
  ExpectCorruptAt(e, 4);

  // A removed entry breaks the numbering.
  e = good;
  e.erase(e.begin() + 2);
  Status s = Ledger::VerifyChain(e);
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_TRUE(Contains(s.message(), "expected seq 2")) << s.ToString();
}

TEST(LedgerTest, ReplayRefusesAWellHashedOverdraft) {
  // A chain whose hashes are all consistent but which spends money that was
  // never there: only replay can tell.
  std::vector<LedgerEntry> entries;
  auto add = [&](const std::string& from, const std::string& to, int64_t a) {
    LedgerEntry e;
    e.seq = entries.size();
    e.from = from;
    e.to = to;
    e.amount = Amount(a);
    e.reason = "r";
    e.prev_hash = entries.empty() ? Digest{} : entries.back().hash;
    e.hash = Ledger::HashEntry(e);
    entries.push_back(e);
  };
  add("mint", "alice", 10);
  add("alice", "bob", 4);
  add("bob", "carol", 5);
  ASSERT_TRUE(Ledger::VerifyChain(entries).ok());
  auto r = Ledger::Replay(entries);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  EXPECT_TRUE(Contains(r.status().message(), "seq 2:"))
      << r.status().ToString();
}

TEST(LedgerTest, JsonRoundTrip) {
  for (const LedgerEntry& e : ChainOfSix()) {
    const nlohmann::json j = Ledger::EntryToJson(e);
    // Through text, as in a results file.
    auto back = Ledger::EntryFromJson(nlohmann::json::parse(j.dump()));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, e);
    EXPECT_EQ(Ledger::EntryToJson(*back).dump(), j.dump());
  }
  const nlohmann::json j = Ledger::EntryToJson(ChainOfSix()[2]);
  EXPECT_TRUE(j["amount"].is_number_integer());
  EXPECT_EQ(j["amount"].get<int64_t>(), 250);
  EXPECT_EQ(j["hash"].get<std::string>().size(), 64u);
}

TEST(LedgerTest, JsonErrorsNameTheField) {
  const nlohmann::json good = Ledger::EntryToJson(ChainOfSix()[1]);
  struct Case {
    const char* field;
    nlohmann::json value;  // null: remove the field
  };
  const Case cases[] = {{"seq", nullptr},     {"seq", -1},
                        {"from", 3},          {"to", nullptr},
                        {"amount", 2.5},      {"amount", "10"},
                        {"reason", nullptr},  {"task", false},
                        {"prev_hash", "abc"}, {"hash", nullptr}};
  for (const Case& c : cases) {
    nlohmann::json j = good;
    if (c.value.is_null()) {
      j.erase(c.field);
    } else {
      j[c.field] = c.value;
    }
    auto r = Ledger::EntryFromJson(j);
    ASSERT_FALSE(r.ok()) << c.field << " = " << c.value.dump();
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_TRUE(Contains(r.status().message(), c.field))
        << r.status().ToString();
  }
  EXPECT_FALSE(Ledger::EntryFromJson(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace veritrain
