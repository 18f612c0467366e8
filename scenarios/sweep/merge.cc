#include "scenarios/sweep/merge.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/state/atomic_file.h"
#include "core/util/json_depth.h"
#include "scenarios/runner/results_folder.h"
#include "scenarios/sweep/sweep_audit.h"
#include "scenarios/sweep/sweep_inputs.h"
#include "scenarios/sweep/sweep_runner.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Result<json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + " cannot be opened (not a sweep folder?)");
  std::stringstream ss;
  ss << in.rdbuf();
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(ss.str(), path));
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return Status::Corruption(path + " is not valid JSON");
  return j;
}

// The shard's row of `run` against the run's own summary.json: a row
// edited in rows.jsonl would otherwise be merged into the tables as a
// result. "" when it matches (or its run wrote no summary).
std::string RowAgainstSummary(const std::string& dir, const SweepRow& row) {
  if (!RowHasSummary(row)) return "";
  // A run without its folder: MergeSweeps says the shard is incomplete.
  std::error_code ec;
  if (!fs::is_directory(fs::path(dir) / "runs" / SweepRunDirName(row.run), ec)) return "";
  const std::string path = dir + "/runs/" + SweepRunDirName(row.run) + "/summary.json";
  auto summary = ReadJsonFile(path);
  if (!summary.ok()) return path + " cannot be read";
  if (!summary->is_object()) return path + " is not a JSON object";
  std::string diff = RowMatchesSummary(row, *summary);
  return diff.empty() ? "" : "its row in rows.jsonl is not the one " + path + " gives: " + diff;
}

}  // namespace

