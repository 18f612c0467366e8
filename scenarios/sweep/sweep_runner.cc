#include "scenarios/sweep/sweep_runner.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "core/crypto/sha256.h"
#include "core/state/atomic_file.h"
#include "core/util/build_info.h"
#include "core/util/json_depth.h"
#include "core/util/json_keys.h"
#include "scenarios/cli/progress.h"
#include "scenarios/runner/folder_audit.h"
#include "scenarios/runner/process_supervisor.h"
#include "scenarios/runner/results_folder.h"
#include "scenarios/runner/role_executables.h"
#include "scenarios/runner/thread_log.h"
#include "scenarios/sweep/sweep_audit.h"
#include "scenarios/sweep/sweep_inputs.h"

namespace veritrain {
namespace {

// The warnings of the sweep's runs (each in its summary.json), said once
// per text with how many runs gave it: a run alone prints them, and a
// sweep printed none (a calibrated δ below the honest error of six of its
// eight runs went unsaid). At most kShown texts; the rest are counted.
void SayRunWarnings(const std::string& out_dir, const std::vector<SweepRow>& rows) {
  constexpr size_t kShown = 5;
  std::map<std::string, int64_t> runs_by_text;
  std::vector<std::string> order;
  for (const SweepRow& row : rows) {
    std::ifstream in(out_dir + "/runs/" + SweepRunDirName(row.run) + "/summary.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.empty() || JsonDeeperThan(text, kMaxJsonFileDepth)) continue;
    const nlohmann::json summary = nlohmann::json::parse(text, nullptr, false);
    if (!summary.is_object() || !summary.contains("warnings") ||
        !summary["warnings"].is_array()) {
      continue;
    }
    for (const auto& w : summary["warnings"]) {
      if (!w.is_string()) continue;
      if (runs_by_text[w.get<std::string>()]++ == 0) order.push_back(w.get<std::string>());
    }
  }
  for (size_t i = 0; i < order.size() && i < kShown; ++i) {
    spdlog::warn("sweep: {} of {} runs warn: {}", runs_by_text[order[i]], rows.size(), order[i]);
  }
  if (order.size() > kShown) {
    spdlog::warn("sweep: and {} other warnings (each run's summary.json has its own)",
                 order.size() - kShown);
  }
}


namespace fs = std::filesystem;
using nlohmann::json;

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

json SweepManifest(const Scenario& base, const SweepSpec& spec, const SweepOptions& o,
                   ExecutionMode mode, const std::vector<SweepRun>& runs,
                   const SweepInputs& inputs) {
  json params = json::array();
  for (const auto& p : spec.parameters) {
    json entry = {{"name", p.name}, {"path", p.path}, {"values", p.values}};
    if (!p.labels.empty()) entry["labels"] = p.labels;
    params.push_back(entry);
  }
  json indices = json::array();
  for (const auto& r : runs) indices.push_back(r.index);
  return {{"format", "veritrain-sweep/1"},
          {"scenario", base.name},
          {"scenario_sha256", Sha256Of(base.resolved.dump()).Hex()},
          {"scenario_resolved", base.resolved},
          {"seed", base.seed},
          {"parameters", params},
          {"repetitions", spec.repetitions},
          {"seeds", spec.common_seeds ? "common" : "independent"},
          {"points", spec.points()},
          {"runs", spec.runs()},
          {"shard", {{"index", o.shard.index}, {"count", o.shard.count}}},
          {"run_indices", indices},
          {"execution", ExecutionModeName(mode)},
          {"jobs", o.jobs},
          {"build", BuildInfo()},
          {"inputs", inputs.ToJson()}};
}

// Whether some run of the sweep calibrates δ before its task.
bool UsesCalibration(const Scenario& base, const SweepSpec& spec) {
  const json protocol = base.resolved.value("protocol", json::object());
  if (protocol.is_object() && protocol.contains("calibration")) return true;
  for (const auto& p : spec.parameters) {
    if (p.pointer.find("calibration") != std::string::npos) return true;
  }
  return false;
}

// The rows an interrupted sweep in `dir` finished, by index into `runs`,
// after checking that `dir` holds the sweep `manifest` describes, begun
// with the same `inputs` (the build and the contents of the job's files).
Result<std::vector<std::pair<size_t, SweepRow>>> ResumedRows(const std::string& dir,
                                                             const json& manifest,
                                                             const SweepInputs& inputs,
                                                             const std::vector<SweepRun>& runs) {
  const std::string path = dir + "/sweep.json";
  std::ifstream in(path);
  if (!in) {
    // A folder nothing was swept into yet: nothing to resume, and a harness
    // can pass --resume on its first start as on every later one.
    std::error_code ec;
    bool empty = true;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      // The lock and the runs/ folder this open made are all it may hold.
      const std::string name = e.path().filename().string();
      std::error_code is_empty;
      empty = empty && (name == kResultsLockFile ||
                        (name == "runs" && std::filesystem::is_empty(e.path(), is_empty)));
    }
    if (!ec && empty) {
      spdlog::info("sweep: --resume: nothing to resume in {}: the sweep starts there", dir);
      return std::vector<std::pair<size_t, SweepRow>>{};
    }
    return Status::InvalidArgument("--resume: " + dir + " holds no sweep.json (no sweep was "
                                   "started there)");
  }
  const std::string earlier_text(std::istreambuf_iterator<char>(in), {});
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(earlier_text, "--resume: " + path));
  const json earlier = json::parse(earlier_text, nullptr, false);
  if (earlier.is_discarded() || !earlier.is_object()) {
    return Status::InvalidArgument("--resume: " + path + " is not JSON");
  }
  // A merge of shards lists the runs it holds: more are added by merging
  // again, not by resuming it.
  if (earlier.contains("merged_from")) {
    return Status::InvalidArgument(
        "--resume: " + dir + " is a merge of shards (sweep.json's merged_from), which --resume "
        "does not add to: run the shards that hold the missing runs (sweep --shard I/N) and "
        "merge them with the others again (merge ... --out " + dir + ")");
  }
  for (const char* field : {"format", "scenario_sha256", "parameters", "repetitions", "seeds",
                            "shard", "run_indices"}) {
    if (earlier.value(field, json()) != manifest.value(field, json())) {
      return Status::InvalidArgument(
          std::string("--resume: ") + dir + " holds another sweep (its " + field +
          " differs: the scenario file, its sweep block, --repetitions or --shard changed); "
          "resume with the same ones, or sweep into a new folder");
    }
  }
  // Runs as threads and as processes in one table: its timing columns would
  // not be comparable, and sweep.json would name one mode for both.
  if (earlier.value("execution", json()) != manifest.value("execution", json())) {
    return Status::InvalidArgument(
        "--resume: the sweep in " + dir + " was begun in execution mode " +
        earlier.value("execution", json()).dump() + ", not " +
        manifest.value("execution", json()).dump() +
        " (each run's manifest says how it ran): resume it with the same --mode, or sweep "
        "into a new folder");
  }
  // Same scenario text, but its runs would not be comparable with new ones
  // if the build or a file the job reads changed in between.
  auto earlier_inputs = RecordedSweepInputs(earlier, path);
  if (!earlier_inputs.ok()) {
    return Status::InvalidArgument("--resume: " + earlier_inputs.status().message() +
                                   "; sweep into a new folder");
  }
  if (auto change = CompareSweepInputs(*earlier_inputs, inputs)) {
    return Status::InvalidArgument("--resume: " + change->thing +
                                   " changed since the sweep in " + dir + " began (" +
                                   change->before + " → " + change->after +
                                   "); its runs and new ones would not be comparable: "
                                   "sweep into a new folder");
  }
  std::vector<std::pair<size_t, SweepRow>> out;
  for (size_t i = 0; i < runs.size(); ++i) {
    std::ifstream row_in(dir + "/runs/" + SweepRunDirName(runs[i].index) + "/row.json");
    if (!row_in) continue;
    const std::string row_text(std::istreambuf_iterator<char>(row_in), {});
    // Torn, or not a row this sweep wrote: the run is done again.
    if (JsonDeeperThan(row_text, kMaxJsonFileDepth)) continue;
    const json j = json::parse(row_text, nullptr, false);
    if (j.is_discarded()) continue;
    auto row = SweepRow::FromJson(j);
    if (!row.ok() || row->run != runs[i].index) continue;
    if (row->metrics.value("status", std::string()) == "interrupted") continue;
    // A row is kept only with the summary it was taken from: a summary
    // deleted or edited since makes the run be done again.
    if (RowHasSummary(*row)) {
      std::ifstream summary_in(dir + "/runs/" + SweepRunDirName(runs[i].index) +
                               "/summary.json");
      if (!summary_in) continue;
      const std::string summary_text(std::istreambuf_iterator<char>(summary_in), {});
      if (JsonDeeperThan(summary_text, kMaxJsonFileDepth)) continue;
      const json summary = json::parse(summary_text, nullptr, false);
      if (summary.is_discarded() || !summary.is_object() ||
          !RowMatchesSummary(*row, summary).empty()) {
        spdlog::warn("sweep: run {}: its summary.json is missing or no longer gives its row; "
                     "it is done again", runs[i].index);
        continue;
      }
      // The rest of its folder too: an event log cut short or a ledger
      // deleted since would leave a folder that fails its audit.
      auto audit = AuditRunFolder(dir + "/runs/" + SweepRunDirName(runs[i].index));
      if (!audit.ok() || !audit->ok()) {
        spdlog::warn("sweep: run {}: its folder no longer audits clean ({}); it is done again",
                     runs[i].index,
                     audit.ok() ? audit->problems.front() : audit.status().message());
        continue;
      }
      // And it read what the sweep reads now (a file that changed during
      // the sweep and was put back: that run read the other contents).
      if (auto change = RunFolderInputChange(
              inputs, dir + "/runs/" + SweepRunDirName(runs[i].index))) {
        spdlog::warn("sweep: run {}: it {} the sweep reads: it is done again", runs[i].index,
                     ReadOtherContents(*change));
        continue;
      }
    }
    out.emplace_back(i, std::move(*row));
  }
  return out;
}

}  // namespace

