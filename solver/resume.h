// Resuming a solver's training after a crash: what of a task's trace an
// earlier process of the same solver left on disk.
//
// Checkpoints are written crash-safely (temp file, fsync, rename), so each
// file is the whole checkpoint or absent; a torn one fails the read-back
// check (its layout, trailer or tensor hashes). AdoptCheckpoints reads checkpoints 0, 1, ... of the task's folder
// while each reads back intact and records the run, the task, its own
// index and step index × k, hands each to the recorder (CheckpointRecorder::Adopt),
// and returns the last: training resumes from its state at its step. The
// data order and every step are functions of the step counter, so the
// resumed trace is the one an uncrashed run commits to.
//
// Thread-safety: free function; the recorder as CheckpointRecorder.
#pragma once

#include <cstdint>
#include <string>

#include "core/train/torch_bridge.h"
#include "core/util/status.h"
#include "solver/checkpoint_recorder.h"

namespace veritrain {

struct ResumePoint {
  int64_t index = -1;  // the last checkpoint adopted; -1: none (start afresh)
  TensorMap state;     // its state
};

// A checkpoint is adopted only if its metadata records this run
// (`run_id`, "run"), the task, its index and its step; the first that does
// not (another run's file left in the folder, a copy) ends the adoption
// there, with a warning, as a torn one does.
// REQUIRES: nothing has been recorded in `recorder` yet; k >= 1.
Result<ResumePoint> AdoptCheckpoints(const std::string& dir, const std::string& run_id,
                                     const std::string& task, int64_t k, int64_t last_index,
                                     CheckpointRecorder& recorder);

// The training steps a task cost its solver across restarts. A restarted
// process computes only what is left (from the checkpoint it resumes, or
// from step 0 for a behaviour that does not resume), so it adds the steps
// its earlier processes computed, which each process keeps in the task's
// folder ("steps-computed", a decimal count) at every checkpoint it
// records: the summary's solver_steps_computed and compute cost then count
// the work the crash wasted as well.
//
// The count earlier processes of this solver left in `dir`: 0 when there
// is none; 0 with a warning when the file is not a count.
int64_t StepsComputedBefore(const std::string& dir);
// `before` + `now`, at most INT64_MAX (a count file is not trusted to be
// small).
int64_t StepsComputedInAll(int64_t before, int64_t now);
// Keeps `steps` in `dir` for a later process. Only a measurement: a
// failure is logged and not returned. Not written through the solver's Env,
// so a simulated full disk (core/state/disk_full_env.h) counts checkpoint
// bytes only.
void KeepStepsComputed(const std::string& dir, int64_t steps);

// The bytes of checkpoint files (".vtc", and the temporary files of one
// being written) under `dir` and its folders: what an earlier process of
// this solver left on its disk, which a simulated full disk's budget
// (disk_faults.free_bytes, over every task of the run) no longer has after
// a restart. At least what was written: a removed temporary file's bytes
// are not seen. 0 when `dir` does not exist; unreadable entries are
// skipped.
int64_t CheckpointBytesOnDisk(const std::string& dir);

}  // namespace veritrain
