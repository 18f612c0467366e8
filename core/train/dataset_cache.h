// The decoded-dataset cache: a dataset decoded once per machine, kept as a
// verified file that every process maps instead of decoding the sources
// again (the solver, each verifier, the arbiter and `veritrain check` all
// build the same job).
//
// An entry holds what a loader returns — x [N, F] in the job's dtype, y [N]
// int64, the per-sample Merkle leaves (dataset_commitment.h) and their root
// — in the format of dataset_cache_file.h. It is keyed by the SHA-256 and
// size of each source file (not by path or time stamp), by the decoder's
// name and version, by what else the decoding depends on (its parameters),
// and by dtype; the file is <dir>/datasets/<first 32 hex of SHA-256(key)>.vtds.
// A hit is the same bytes as a fresh decode: same tensors, same leaves, same
// dataset root. Changing what a decoder computes means a new decoder
// version in its key.
//
// Loading an entry maps it (copy-on-write: a tensor written in place gets a
// private page, the file never changes) and verifies it whole: its key, its
// layout, the payload's XXH3-128 checksum (a check against damage at
// 20-30 GB/s: core/crypto/checksum.h), and the Merkle root rebuilt from its
// leaves. An entry that fails any check is logged (a warning naming the
// file and the reason), never used, and rebuilt from the sources.
//
// Writing is temp file + fsync + rename (WriteFileAtomically), so processes
// that build the same entry at once each install a whole file and readers
// only ever see whole files; a reader keeps the inode it mapped even when
// the entry is replaced or cleared. Failing to write (a read-only or full
// disk) is logged and costs only the next decode.
//
// Where (DatasetCacheDir): $VERITRAIN_CACHE_DIR when set and not empty,
// else $XDG_CACHE_HOME/veritrain, else $HOME/.cache/veritrain.
// VERITRAIN_CACHE_DIR=off turns the cache off (every load decodes).
// `veritrain cache dir|list|clear` shows and clears it.
//
// The checks catch damage and mistakes (a torn write, a full disk, a bit
// flip, an entry copied from elsewhere), not a forger: the cache is trusted
// as the user's own files are, and lives in the user's own directory.
//
// Thread-safety: every function is thread-safe; several processes may use
// one directory at once.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/state/env.h"
#include "core/train/dataset.h"
#include "core/util/status.h"

namespace veritrain {

// What an entry is the decoding of.
struct DatasetCacheKey {
  std::string decoder;  // the decoding and its version: "fashion-mnist/1"
  nlohmann::json params = nlohmann::json::object();  // what else it depends on
  torch::ScalarType dtype = torch::kFloat32;         // of x
  std::vector<std::string> sources;                  // the files it reads, in order
};

// The cache directory as described above; "" when the cache is off or no
// directory can be named (no HOME).
std::string DatasetCacheDir();

// The dataset `key` names: from its entry in `dir` when that verifies,
// else from `decode` (which must return the whole dataset: x 2-D in
// key.dtype, y 1-D int64, one leaf per sample), stored for next time. With
// `dir` empty, or a source that cannot be read (decode then names it),
// just decode. `decode`'s errors are returned as they are; a dataset of
// another shape or dtype than the key says is returned unstored.
// File writes go through `env` (null: Env::Default()).
Result<Dataset> LoadThroughCache(const std::string& dir, const DatasetCacheKey& key,
                                 const std::function<Result<Dataset>()>& decode,
                                 Env* env = nullptr);

// The path of `key`'s entry in `dir`. NotFound/IOError when a source cannot
// be read (it is hashed).
Result<std::string> DatasetCachePath(const std::string& dir, const DatasetCacheKey& key);

// What this process's loads did, for tests and benchmarks.
struct DatasetCacheCounters {
  int64_t hits = 0;            // entries used
  int64_t decodes = 0;         // calls of a decode function
  int64_t rejected = 0;        // entries found invalid (and rebuilt)
  int64_t store_failures = 0;  // entries that could not be written
};
DatasetCacheCounters GetDatasetCacheCounters();

// The entry files in `dir` (and temporary files left by interrupted
// writes), by path, with their sizes.
struct DatasetCacheFile {
  std::string path;
  int64_t bytes = 0;
  bool temporary = false;
};
Result<std::vector<DatasetCacheFile>> ListDatasetCache(const std::string& dir);

// Removes every file ListDatasetCache lists, and nothing else. Processes
// that have an entry mapped keep using it; one writing an entry at that
// moment fails to store it, logs that and carries on. Returns what was
// removed.
Result<std::vector<DatasetCacheFile>> ClearDatasetCache(const std::string& dir);

}  // namespace veritrain
