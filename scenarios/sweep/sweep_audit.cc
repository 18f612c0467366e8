#include "scenarios/sweep/sweep_audit.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/util/json_depth.h"
#include "core/util/json_keys.h"
#include "scenarios/spec/scenario.h"
#include "scenarios/sweep/sweep.h"
#include "scenarios/sweep/sweep_inputs.h"
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
  return ParseStrictJson(*text, path);
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

namespace {

std::string Short(const json& v) {
  std::string s = v.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// sweep.json against what its own scenario gives, and each run against it:
// the sweep's scenario (scenario_resolved, its hash), its parameters, the
// counts and the run indices are what SweepManifest wrote from that
// scenario and --repetitions; every row's point, repetition, seed and
// shown values are its run's; every run folder's manifest (which the
// arbiter's genesis event binds) holds the scenario that run's point gives.
// An edited value order, label, count or base scenario fails one of these.
void CheckSweepManifest(const std::string& dir, const json& manifest,
                        const std::vector<SweepRow>& rows, FolderAudit* audit) {
  const size_t before = audit->problems.size();
  auto problem = [&](const std::string& p) { audit->problems.push_back("sweep.json: " + p); };
  const json resolved = manifest.value("scenario_resolved", json());
  auto base = ParseScenario(resolved.dump(), "sweep.json scenario_resolved");
  if (!resolved.is_object() || !base.ok()) {
    problem("scenario_resolved is not a scenario (" +
            (base.ok() ? std::string("not an object") : base.status().message()).substr(0, 200) +
            ")");
    return;
  }
  auto spec = SweepSpecOf(*base);
  if (!spec.ok()) {
    problem("scenario_resolved has no sweep (" + spec.status().message().substr(0, 200) + ")");
    return;
  }
  const json repetitions = manifest.value("repetitions", json());
  if (!repetitions.is_number_integer() || repetitions.get<int64_t>() < 1) {
    problem("repetitions is not a count");
    return;
  }
  spec->repetitions = repetitions.get<int64_t>();
  json params = json::array();
  for (const auto& p : spec->parameters) {
    json entry = {{"name", p.name}, {"path", p.path}, {"values", p.values}};
    if (!p.labels.empty()) entry["labels"] = p.labels;
    params.push_back(entry);
  }
  const json expected = {{"scenario_sha256", Sha256Of(base->resolved.dump()).Hex()},
                         {"seed", base->seed},
                         {"parameters", params},
                         {"seeds", spec->common_seeds ? "common" : "independent"},
                         {"points", spec->points()},
                         {"runs", spec->runs()}};
  for (const auto& [field, value] : expected.items()) {
    if (manifest.value(field, json()) != value) {
      problem(field + " is not what its scenario_resolved gives (" + Short(value) + ")");
    }
  }
  // The runs: all of them, the shard's or a merge's, by index.
  std::map<int64_t, SweepRun> runs;
  for (SweepRun& r : SweepRuns(*spec, base->seed)) runs.emplace(r.index, std::move(r));
  const json indices = manifest.value("run_indices", json::array());
  if (!indices.is_array()) {
    problem("run_indices is not a list");
    return;
  }
  const Result<SweepInputs> recorded = RecordedSweepInputs(manifest, "sweep.json");
  std::set<int64_t> listed;
  for (const json& i : indices) {
    if (!i.is_number_integer() || runs.count(i.get<int64_t>()) == 0) {
      problem("run_indices lists " + i.dump() + ", which is no run of the sweep");
      return;
    }
    listed.insert(i.get<int64_t>());
  }
  // "completed" counts the runs that settled (status "ok"), as the sweep
  // and a merge write it: a failed or timed-out run has its row too.
  const json completed = manifest.value("completed", json());
  int64_t settled = 0;
  for (const SweepRow& row : rows) {
    if (row.metrics.value("status", std::string()) == "ok") ++settled;
  }
  if (completed.is_null() || completed != json(settled)) {
    problem("completed is " + completed.dump() + ", rows.jsonl holds " + std::to_string(settled) +
            " settled rows (status ok) of " + std::to_string(rows.size()));
  }
  // Everything present may be right and the sweep still not whole: its
  // table and aggregates are then over some points and repetitions only.
  // A shard plans its own runs; a whole sweep (a merge with
  // --allow-missing among them, which lists only the runs it holds) plans
  // every run of the sweep.
  const json shard = manifest.value("shard", json::object());
  const bool whole = !shard.is_object() || shard.value("count", int64_t{1}) == 1;
  std::set<int64_t> planned = listed;
  if (whole) {
    for (const auto& [index, run] : runs) planned.insert(index);
  }
  if (rows.size() < planned.size()) {
    std::set<int64_t> missing = planned;
    for (const SweepRow& row : rows) missing.erase(row.run);
    std::string first;
    for (int64_t i : missing) {
      if (first.size() > 60) {
        first += ", …";
        break;
      }
      first += (first.empty() ? "" : ", ") + std::to_string(i);
    }
    audit->notes.push_back("the sweep is incomplete: " + std::to_string(rows.size()) + " of the " +
                           std::to_string(planned.size()) +
                           " runs it plans are here (missing runs " + first +
                           "); its tables and aggregates cover only these, and " +
                           (manifest.contains("merged_from")
                                ? std::string("merging again with the shards that hold the "
                                              "missing runs adds them")
                                : std::string("sweep --resume runs the rest")));
  }
  for (const SweepRow& row : rows) {
    const std::string name = "runs/" + SweepRunDirName(row.run);
    auto it = runs.find(row.run);
    if (it == runs.end() || listed.count(row.run) == 0) {
      audit->problems.push_back(name + ": its row is for no run sweep.json lists");
      continue;
    }
    const SweepRun& run = it->second;
    if (row.point != run.point || row.repetition != run.repetition || row.seed != run.seed ||
        row.values != run.shown) {
      audit->problems.push_back(name + ": its row's point, seed or values are not the ones "
                                "sweep.json gives run " + std::to_string(row.run));
    }
    if (!RowHasSummary(row)) continue;
    auto run_manifest = ReadAuditedJson(dir + "/" + name + "/manifest.json");
    auto scenario = SweepRunScenario(*base, *spec, run);
    if (!run_manifest.ok() || !run_manifest->is_object() || !scenario.ok() ||
        run_manifest->value("scenario", json()) != scenario->resolved) {
      audit->problems.push_back(name + ": its manifest.json's scenario is not the one "
                                "sweep.json gives its point (" +
                                PointName(*spec, run) + ")");
    }
    // The files it read are the ones the sweep began with.
    if (recorded.ok() && run_manifest.ok()) {
      if (auto change = RunInputChange(*recorded, *run_manifest)) {
        audit->problems.push_back(name + ": it " + ReadOtherContents(*change) +
                                  " sweep.json records: the file changed during the sweep");
      }
    }
  }
  // Every run folder is one a row is for: a folder written into runs/ by
  // another run (another scenario, an index past the sweep) would be read
  // as the sweep's by anyone going through the folders. A planned run's
  // folder without its row is an interrupted one (sweep --resume reruns
  // it).
  std::set<std::string> with_rows;
  for (const SweepRow& row : rows) with_rows.insert(SweepRunDirName(row.run));
  std::set<std::string> planned_names;
  for (int64_t i : planned) planned_names.insert(SweepRunDirName(i));
  std::error_code ec;
  std::set<std::string> strays;
  for (fs::directory_iterator it(fs::path(dir) / "runs", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (with_rows.count(name) > 0) continue;
    if (planned_names.count(name) > 0) {
      audit->notes.push_back("runs/" + name + ": a planned run's folder with no row in "
                             "rows.jsonl (an interrupted run; sweep --resume reruns it)");
    } else {
      strays.insert(name);
    }
  }
  if (!strays.empty()) {
    std::string names;
    size_t n = 0;
    for (const std::string& name : strays) {
      if (++n > 5) {
        names += " and " + std::to_string(strays.size() - 5) + " more";
        break;
      }
      names += (names.empty() ? "" : ", ") + ("runs/" + name);
    }
    audit->problems.push_back(names + ": not the folder of any run sweep.json lists (written "
                              "there by another run, or left from elsewhere): not this sweep's "
                              "results");
  }
  if (audit->problems.size() == before) {
    audit->passed.push_back("sweep.json: its parameters, counts and runs are what its scenario "
                            "gives, and every run's manifest holds its point's scenario");
  }
}

}  // namespace

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
  CheckSweepManifest(dir, *manifest, *rows, &audit);
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
