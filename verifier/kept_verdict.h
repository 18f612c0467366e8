// The verdict a verifier keeps on disk before posting it, so that after a
// crash it can post it again instead of verifying anew (docs/reliability.md).
//
// File: <work_dir>/<name>/<task>/verdict.json, one JSON object
//   {"run_id": "<the run's id>", "task": "task-0001", "verdict": {...body}}
// written crash-safely. A record is trusted only by a restarted verifier of
// the same run (RoleConfig::run_id) for the same task: a verifier on its
// first start has posted nothing, and a record from another run — left in
// a reused directory, or reached through a name like ".." before names were
// checked — once made a later run post an earlier run's acceptance of a
// cheating solver.
//
// Thread-safety: the functions are thread-safe for distinct paths.
#pragma once

#include <cstdint>
#include <string>

#include "core/util/status.h"
#include "core/wire/messages/verdict.h"

namespace veritrain {

// Writes `verdict` on `task` of run `run_id` to `path`.
Status KeepVerdict(const std::string& path, const std::string& run_id,
                   const std::string& task, const Verdict& verdict);

// The verdict kept at `path`, if this verifier may post it again: NotFound
// when `restarts` is 0 (a first start) or there is no file; otherwise an
// error naming why it is not used — FailedPrecondition for another run's
// record (its run_id) or another task's, Corruption for a malformed one.
Result<Verdict> ReadKeptVerdict(const std::string& path,
                                const std::string& run_id,
                                const std::string& task, int64_t restarts);

// The steps a verifier has re-executed on a task so far, kept after each
// interval it checks (<work_dir>/<name>/<task>/steps-reexecuted.json,
// {"run_id", "task", "steps"}): a verifier killed before its verdict
// verifies again after its restart, and its verdict's steps_reexecuted —
// its compute cost in the summary — counts the killed process's steps
// too, as a restarted solver's count does.
Status KeepStepsReexecuted(const std::string& path, const std::string& run_id,
                           const std::string& task, int64_t steps);
// The count an earlier process of this verifier kept at `path` in this
// run: 0 on a first start (`restarts` 0) or when there is none; the errors
// of ReadKeptVerdict for a record of another run or task or a malformed
// one, and Corruption for a count that is not one or that is more than the
// earlier processes could have re-executed (each at most the task's
// `task_steps`, every interval once).
Result<int64_t> StepsReexecutedBefore(const std::string& path, const std::string& run_id,
                                      const std::string& task, int64_t restarts,
                                      int64_t task_steps);

}  // namespace veritrain
