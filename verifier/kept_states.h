// The solver's committed states a challenger keeps for its games, on disk.
//
// A challenge lists every failing interval (Verdict::further), and a game
// may be played on any of them, one after another. The challenger keeps
// the start (and, in tolerance mode, the end) of each listed interval
// rather than fetching them when their game opens, because a solver could
// withhold them then. Held in memory, that was one or two whole states per
// listed interval: at a 100-MB state and 64 listed intervals, gigabytes.
// Kept as checkpoint files instead, named by their state hash, memory
// holds none of them until a game loads its own, and a restarted
// challenger finds them again without asking the solver.
//
// A kept file is trusted for what it is, not for who wrote it: loading
// verifies every tensor and refuses a file whose state hash is not the one
// asked for, so a stale, truncated or foreign file is never played from
// (it is as if nothing were kept, and the caller fetches the state again).
//
// Thread-safety: the functions are thread-safe for distinct directories.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/crypto/sha256.h"
#include "core/state/state_hash.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

// The file of the state with hash `hash` kept in `dir`.
std::string KeptStatePath(const std::string& dir, const Digest& hash);

// Writes `state` (whose state hash is `hash`, and whose tensors hash to
// `tensor_hashes` in the order of `state`, or are hashed here when that is
// empty) to KeptStatePath(dir, hash), crash-safely; the directory is made
// if missing. A file already there is kept when it holds that state.
// IOError naming the file, InvalidArgument when the hashes do not match
// the tensors in number.
Status KeepState(const std::string& dir, const Digest& hash, const State& state,
                 const std::vector<Digest>& tensor_hashes, const nlohmann::json& meta);

// The state with hash `hash` kept in `dir`, verified (its tensors are views
// into the mapped file). NotFound when nothing is kept for it; Corruption
// naming the file when the file is damaged or holds another state.
Result<TensorMap> LoadKeptState(const std::string& dir, const Digest& hash);

// Removes the state with hash `hash` from `dir`, if kept.
void DropKeptState(const std::string& dir, const Digest& hash);

// Removes every state kept in `dir` (and leftovers of writes cut short),
// then `dir` itself if it is empty.
void DropKeptStates(const std::string& dir);

}  // namespace veritrain