int SweepJobs(int requested, int threads_per_run, unsigned cores, ExecutionMode mode) {
  if (requested > 0) return requested;
  const int usable = static_cast<int>(std::max(1u, cores));
  if (mode != ExecutionMode::kProcess) return usable;
  return std::max(1, usable / std::max(1, threads_per_run));
}

bool SweepOversubscribed(int jobs, int threads_per_run, unsigned cores, ExecutionMode mode) {
  return mode == ExecutionMode::kProcess && jobs > 1 &&
         static_cast<int64_t>(jobs) * std::max(1, threads_per_run) >
             static_cast<int64_t>(std::max(1u, cores));
}

int SweepThreadsPerRun(const Scenario& base, const SweepSpec& spec,
                       const std::vector<SweepRun>& runs) {
  int most = 1;
  auto count = [&most](const Scenario& sc) {
    for (const ParticipantSpec& p : sc.participants) most = std::max(most, p.profile.threads);
  };
  if (spec.parameters.empty()) {
    count(base);
    return most;
  }
  // A point's repetitions differ in their seed only: one scenario a point.
  std::set<int64_t> points;
  for (const SweepRun& run : runs) {
    if (!points.insert(run.point).second) continue;
    auto sc = SweepRunScenario(base, spec, run);
    if (sc.ok()) count(*sc);
  }
  return most;
}

