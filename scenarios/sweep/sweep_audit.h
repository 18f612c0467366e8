// The audit of a sweep folder (`veritrain audit DIR` on a sweep, `report`
// on one, and `sweep --resume` for the runs it keeps), by someone who
// trusts its tables no more than a run folder's files.
//
// A sweep's tables are derived: each run's row (rows.jsonl, and row.json in
// the run's folder) from the run's summary.json, and sweep.csv and
// aggregates.csv from the rows; sweep.json from its own scenario. So:
//   0. sweep.json's parameters, counts and run indices are what its
//      scenario_resolved (and repetitions) give; every row's point, seed
//      and shown values are its run's; every run folder's manifest (bound
//      by the arbiter's genesis event) holds the scenario of its point;
//   1. sweep.csv and aggregates.csv are, byte for byte, what rows.jsonl
//      gives (SweepCsv, AggregatesCsv over sweep.json's parameter names);
//   2. every row whose run wrote a summary has its run folder, and that
//      folder passes the run audit (runner/folder_audit.h: the event log's
//      signed chain, the ledger, summary.json rebuilt from the events);
//   3. each such row is the one its summary.json gives (RowMatchesSummary:
//      every metric and timing but those the runner alone observed — the
//      status, exit code, error and the scenario's solver behaviour).
// A row edited to read "accepted", a summary edited to match it, or a
// summary deleted each fail one of these.
//
// Thread-safety: pure functions of the folder's files.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/util/status.h"
#include "scenarios/runner/folder_audit.h"
#include "scenarios/sweep/sweep_table.h"

namespace veritrain {

// Whether a row's run wrote a summary.json (its metrics hold what only a
// summary gives): such a row is checked against it.
bool RowHasSummary(const SweepRow& row);

// "" when `row` is the row `summary` (the run folder's summary.json)
// gives; else the first difference, naming the column and both values.
std::string RowMatchesSummary(const SweepRow& row, const nlohmann::json& summary);

// Audits the sweep folder `dir`. NotFound when it has no sweep.json (not a
// sweep folder); every finding is a problem in the result, each naming the
// file or run ("runs/run-000004: …").
Result<FolderAudit> AuditSweepFolder(const std::string& dir, const AuditOptions& options = {});

}  // namespace veritrain
