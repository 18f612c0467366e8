// `veritrain report DIR`: one self-contained report.html (plots embedded as
// SVG, no scripts, no network; it opens from disk) for a run folder or a
// sweep folder.
//
// For a run (a folder with summary.json): the folder's audit (the signed
// chain heads, the ledger replayed, summary.json rebuilt from the event
// log; `veritrain audit`), so that "ledger conserved" is never shown for a
// folder that does not hold up; the tasks and expectations; per
// task the posted update norm of every interval with the intervals the
// verifiers checked; per-interval distances of the re-execution against δ
// and the honest reproduction error of the calibration (tolerance mode:
// drawn when summary.json has them, skipped with a note otherwise); the
// dispute trace — the range of steps or nodes after each round of the
// challenge game and the node found (when the task has a "dispute"); and
// every account's balance over the ledger's transfers.
//
// For a sweep (a folder with sweep.json and rows.jsonl): the per-point
// aggregates (detection rate: cheating tasks caught, i.e. challenged and
// not paid; escaped rate: cheating tasks paid); the flagged rate —
// detection rate for a dishonest solver, false-positive rate for an honest
// one — against each swept parameter with
// 95 % Wilson intervals, one line per combination of the other parameters;
// the largest distance per run against the swept parameter with δ, when the
// runs measured distances; and the table of runs.
//
// Plots are drawn by gnuplot (plot.h); without gnuplot the report is still
// written, with tables and a note where each plot would be.
//
// Thread-safety: one call per output file at a time.
#pragma once

#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

struct ReportOptions {
  std::string out_file;          // "" → DIR/report.html
  std::string gnuplot = "gnuplot";
  size_t max_table_rows = 1000;  // rows of the runs table of a sweep
};

struct ReportResult {
  std::string path;                // the report written
  std::string kind;                // "run" or "sweep"
  int plots = 0;                   // plots drawn
  std::vector<std::string> notes;  // what was skipped, and why
  // A run folder is audited first (scenarios/runner/folder_audit.h); the
  // report shows the result beside the ledger line, and says so when the
  // folder could not be audited.
  bool audited = false;
  std::vector<std::string> audit_problems;  // empty when the audit passed
  std::vector<std::string> audit_notes;     // FolderAudit::notes
  // Why the folder could not be audited ("… has no events.jsonl"); the
  // report is then of unchecked files, and `veritrain report` fails.
  std::string audit_error;
};

// NotFound when DIR is neither a run folder nor a sweep folder; Corruption
// naming the file when one of its files cannot be parsed.
Result<ReportResult> WriteReport(const std::string& dir, const ReportOptions& options = {});

// Whether the report of folder `dir` may be written to `out` ("" = its
// report.html): InvalidArgument for anything but a regular file (a device
// such as /dev/null, a pipe, a folder: the report replaces its file), and
// for a path inside `dir` other than its report.html (one of the results
// it reports on). WriteReport checks it first.
Status CheckReportOut(const std::string& dir, const std::string& out);

}  // namespace veritrain
