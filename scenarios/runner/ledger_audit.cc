#include "scenarios/runner/ledger_audit.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "core/protocol/ledger.h"
#include "core/util/json_depth.h"
#include "core/util/regular_file.h"

namespace veritrain {

nlohmann::json AuditLedgerFile(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return nlohmann::json{{"ok", false}, {"error", path + ": " + why}};
  };
  if (Status file = NotARegularFile(path); !file.ok()) return fail(file.message());
  std::ifstream in(path);
  if (!in) return fail("cannot be read");
  std::vector<LedgerEntry> entries;
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (JsonDeeperThan(line, kMaxJsonFileDepth)) {
      return fail("line " + std::to_string(number) + " is JSON nested deeper than " +
                  std::to_string(kMaxJsonFileDepth) + " levels");
    }
    nlohmann::json j =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
      return fail("line " + std::to_string(number) + " is not JSON");
    auto e = Ledger::EntryFromJson(j);
    if (!e.ok())
      return fail("line " + std::to_string(number) + ": " +
                  e.status().message());
    entries.push_back(*e);
  }
  auto replayed = Ledger::Replay(entries);
  if (!replayed.ok()) return fail(replayed.status().ToString());
  Status conserved = replayed->CheckConservation();
  if (!conserved.ok()) return fail(conserved.ToString());
  return {{"ok", true},
          {"entries", entries.size()},
          {"supply", replayed->TotalSupply().value()},
          {"head", replayed->head().Hex()}};
}

}  // namespace veritrain
