// ledger.jsonl as the ledger grows: every entry is on file after each Sync,
// a restart replaces the file, and the file replays to the same ledger.
#include "core/protocol/ledger_file.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ReadFile;
using testing_util::ScratchDir;
using testing_util::WriteFile;

std::vector<LedgerEntry> LedgerEntriesOf(const std::string& text) {
  std::vector<LedgerEntry> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto e = Ledger::EntryFromJson(nlohmann::json::parse(line));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (e.ok()) out.push_back(*e);
  }
  return out;
}

TEST(LedgerFile, EveryEntryIsOnFileAfterEachSync) {
  ScratchDir dir;
  const std::string path = dir.path() + "/ledger.jsonl";
  WriteFile(path, "an earlier run's ledger\n");  // a reused results folder
  Ledger ledger;
  ASSERT_TRUE(ledger.Mint("submitter", Amount(1000), "genesis").ok());
  ASSERT_TRUE(ledger.Mint("solver", Amount(50), "genesis").ok());
  auto file = LedgerFile::Start(path, ledger.entries(), /*durable=*/true);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(LedgerEntriesOf(ReadFile(path)), ledger.entries());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ledger
                    .Transfer("submitter", "escrow/t" + std::to_string(i),
                              Amount(10), "escrow", "t" + std::to_string(i))
                    .ok());
    ASSERT_TRUE(file->Sync(ledger.entries()).ok());
    // What a crash right now would leave: every entry so far.
    EXPECT_EQ(LedgerEntriesOf(ReadFile(path)), ledger.entries());
  }
  EXPECT_TRUE(
      file->Sync(ledger.entries()).ok());  // nothing new: nothing written
  EXPECT_EQ(file->written(), ledger.entries().size());
  auto replayed = Ledger::Replay(LedgerEntriesOf(ReadFile(path)));
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_EQ(replayed->head(), ledger.head());
}

TEST(LedgerFile, ARestartReplacesATornFile) {
  ScratchDir dir;
  const std::string path = dir.path() + "/ledger.jsonl";
  Ledger ledger;
  ASSERT_TRUE(ledger.Mint("submitter", Amount(1000), "genesis").ok());
  ASSERT_TRUE(
      ledger.Transfer("submitter", "escrow/t", Amount(10), "escrow", "t").ok());
  WriteFile(path, Ledger::EntryToJson(ledger.entries()[0]).dump() +
                      "\n{\"seq\": 1, \"fr");
  auto file = LedgerFile::Start(path, ledger.entries(), false);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(LedgerEntriesOf(ReadFile(path)), ledger.entries());
}

TEST(LedgerFile, NoPathWritesNothing) {
  LedgerFile none;
  Ledger ledger;
  ASSERT_TRUE(ledger.Mint("a", Amount(1), "genesis").ok());
  EXPECT_TRUE(none.Sync(ledger.entries()).ok());
  EXPECT_EQ(none.written(), 0u);
}

TEST(LedgerFile, AnUnwritablePathIsAnIoErrorNamingIt) {
  auto file = LedgerFile::Start("/nonexistent-dir/ledger.jsonl", {}, false);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), Status::Code::kIOError);
  EXPECT_NE(file.status().message().find("/nonexistent-dir/ledger.jsonl"),
            std::string::npos);
}

}  // namespace
}  // namespace veritrain