std::optional<std::string> SweepNeedsProcesses(const Scenario& base, const SweepSpec& spec,
                                               const std::vector<SweepRun>& runs) {
  if (spec.parameters.empty()) return ScenarioNeedsProcesses(base);
  // A point's repetitions differ in their seed only: one scenario a point.
  std::set<int64_t> points;
  for (const SweepRun& run : runs) {
    if (!points.insert(run.point).second) continue;
    auto sc = SweepRunScenario(base, spec, run);
    if (!sc.ok()) continue;  // the run's row says why
    if (auto reason = ScenarioNeedsProcesses(*sc)) {
      return "point " + DescribePoint(spec, run.shown) + ": " + *reason;
    }
  }
  return std::nullopt;
}

std::string SweepRunDirName(int64_t run) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "run-%06lld", static_cast<long long>(run));
  return buf;
}

Status WriteSweepTables(const std::string& dir, const std::vector<std::string>& names,
                        const std::vector<SweepRow>& rows) {
  std::vector<SweepRow> sorted = rows;
  std::sort(sorted.begin(), sorted.end(),
            [](const SweepRow& a, const SweepRow& b) { return a.run < b.run; });
  std::string jsonl;
  for (const auto& r : sorted) jsonl += r.ToJson().dump() + "\n";
  VT_RETURN_IF_ERROR(WriteFileAtomically(dir + "/rows.jsonl", {jsonl}));
  VT_RETURN_IF_ERROR(WriteFileAtomically(dir + "/sweep.csv", {SweepCsv(names, sorted)}));
  return WriteFileAtomically(dir + "/aggregates.csv",
                             {AggregatesCsv(names, Aggregate(sorted))});
}

