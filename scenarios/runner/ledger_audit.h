// The end-of-run audit of the arbiter's ledger file (ledger.jsonl): every
// entry parsed, the hash chain verified, every movement replayed (no
// overdraft, mints only at genesis) and the total supply checked against
// the balances. Every run does it; a failed audit fails the run.
//
// Thread-safety: a pure function of the file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace veritrain {

// {"ok": bool, "entries": n, "supply": tokens minted, "head": hex of the
// last entry's hash, "error": why not ok (absent when ok)}.
nlohmann::json AuditLedgerFile(const std::string& path);

}  // namespace veritrain