Result<MergeResult> MergeSweeps(const std::string& out_dir,
                                const std::vector<std::string>& shard_dirs,
                                bool allow_missing) {
  if (shard_dirs.empty()) return Status::InvalidArgument("merge: no shard folders given");
  json reference;
  std::string reference_dir;
  SweepInputs reference_inputs;
  std::vector<SweepRow> rows;
  std::map<int64_t, std::string> owner;  // run -> shard folder
  std::set<int64_t> shard_indices;
  for (const std::string& dir : shard_dirs) {
    VT_ASSIGN_OR_RETURN(json m, ReadJsonFile(dir + "/sweep.json"));
    if (m.value("format", std::string()) != "veritrain-sweep/1") {
      return Status::InvalidArgument(dir + "/sweep.json: not a veritrain sweep (format \"" +
                                     m.value("format", std::string()) + "\")");
    }
    // Runs of another build, model or dataset would sit in one table
    // looking comparable.
    auto inputs = RecordedSweepInputs(m, dir + "/sweep.json");
    if (!inputs.ok()) {
      return Status::InvalidArgument(inputs.status().message() +
                                     "; sweep that shard again before merging it");
    }
    if (reference.is_null()) {
      reference = m;
      reference_dir = dir;
      reference_inputs = std::move(*inputs);
    } else {
      for (const char* field : {"scenario_sha256", "parameters", "repetitions", "seeds", "runs"}) {
        if (m.value(field, json()) != reference.value(field, json())) {
          return Status::InvalidArgument(dir + " is not a shard of the same sweep as " +
                                         reference_dir + ": their '" + field + "' differ");
        }
      }
      // The timing columns of runs as threads and as processes are not
      // comparable, and one "execution" would mislabel half the table.
      if (m.value("execution", json()) != reference.value("execution", json())) {
        return Status::InvalidArgument(
            dir + " was swept in execution mode " + m.value("execution", json()).dump() +
            " but " + reference_dir + " in " + reference.value("execution", json()).dump() +
            ": their timings need not be comparable; sweep the shards with one --mode");
      }
      if (m["shard"].value("count", 0) != reference["shard"].value("count", 0)) {
        return Status::InvalidArgument(dir + " was split into " +
                                       m["shard"].value("count", json()).dump() + " shards but " +
                                       reference_dir + " into " +
                                       reference["shard"].value("count", json()).dump());
      }
      if (auto change = CompareSweepInputs(reference_inputs, *inputs)) {
        return Status::InvalidArgument(
            dir + " and " + reference_dir + " ran with different inputs: " + change->thing +
            " is " + change->after + " in " + dir + " but " + change->before + " in " +
            reference_dir + "; merge only shards swept with the same build and files");
      }
    }
    const int64_t shard = m["shard"].value("index", int64_t{-1});
    if (!shard_indices.insert(shard).second) {
      return Status::InvalidArgument("shard " + std::to_string(shard) + " is given twice (" + dir +
                                     ")");
    }
    VT_ASSIGN_OR_RETURN(auto shard_rows, ReadSweepRows(dir));
    for (auto& r : shard_rows) {
      if (std::string wrong = RowAgainstSummary(dir, r); !wrong.empty()) {
        return Status::InvalidArgument(dir + ": run " + std::to_string(r.run) + ": " + wrong +
                                       "; `veritrain sweep … --out " + dir +
                                       " --resume` in that shard runs it again");
      }
      auto [it, inserted] = owner.emplace(r.run, dir);
      if (!inserted) {
        return Status::InvalidArgument("run " + std::to_string(r.run) + " is in both " +
                                       it->second + " and " + dir);
      }
      rows.push_back(std::move(r));
    }
  }
  MergeResult result;
  result.runs = static_cast<int64_t>(rows.size());
  result.expected = reference.value("runs", int64_t{0});
  for (int64_t i = 0; i < result.expected; ++i) {
    if (owner.count(i) == 0) result.missing.push_back(i);
  }
  if (!result.missing.empty() && !allow_missing) {
    std::string list;
    for (size_t i = 0; i < result.missing.size() && i < 10; ++i) {
      list += (i ? ", " : "") + std::to_string(result.missing[i]);
    }
    if (result.missing.size() > 10) list += ", …";
    // A run whose folder a shard holds, without its row: that shard's
    // rows.jsonl is short, not the shard missing.
    for (int64_t run : result.missing) {
      for (const std::string& dir : shard_dirs) {
        std::error_code exists;
        if (fs::is_directory(fs::path(dir) / "runs" / SweepRunDirName(run), exists)) {
          return Status::FailedPrecondition(
              dir + " holds the folder of run " + std::to_string(run) +
              " but its rows.jsonl has no row for it: the shard's tables are incomplete; "
              "`veritrain sweep … --out " + dir + " --resume` in that shard rewrites them");
        }
      }
    }
    return Status::FailedPrecondition(
        std::to_string(result.missing.size()) + " of " + std::to_string(result.expected) +
        " runs are in no shard (runs " + list + "); pass every shard folder, or --allow-missing");
  }

  std::error_code ec;
  for (const auto& [run, dir] : owner) {
    const fs::path from = fs::path(dir) / "runs" / SweepRunDirName(run);
    if (!fs::is_directory(from, ec)) {
      return Status::FailedPrecondition(dir + " lists run " + std::to_string(run) +
                                        " but has no folder " + from.string() +
                                        " for it; its shard is incomplete");
    }
  }
  // The output is a results folder like a sweep's (results_folder.h):
  // locked, refused when it holds other files, emptied when it holds
  // earlier results. Never one of the shards it reads: that would be
  // emptied, or overwritten in place.
  for (const std::string& dir : shard_dirs) {
    if (fs::exists(out_dir, ec) && fs::equivalent(dir, out_dir, ec)) {
      return Status::InvalidArgument("--out " + out_dir + " is one of the shards it merges (" +
                                     dir + "); name another folder");
    }
    // Inside a shard, emptying it would delete that shard's results (and
    // copying the shard would copy into itself); around one, the shard.
    if (PathIsWithin(out_dir, dir) || PathIsWithin(dir, out_dir)) {
      return Status::InvalidArgument("--out " + out_dir + " is " +
                                     (PathIsWithin(out_dir, dir) ? "inside" : "around") +
                                     " the shard " + dir +
                                     " it merges: merging there would delete that shard's "
                                     "results; name a folder outside every shard");
    }
  }
  VT_ASSIGN_OR_RETURN(ResultsFolder folder, OpenResultsFolder(out_dir, ResultsKind::kSweep));
  fs::create_directories(out_dir + "/runs", ec);
  if (ec) return Status::IOError("cannot create " + out_dir + ": " + ec.message());
  for (const auto& [run, dir] : owner) {
    const std::string name = SweepRunDirName(run);
    const fs::path from = fs::path(dir) / "runs" / name;
    const fs::path to = fs::path(out_dir) / "runs" / name;
    fs::remove_all(to, ec);
    fs::copy(from, to, fs::copy_options::recursive, ec);
    if (ec) return Status::IOError("copying " + from.string() + ": " + ec.message());
  }
  std::vector<std::string> names;
  for (const auto& p : reference.value("parameters", json::array())) {
    names.push_back(p.value("name", std::string()));
  }
  VT_RETURN_IF_ERROR(WriteSweepTables(out_dir, names, rows));
  json manifest = reference;
  manifest["shard"] = {{"index", 0}, {"count", 1}};
  json indices = json::array();
  for (const auto& [run, dir] : owner) indices.push_back(run);
  manifest["run_indices"] = indices;
  manifest["merged_from"] = shard_dirs;
  manifest.erase("timings");
  for (const auto& r : rows) {
    if (r.metrics.value("status", std::string()) != "ok") continue;
    ++result.completed;
    if (!r.metrics.value("expectations_met", false)) ++result.unmet;
  }
  manifest["completed"] = result.completed;
  VT_RETURN_IF_ERROR(WriteFileAtomically(out_dir + "/sweep.json", {manifest.dump(2) + "\n"}));
  return result;
}

}  // namespace veritrain