Result<std::vector<SweepRow>> ReadSweepRows(const std::string& dir) {
  const std::string path = dir + "/rows.jsonl";
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + " cannot be opened (not a sweep folder?)");
  std::vector<SweepRow> rows;
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    VT_RETURN_IF_ERROR(CheckJsonFileDepth(line, path + ": line " + std::to_string(n)));
    // Strictly: a key repeated in a row is read as its last value here and
    // as its first by another reader (json_keys.h).
    VT_ASSIGN_OR_RETURN(json j, ParseStrictJson(line, path + ": line " + std::to_string(n)));
    auto row = SweepRow::FromJson(j);
    if (!row.ok()) return row.status().WithContext(path + ": line " + std::to_string(n));
    rows.push_back(std::move(*row));
  }
  return rows;
}

namespace {

// The sweep's results folder, open and locked, with its runs/ folder;
// nullopt with `out`'s exit code and error set when it cannot be.
std::optional<ResultsFolder> OpenSweepFolder(const Scenario& base, const SweepOptions& o,
                                             SweepOutcome* out) {
  if (o.resume && o.out_dir.empty()) {
    out->exit_code = kRunBadInput;
    out->error = "--resume needs --out: the folder of the sweep to carry on";
    return std::nullopt;
  }
  auto folder = OpenResultsFolder(
      o.out_dir.empty() ? "results/sweeps/" + base.name + "/" + ResultsFolderId(base.seed)
                        : o.out_dir,
      ResultsKind::kSweep, /*keep_contents=*/o.resume);
  if (!folder.ok()) {
    out->exit_code = kRunBadInput;
    out->error = folder.status().ToString();
    return std::nullopt;
  }
  out->out_dir = folder->path();
  std::error_code ec;
  fs::create_directories(out->out_dir + "/runs", ec);
  if (ec) {
    out->error = "cannot create " + out->out_dir + "/runs: " + ec.message();
    return std::nullopt;
  }
  return std::move(*folder);
}

// One run of the sweep, into `out_dir`/runs/<run>: its row (an error row
// when the run's scenario cannot be made).
SweepRow RunPoint(const Scenario& base, const SweepSpec& spec, const SweepRun& run,
                  const std::string& out_dir, const std::string& bin_dir, ExecutionMode mode) {
  auto sc = SweepRunScenario(base, spec, run);
  if (!sc.ok()) return RowFromError(run, sc.status().message());
  RunOptions ro;
  ro.out_dir = out_dir + "/runs/" + SweepRunDirName(run.index);
  // The sweep's own run folder, done (again): whatever an earlier attempt
  // left there (a manifest cut short, say) is the sweep's, not the user's,
  // and would make the run refuse the folder.
  {
    std::error_code ec;
    std::filesystem::remove_all(ro.out_dir, ec);
  }
  ro.bin_dir = bin_dir;
  ro.quiet = true;
  ro.mode = mode;
  RunOutcome r = RunScenario(*sc, ro);
  return RowFromRun(run, *sc, r);
}

// The runs that settled and those of them that missed their expectations.
void CountRows(const std::vector<SweepRow>& rows, SweepOutcome* out) {
  for (const SweepRow& row : rows) {
    if (row.metrics.value("status", std::string()) != "ok") continue;
    ++out->completed;
    if (!row.metrics.value("expectations_met", false)) ++out->unmet;
  }
}

// The sweep's exit code and error, once its `kept` rows are written.
void SetSweepExit(size_t kept, SweepOutcome* out) {
  if (RunnerInterrupted()) {
    out->exit_code = kRunInterrupted;
    out->error = "interrupted after " + std::to_string(kept) + " of " +
                 std::to_string(out->runs) + " runs; `veritrain sweep … --out " + out->out_dir +
                 " --resume` runs the rest";
  } else if (out->completed < out->runs) {
    out->exit_code = kRunFailed;
    out->error = std::to_string(out->runs - out->completed) + " of " +
                 std::to_string(out->runs) +
                 " runs did not settle (see the status and error columns of sweep.csv)";
  } else if (out->unmet > 0) {
    out->exit_code = kRunFailed;
    out->error = std::to_string(out->unmet) + " runs did not meet their expectations";
  } else {
    out->exit_code = kRunOk;
  }
}

}  // namespace

