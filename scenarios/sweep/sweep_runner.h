// Running a sweep: every run of a scenario's sweep block (or one shard of
// them), up to `jobs` at a time, each in its own results folder, and the
// sweep's tables.
//
// A sweep folder holds:
//   sweep.json      what was run: the scenario (resolved), the parameters,
//                   repetitions, seeds policy, shard, the run indices, mode,
//                   and its inputs: the build and the SHA-256 of every file
//                   the job reads (sweep_inputs.h)
//   rows.jsonl      one SweepRow per run, in run order (merge reads these)
//   sweep.csv       the tidy table (see sweep_table.h)
//   aggregates.csv  per point: rates with 95 % Wilson intervals, means
//   runs/run-NNNNNN/  each run's results folder (manifest, events, summary…),
//                   plus row.json: the run's row, written when it finishes
//                   (what --resume keeps)
//
// The sweep folder is a results folder (runner/results_folder.h): locked
// while the sweep runs, emptied first unless resumed. A run that a signal
// interrupts is not a result: it gets no row and is not counted as failed;
// --resume runs it again.
//
// Thread-safety: one sweep at a time per process (runs share the
// process-wide in-process profile and signal handling).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "scenarios/runner/run.h"
#include "scenarios/sweep/sweep.h"
#include "scenarios/sweep/sweep_table.h"

namespace veritrain {

struct SweepOptions {
  std::string out_dir;  // "" → results/sweeps/<scenario>/<sweep-id>
  // Runs at a time; 0: as many as the cores hold at the runs' thread
  // count (SweepJobs).
  int jobs = 0;
  Shard shard;
  // How each run's roles run; unset: the scenario's "execution.mode", else
  // in-process.
  std::optional<ExecutionMode> mode;
  std::string bin_dir;       // role executables; given, the runs run as processes
  int64_t repetitions = 0;   // > 0 replaces the scenario's repetitions
  // Carry on an interrupted sweep in out_dir: the runs it finished (each
  // run's runs/run-NNNNNN/row.json) are kept, the others run. InvalidArgument
  // (exit 2; nothing run, nothing deleted) when out_dir holds no sweep, or
  // one of another scenario, grid, repetitions or shard, or one begun with
  // other inputs: another veritrain build, or a file the job reads (model,
  // plug-in library, dataset file) whose contents changed since; the error
  // names the build or the file and both values. A sweep.json that records
  // no inputs (written before they were recorded) is refused too: whether
  // its runs are comparable with new ones cannot be told.
  bool resume = false;
  ProgressLine* progress = nullptr;
};

struct SweepOutcome {
  int exit_code = kRunFailed;  // 0: every run settled and met its expectations
  std::string out_dir;
  int64_t runs = 0;        // runs in this shard
  int64_t completed = 0;   // runs that settled
  int64_t unmet = 0;       // settled runs whose expectations failed
  int64_t resumed = 0;     // runs kept from an earlier, interrupted attempt
  std::string error;
  double wall_seconds = 0;
};

SweepOutcome RunSweep(const Scenario& base, const SweepOptions& options);

// How many runs a sweep runs at a time: `requested` when it is above 0;
// else, in process mode, as many as `cores` hold when each run's roles use
// up to `threads_per_run` LibTorch threads (cores / threads_per_run, at
// least 1), and in in-process mode one a core.
//
// Role processes that together ask for more threads than there are cores
// slow each other far more than running in turn would: each process's
// OpenMP threads spin while they wait for work. On 2 cores, 8 runs of the
// quickstart with 2-thread profiles took 15.4 s two at a time against
// 3.7 s one at a time. In one process the roles share one OpenMP runtime
// and two at a time stays the faster (2.6–2.9 s against 4.7–5.1 s).
int SweepJobs(int requested, int threads_per_run, unsigned cores, ExecutionMode mode);

// Whether `jobs` runs at a time of `threads_per_run` threads each
// oversubscribe `cores` in a way that slows the sweep down (process mode
// only; see SweepJobs).
bool SweepOversubscribed(int jobs, int threads_per_run, unsigned cores, ExecutionMode mode);

// The most LibTorch threads a participant of a run of the sweep asks for
// (its profile's "threads"), over every run; 1 when no run's scenario can
// be built (those runs fail on their own).
int SweepThreadsPerRun(const Scenario& base, const SweepSpec& spec,
                       const std::vector<SweepRun>& runs);

// Why some run of the sweep cannot run in-process (ScenarioNeedsProcesses,
// naming the first such point), if one cannot: the sweep then runs every
// run as processes.
std::optional<std::string> SweepNeedsProcesses(const Scenario& base, const SweepSpec& spec,
                                               const std::vector<SweepRun>& runs);

// Name of a run's folder under runs/: "run-000042".
std::string SweepRunDirName(int64_t run);

// Writes sweep.csv and aggregates.csv for `rows` into `dir`.
Status WriteSweepTables(const std::string& dir, const std::vector<std::string>& names,
                        const std::vector<SweepRow>& rows);

// Reads rows.jsonl from a sweep folder.
Result<std::vector<SweepRow>> ReadSweepRows(const std::string& dir);

}  // namespace veritrain
