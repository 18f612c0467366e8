#include "scenarios/sweep/sweep_audit.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <vector>

#include "core/util/json_depth.h"
#include "scenarios/spec/scenario.h"
#include "scenarios/sweep/sweep_runner.h"

namespace veritrain {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The metrics a row takes from the run's outcome as the runner saw it, not
// from its summary.json.
const std::set<std::string>& RunnerObservedMetrics() {
  static const std::set<std::string> names = {"status", "exit_code", "error",
                                              "solver_behaviour"};
  return names;
}

// The file's text, or nullopt when it cannot be read.
std::optional<std::string> ReadAuditedText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The JSON file at `path`, or an error naming it.
Result<json> ReadAuditedJson(const std::string& path) {
  const auto text = ReadAuditedText(path);
  if (!text) return Status::NotFound(path + " is missing or cannot be read");
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(*text, path));
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return Status::Corruption(path + " is not JSON");
  return j;
}

// The first column where two column -> value objects differ, as
// "<column> (<what> a, <other> b)"; "" when they agree, `skip` aside.
std::string FirstColumnDifference(const json& a, const json& b, const std::set<std::string>& skip,
                            const std::string& what, const std::string& other) {
  std::set<std::string> columns;
  for (const auto& [k, v] : a.items()) columns.insert(k);
  for (const auto& [k, v] : b.items()) columns.insert(k);
  for (const std::string& c : columns) {
    if (skip.count(c)) continue;
    const json va = a.value(c, json());
    const json vb = b.value(c, json());
    if (va != vb) return c + " (" + what + " " + va.dump() + ", " + other + " " + vb.dump() + ")";
  }
  return "";
}

}  // namespace

bool RowHasSummary(const SweepRow& row) { return row.metrics.contains("conservation"); }

std::string RowMatchesSummary(const SweepRow& row, const json& summary) {
  SweepRun run;
  run.index = row.run;
  run.point = row.point;
  run.repetition = row.repetition;
  run.seed = row.seed;
  run.shown = row.values;
  // RowFromRun reads the scenario for its solver's behaviour only, and
  // the outcome for what the runner alone saw: both skipped below.
  Scenario scenario;
  ParticipantSpec solver;
  solver.role = "solver";
  scenario.participants.push_back(solver);
  RunOutcome outcome;
  outcome.exit_code = row.metrics.value("exit_code", static_cast<int>(kRunOk));
  outcome.summary = summary;
  const SweepRow given = RowFromRun(run, scenario, outcome);
  std::string diff = FirstColumnDifference(row.metrics, given.metrics, RunnerObservedMetrics(), "row",
                                     "summary.json gives");
  if (diff.empty()) {
    diff = FirstColumnDifference(row.timings, given.timings, {}, "row", "summary.json gives");
  }
  return diff;
}

Result<FolderAudit> AuditSweepFolder(const std::string& dir, const AuditOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(dir) / "sweep.json", ec)) {
    return Status::NotFound(dir + " has no sweep.json: not a sweep folder");
  }
  FolderAudit audit;
  auto manifest = ReadAuditedJson(dir + "/sweep.json");
  if (!manifest.ok() || !manifest->is_object()) {
    audit.problems.push_back("sweep.json: " + (manifest.ok() ? std::string("not an object")
                                                             : manifest.status().message()));
    return audit;
  }
  auto rows = ReadSweepRows(dir);
  if (!rows.ok()) {
    audit.problems.push_back("rows.jsonl: " + rows.status().message());
    return audit;
  }
  // 1. The tables are what the rows give.
  std::vector<std::string> names;
  const json parameters = manifest->value("parameters", json::array());
  if (parameters.is_array()) {
    for (const json& p : parameters) {
      if (p.is_object()) names.push_back(p.value("name", std::string()));
    }
  }
  std::vector<SweepRow> sorted = *rows;
  std::sort(sorted.begin(), sorted.end(),
            [](const SweepRow& a, const SweepRow& b) { return a.run < b.run; });
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"sweep.csv", SweepCsv(names, sorted)},
      {"aggregates.csv", AggregatesCsv(names, Aggregate(sorted))}};
  for (const auto& [file, expected] : tables) {
    const auto text = ReadAuditedText(dir + "/" + file);
    if (!text) {
      audit.problems.push_back(file + ": missing or cannot be read");
    } else if (*text != expected) {
      audit.problems.push_back(file + ": not the table rows.jsonl gives (edited, or written "
                               "by another build)");
    } else {
      audit.passed.push_back(file + ": identical to the one rows.jsonl gives");
    }
  }
  // 2 and 3. Each run that wrote a summary: its folder, its audit, its row.
  int64_t audited = 0;
  for (const SweepRow& row : sorted) {
    const std::string name = "runs/" + SweepRunDirName(row.run);
    const std::string run_dir = dir + "/" + name;
    if (!RowHasSummary(row)) {
      // Failed before a summary: nothing to check, unless there is one.
      if (fs::exists(run_dir + "/summary.json", ec)) {
        audit.problems.push_back(name + ": its row holds no summary's figures (status " +
                                 row.metrics.value("status", json()).dump() +
                                 "), but its folder has summary.json");
      }
      continue;
    }
    auto summary = ReadAuditedJson(run_dir + "/summary.json");
    if (!summary.ok()) {
      audit.problems.push_back(name + ": its row holds a summary's figures, but " +
                               summary.status().message());
      continue;
    }
    auto run_audit = AuditRunFolder(run_dir, options);
    if (!run_audit.ok()) {
      audit.problems.push_back(name + ": " + run_audit.status().message());
      continue;
    }
    for (const std::string& p : run_audit->problems) audit.problems.push_back(name + ": " + p);
    if (audit.arbiter_key.empty() && !run_audit->arbiter_key.empty() && options.arbiter_key) {
      audit.arbiter_key = run_audit->arbiter_key;
    }
    const std::string diff = RowMatchesSummary(row, *summary);
    if (!diff.empty()) {
      audit.problems.push_back(name + ": rows.jsonl's row is not the one its summary.json "
                               "gives: " + diff);
    }
    ++audited;
  }
  audit.passed.push_back(std::to_string(audited) + " of " + std::to_string(sorted.size()) +
                         " runs with a summary audited (event log, ledger, summary.json) "
                         "and their rows checked against them");
  return audit;
}

}  // namespace veritrain
