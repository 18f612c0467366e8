// The audit of a finished results folder (`veritrain audit DIR`), by someone
// who trusts nothing in it but the arbiter's public key.
//
// The event log is the source of truth; every other file is checked
// against it:
//   1. events.jsonl parses and its hash chain holds (core/protocol/
//      event_log.h); every "chain_head" event is the arbiter's signature
//      over the heads of the event log and the ledger at that point
//      (core/protocol/chain_head.h), checked against the arbiter's public
//      key from manifest.json (or the one the auditor pins); the log ends
//      with the arbiter's "shutdown" event and a signed head after it, so
//      nothing is missing at the end and nothing was added after it.
//   2. manifest.json is the one the arbiter hashed into its genesis event.
//   3. The ledger: the "transfer" events replayed (hash chain, no
//      overdraft, mints only at genesis, supply conserved), and ledger.jsonl
//      equal to them entry by entry. It does not matter when ledger.jsonl
//      was written.
//   4. summary.json rebuilt from events.jsonl and the roles' reports
//      (RunSummaryFromFolder below) equals the folder's, timings aside;
//      metrics.csv is the one summary.json gives, balances.csv the one the
//      events give.
// A rewritten entry with every hash recomputed (a re-chained forgery)
// fails (1): the signature no longer covers the heads. What a signature
// cannot settle is which key is the arbiter's: a forger who replaces the
// manifest's key too is caught only by pinning the real one
// (AuditOptions::arbiter_key, `--arbiter-key`); the audit prints the key it
// used.
//
// Thread-safety: pure functions of the folder's files.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/identity.h"
#include "core/protocol/event_log.h"
#include "core/util/status.h"

namespace veritrain {

// The key given with `--arbiter-key`: nullopt when the flag is absent
// (the audit then uses manifest.json's), the key when it is 64 hex
// characters, InvalidArgument "--arbiter-key must be 64 hex characters"
// otherwise — an empty value included: `--arbiter-key "$KEY"` with KEY
// unset must not quietly fall back to the key the folder itself names.
Result<std::optional<PublicKey>> ArbiterKeyFlag(const std::optional<std::string>& given);

struct AuditOptions {
  // The arbiter's public key as the auditor knows it; unset: manifest.json's.
  std::optional<PublicKey> arbiter_key;
};

struct FolderAudit {
  std::vector<std::string> passed;    // one line per check that held
  std::vector<std::string> problems;  // one line per difference, naming it
  // What holds but a reader must know: a sweep folder that holds fewer
  // runs than it planned (interrupted, or merged with --allow-missing).
  std::vector<std::string> notes;
  std::string arbiter_key;            // hex of the key the heads were checked with
  bool ok() const { return problems.empty(); }
};

// Audits the run folder `dir`. NotFound when `dir` has no events.jsonl (it
// is not a run folder); every finding, including unreadable files, is a
// problem in the result.
Result<FolderAudit> AuditRunFolder(const std::string& dir, const AuditOptions& options = {});

// The lines `veritrain audit` prints: "  ok    ..." / "  FAIL  ..." /
// "  note  ...", then "audit: passed", "audit: passed, incomplete (...)"
// when there are notes, or "audit: FAILED (n problems)".
std::string AuditText(const FolderAudit& audit);

// What only the runner observed and no file of the folder records; copied
// as they are into summary.json and, by the audit, from it, when present
// ("stopped_early" is only there when the run ended before its last task).
inline constexpr const char* kRunnerObservedFields[] = {"crashes", "warnings", "timings",
                                                        "stopped_early"};

// summary.json of the run folder `dir`: BuildSummary over `events`, the
// ledger audit of ledger.jsonl, what the roles' reports in reports/ say
// (rejected messages, network faults and resends, and with `curve` the ZAP
// denials), the fields of `observed` (kRunnerObservedFields), and the
// expectations `expect` evaluated over all of it. Errors name the report
// that cannot be read.
Result<nlohmann::json> RunSummaryFromFolder(const std::string& dir,
                                            const std::vector<Event>& events,
                                            const std::string& scenario, uint64_t seed,
                                            bool curve, const nlohmann::json& expect,
                                            const nlohmann::json& observed);

}  // namespace veritrain
