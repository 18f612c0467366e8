// Merging the shards of a sweep (`veritrain merge`).
//
// Each shard folder was written by `veritrain sweep --shard i/n` of the
// same scenario. MergeSweeps checks that they are shards of one sweep (same
// resolved scenario, parameters, repetitions, seeds policy and shard
// count) swept with the same inputs (the same veritrain build and the same
// contents of every file the job reads, as each sweep.json records them:
// sweep_inputs.h; a shard whose sweep.json records none is refused), that
// no run appears twice and, unless `allow_missing`, that together they
// hold every run; then it writes into `out_dir` the sweep.json,
// rows.jsonl, sweep.csv and aggregates.csv an unsharded sweep would have
// written (equal up to timing columns), and copies each run's folder into
// out_dir/runs/. A shard that lists a run without its folder is refused.
// `out_dir` is opened as a run's or sweep's results folder is (locked;
// refused when it holds files that are not results, emptied when it holds
// earlier ones; scenarios/runner/results_folder.h), and may not be one of
// the shards, nor inside or around one. Each shard's row of a run that
// wrote a summary must be the row that summary.json gives (an edited
// rows.jsonl is refused, not merged as a result); a run whose folder a
// shard holds without its row is named as that shard's incomplete tables. A refusal names the shards and what differs ("B and A ran
// with different inputs: the model file /x/m.pt (job.model) is sha256 cd…
// in B but sha256 ab… in A").
//
// Thread-safety: one call at a time per output folder.
#pragma once

#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

struct MergeResult {
  int64_t runs = 0;      // rows merged
  int64_t expected = 0;  // runs in the whole sweep
  std::vector<int64_t> missing;  // run indices no shard holds
  // Of the rows merged, the runs that settled (status "ok") and those of
  // them that missed their expectations: `merge` fails as the unsharded
  // sweep would have.
  int64_t completed = 0;
  int64_t unmet = 0;
};

Result<MergeResult> MergeSweeps(const std::string& out_dir,
                                const std::vector<std::string>& shard_dirs,
                                bool allow_missing = false);

}  // namespace veritrain
