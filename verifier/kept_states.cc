// Kept states (verifier/kept_states.h): checkpoint files named by hash.
#include "verifier/kept_states.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "core/state/checkpoint_file.h"
#include "core/state/env.h"

namespace veritrain {

std::string KeptStatePath(const std::string& dir, const Digest& hash) {
  return dir + "/state-" + hash.Hex() + ".vtc";
}

Status KeepState(const std::string& dir, const Digest& hash, const State& state,
                 const std::vector<Digest>& tensor_hashes, const nlohmann::json& meta) {
  if (!tensor_hashes.empty() && tensor_hashes.size() != state.size()) {
    return Status::InvalidArgument("keep state " + hash.Hex() + ": " +
                                   std::to_string(tensor_hashes.size()) + " tensor hashes for " +
                                   std::to_string(state.size()) + " tensors");
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError("keep state: cannot make " + dir + ": " + std::strerror(errno));
  }
  if (LoadKeptState(dir, hash).ok()) return Status::Ok();  // the end of one interval, start of the next
  const std::string path = KeptStatePath(dir, hash);
  // Without fsyncs (Env::Volatile): a kept state serves this process and
  // one restarted after it was killed, which the page cache outlives; after
  // a lost machine the file is verified when loaded and, torn or missing,
  // fetched again. Syncing 100 MB cost seconds of the game's clock.
  Env* const env = Env::Volatile();
  if (tensor_hashes.empty()) return WriteCheckpoint(path, state, meta, env);
  // The writer takes the hashes in canonical (byte-wise name) order.
  std::vector<size_t> order(state.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return state[a].name < state[b].name; });
  std::vector<Digest> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(tensor_hashes[i]);
  return WriteCheckpointWithHashes(path, state, meta, sorted, env);
}

Result<TensorMap> LoadKeptState(const std::string& dir, const Digest& hash) {
  const std::string path = KeptStatePath(dir, hash);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound("no state " + hash.Hex() + " is kept in " + dir);
  }
  Result<Checkpoint> ckpt = ReadCheckpoint(path);
  if (!ckpt.ok()) {
    return Status::Corruption("kept state " + path + ": " + ckpt.status().message());
  }
  if (ckpt->state_hash != hash) {
    return Status::Corruption("kept state " + path + " holds state " + ckpt->state_hash.Hex() +
                              ", not " + hash.Hex());
  }
  return ViewState(ckpt->state);
}

void DropKeptState(const std::string& dir, const Digest& hash) {
  ::unlink(KeptStatePath(dir, hash).c_str());
}

void DropKeptStates(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("state-", 0) == 0) std::filesystem::remove(entry.path(), ec);
  }
  ::rmdir(dir.c_str());
}

}  // namespace veritrain