SweepOutcome RunSweep(const Scenario& base, const SweepOptions& o) {
  SweepOutcome out;
  const auto start = std::chrono::steady_clock::now();
  auto spec = SweepSpecOf(base);
  if (!spec.ok()) {
    out.exit_code = kRunBadInput;
    out.error = spec.status().message();
    return out;
  }
  if (o.repetitions > 0) spec->repetitions = o.repetitions;
  if (Status size = CheckSweepSize(*spec); !size.ok()) {  // --repetitions may grow it
    out.exit_code = kRunBadInput;
    out.error = size.message();
    return out;
  }
  const std::vector<SweepRun> runs = SweepRuns(*spec, base.seed, o.shard);
  out.runs = static_cast<int64_t>(runs.size());
  const ExecutionMode asked =
      o.mode.value_or(ScenarioExecutionMode(base).value_or(ExecutionMode::kInProcess));
  // --bin-dir names the role executables to run: in-process runs would run
  // this process's own roles instead, without a word.
  ExecutionMode mode = o.bin_dir.empty() ? asked : ExecutionMode::kProcess;
  if (mode != asked) {
    spdlog::warn("sweep: the runs run as processes: --bin-dir names the role executables to "
                 "run ({})", o.bin_dir);
  }
  // A point that cannot run in-process (a crash, CURVE) would run as
  // processes on its own: the whole sweep does, so that its runs compare
  // alike, its run count fits the cores, and sweep.json names the mode
  // every run had.
  if (mode == ExecutionMode::kInProcess) {
    if (auto reason = SweepNeedsProcesses(base, *spec, runs)) {
      mode = ExecutionMode::kProcess;
      spdlog::warn("sweep: the runs run as processes: {}", *reason);
    }
  }
  // Runs at a time, before the manifest records it.
  SweepOptions resolved = o;
  const int threads_per_run = SweepThreadsPerRun(base, *spec, runs);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  resolved.jobs = SweepJobs(o.jobs, threads_per_run, cores, mode);
  if (o.jobs == 0) {
    spdlog::info("sweep: {} runs at a time ({} cores, up to {} LibTorch threads a run, {} mode)",
                 resolved.jobs, cores, threads_per_run, ExecutionModeName(mode));
  } else if (runs.size() > 1 && SweepOversubscribed(o.jobs, threads_per_run, cores, mode)) {
    spdlog::warn("sweep: --jobs {} runs at a time with up to {} LibTorch threads each is more "
                 "than the {} cores: the role processes will slow each other down (OpenMP "
                 "threads spin while they wait); without --jobs the sweep runs {} at a time, "
                 "and OMP_WAIT_POLICY=PASSIVE in the environment also helps",
                 o.jobs, threads_per_run, cores, SweepJobs(0, threads_per_run, cores, mode));
  }
  // The role executables --bin-dir names, before the folder is opened: a
  // wrong directory is bad input, not a failed run at every point.
  if (!o.bin_dir.empty()) {
    if (Status bin = CheckRoleExecutableDir(o.bin_dir); !bin.ok()) {
      out.exit_code = kRunBadInput;
      out.error = bin.message();
      return out;
    }
  }
  auto folder = OpenSweepFolder(base, resolved, &out);
  if (!folder) return out;
  const SweepInputs inputs = SweepInputsOf(base, *spec, o.bin_dir);
  json manifest = SweepManifest(base, *spec, resolved, mode, runs, inputs);
  std::vector<SweepRow> rows(runs.size());
  std::vector<bool> done(runs.size(), false);
  if (o.resume) {
    auto kept = ResumedRows(out.out_dir, manifest, inputs, runs);
    if (!kept.ok()) {
      out.exit_code = kRunBadInput;
      out.error = kept.status().message();
      return out;
    }
    for (auto& [i, row] : *kept) {
      rows[i] = std::move(row);
      done[i] = true;
      ++out.resumed;
    }
  }
  Status w = WriteFileAtomically(out.out_dir + "/sweep.json", {manifest.dump(2) + "\n"});
  if (!w.ok()) {
    out.error = w.ToString();
    return out;
  }

  InstallRunnerSignalHandlers();
  // Before any worker starts: the routing replaces the default logger's sinks.
  if (mode == ExecutionMode::kInProcess) InstallThreadLogRouting();
  std::vector<size_t> todo;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (!done[i]) todo.push_back(i);
  }
  std::atomic<size_t> next{0};
  std::atomic<int64_t> finished{out.resumed}, failed{0};
  std::mutex mu;
  std::string inputs_changed;  // guarded by mu
  auto progress = [&](bool force) {
    if (o.progress == nullptr) return;
    std::string line =
        CountLine("sweep", finished.load(), out.runs, "runs", Since(start), out.resumed);
    if (failed.load() > 0) line += " · " + std::to_string(failed.load()) + " failed";
    o.progress->Update(line, force);
  };
  auto worker = [&] {
    while (!RunnerInterrupted()) {
      const size_t t = next.fetch_add(1);
      if (t >= todo.size()) return;
      const size_t i = todo[t];
      const SweepRun& run = runs[i];
      SweepRow row = RunPoint(base, *spec, run, out.out_dir, o.bin_dir, mode);
      const std::string status = row.metrics.value("status", std::string());
      if (status == "interrupted") return;  // not a result: --resume runs it again
      // The row beside the run's results, for --resume (and written before
      // it counts: a sweep killed now keeps it).
      Status kept = WriteFileAtomically(
          out.out_dir + "/runs/" + SweepRunDirName(run.index) + "/row.json",
          {row.ToJson().dump() + "\n"});
      if (!kept.ok()) spdlog::warn("sweep: run {}: {}", run.index, kept.ToString());
      // A file the job reads that changed since the sweep began: the runs
      // before and after trained on different data or code, and their
      // table would show it as an effect of the swept parameters.
      if (auto change = RunFolderInputChange(
              inputs, out.out_dir + "/runs/" + SweepRunDirName(run.index))) {
        std::lock_guard<std::mutex> lock(mu);
        if (inputs_changed.empty()) {
          inputs_changed = "run " + std::to_string(run.index) + " " + ReadOtherContents(*change) +
                           " the sweep began with: the file changed during the sweep, and its "
                           "runs trained on different inputs; sweep into a new folder";
        }
      }
      if (status != "ok") {
        ++failed;
        spdlog::warn("sweep: run {} ({}) {}: {}", run.index, DescribePoint(*spec, run.shown),
                     row.metrics.value("status", std::string()),
                     row.metrics.value("error", std::string()));
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        rows[i] = std::move(row);
        done[i] = true;
      }
      ++finished;
      progress(false);
    }
  };
  int jobs =
      std::max(1, std::min<int>(resolved.jobs, static_cast<int>(std::max<size_t>(1, runs.size()))));
  if (jobs > 1 && UsesCalibration(base, *spec)) {
    // Calibration applies hardware profiles to the whole process
    // (scenarios/calibrate/calibrate.h): it must not run beside another run's roles.
    spdlog::info("sweep: the scenario calibrates δ, which changes process-wide LibTorch "
                 "settings; running one run at a time");
    jobs = 1;
  }
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  // The final state is the caller's (ProgressLine::Finish), said once.

  std::vector<SweepRow> kept;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (done[i]) kept.push_back(std::move(rows[i]));
  }
  CountRows(kept, &out);
  SayRunWarnings(out.out_dir, kept);
  out.wall_seconds = Since(start);
  manifest["timings"] = {{"wall_seconds", out.wall_seconds}};
  manifest["completed"] = out.completed;
  Status s = WriteSweepTables(out.out_dir, spec->names(), kept);
  if (s.ok()) {
    s = WriteFileAtomically(out.out_dir + "/sweep.json", {manifest.dump(2) + "\n"});
  }
  if (!s.ok()) {
    out.error = s.ToString();
    out.exit_code = kRunFailed;
    return out;
  }
  SetSweepExit(kept.size(), &out);
  if (!inputs_changed.empty() && out.exit_code == kRunOk) {
    out.exit_code = kRunFailed;
    out.error = inputs_changed;
  }
  return out;
}

}  // namespace veritrain
