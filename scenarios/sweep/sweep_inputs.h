// A sweep's inputs: what its runs' results depend on besides the resolved
// scenario — the veritrain build and the contents of every file a run's job
// reads. sweep.json records them ("inputs") so that `sweep --resume` and
// `merge` refuse to put runs of another build, model or dataset in one
// table beside them.
//
//   "inputs": {
//     "build": {"veritrain": "0.9.0", "commit": "1a2b3c4d5e6f",
//               "executable": "…",    // only for a "-dirty" commit
//               "roles": [            // only with --bin-dir
//                 {"what": "role executable", "field": "--bin-dir",
//                  "path": "/abs/bin/veritrain-arbiter", "sha256": "…"}, …]},
//     "files": [
//       {"what": "model file", "field": "job.model",
//        "path": "/abs/model.pt", "sha256": "ab12…" | null},
//       …
//     ]
//   }
//
// The build is VeritrainVersion() and VeritrainCommit(), as `veritrain
// --version` says them. A "-dirty" commit does not tell two builds of
// changed sources apart, so a dirty build also records "executable": the
// SHA-256 of the running veritrain executable, and two dirty records that
// both hold one differ when it does (so shards of a dirty build merge only
// when built once and copied: build a clean commit to merge across
// machines). With --bin-dir the runs' roles are not this
// build's but the executables in that directory: "roles" records the
// SHA-256 of each (runner/role_executables.h), and two records differ when
// the executables' names or contents do (not their directory: the same
// build copied elsewhere runs the same roles). A sweep without --bin-dir
// records no "roles", as sweep.json did before they were recorded. The
// files are those a run records (runner/input_files.h); when a sweep
// parameter changes the job or the plug-ins, those of every point of the
// grid, each path once, in grid order. Every shard of a sweep records the same inputs (the whole grid's,
// not the shard's). "sha256" is null for a file that could not be read
// when the sweep began (its runs fail on their own); a plug-in entry that
// names no file is recorded as written, with a null hash.
//
// Thread-safety: plain values; SweepInputsOf reads files.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/util/status.h"
#include "scenarios/runner/input_files.h"
#include "scenarios/spec/scenario.h"
#include "scenarios/sweep/sweep.h"

namespace veritrain {

// A file a sweep's runs read, or a role executable --bin-dir named.
using SweepInputFile = InputFile;

struct SweepInputs {
  std::string version;  // VeritrainVersion()
  std::string commit;   // VeritrainCommit()
  // The running executable's SHA-256, for a "-dirty" commit only (none:
  // a clean commit, an executable that could not be read, or a sweep.json
  // written before it was recorded).
  std::optional<Digest> executable;
  std::vector<SweepInputFile> files;
  // The role executables --bin-dir named, in RoleExecutableNames() order;
  // empty when the runs ran this build's own roles.
  std::vector<SweepInputFile> roles;

  nlohmann::json ToJson() const;
  // Every field is required. InvalidArgument naming the field that is
  // missing or malformed ("inputs.files[2].sha256: not 64 hex digits").
  static Result<SweepInputs> FromJson(const nlohmann::json& j);
};

// The inputs of the sweep `spec` of `base`, hashing each distinct file once.
// Relative paths resolve against base.source_dir, as in a run. `bin_dir`:
// the sweep's --bin-dir ("" without it), whose role executables are hashed.
SweepInputs SweepInputsOf(const Scenario& base, const SweepSpec& spec,
                          const std::string& bin_dir = "");

// One difference between two records of inputs, in words:
//   thing  "the model file /x/model.pt (job.model)", "the veritrain build",
//          "the role executables (--bin-dir)"
//   before "sha256 ab12cd34ef56…", "0.9.0 (commit 1a2b3c4d5e6f)"
//   after  likewise, for the second record
struct SweepInputChange {
  std::string thing;
  std::string before;
  std::string after;
};

// The first difference from `before` to `after` (the build, the role
// executables, then each file
// in `before`'s order, then files only `after` reads); none when they are
// the same.
std::optional<SweepInputChange> CompareSweepInputs(const SweepInputs& before,
                                                   const SweepInputs& after);

// The first file a run read (its manifest's "inputs", run/input_files.h)
// with other contents than the sweep recorded for the same path when it
// began: the file changed during the sweep, and the runs before and after
// trained on different data or code. None when every file the run
// records is the sweep's, or the run records none (written before runs
// recorded their inputs).
std::optional<SweepInputChange> RunInputChange(const SweepInputs& sweep,
                                               const nlohmann::json& run_manifest);
// RunInputChange of the manifest.json in the run folder `run_dir`; none
// when it cannot be read as JSON (the run's own failure, said elsewhere).
std::optional<SweepInputChange> RunFolderInputChange(const SweepInputs& sweep,
                                                     const std::string& run_dir);
// "read the dataset file /x/data.csv (job.dataset.train) as sha256 ab12…,
// not the sha256 cd34…": a RunInputChange in words, for the sweep's error,
// --resume's warning and the audit's problem to go on from.
std::string ReadOtherContents(const SweepInputChange& change);

// The inputs a sweep.json (`manifest`, read from `path`) records.
// InvalidArgument saying so when it records none (sweep.json files
// written before inputs were recorded); FromJson's errors, prefixed with
// `path`.
Result<SweepInputs> RecordedSweepInputs(const nlohmann::json& manifest,
                                        const std::string& path);

}  // namespace veritrain
