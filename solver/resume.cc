#include "solver/resume.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "core/state/atomic_file.h"
#include "core/state/checkpoint_file.h"
#include "core/state/env.h"

namespace veritrain {

namespace {

// Whether `meta` (a checkpoint's, as written: no field is trusted to have
// its type) records `key` as `want`.
bool Records(const nlohmann::json& meta, const char* key, const nlohmann::json& want) {
  return meta.is_object() && meta.contains(key) && meta[key] == want;
}

}  // namespace

Result<ResumePoint> AdoptCheckpoints(const std::string& dir, const std::string& run_id,
                                     const std::string& task, int64_t k, int64_t last_index,
                                     CheckpointRecorder& recorder) {
  ResumePoint out;
  for (int64_t i = 0; i <= last_index; ++i) {
    const std::string path = dir + CheckpointFileName(i);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) break;
    auto ckpt = ReadCheckpoint(path);
    if (!ckpt.ok()) {
      spdlog::warn("resume: {} is not a whole checkpoint ({}); training again from there", path,
                   ckpt.status().ToString());
      break;
    }
    const nlohmann::json& meta = ckpt->meta;
    if (!Records(meta, "run", run_id)) {
      // Another run's file (a folder reused, a copy): its state is not
      // this task's training, whatever its task and position say.
      spdlog::warn("resume: {} is not of this run ({}); training again from there", path,
                   run_id);
      break;
    }
    if (!Records(meta, "task", task) || !Records(meta, "index", i) ||
        !Records(meta, "step", i * k)) {
      spdlog::warn("resume: {} records another task or position; training again from there",
                   path);
      break;
    }
    VT_ASSIGN_OR_RETURN(TensorMap state, FromState(ckpt->state));
    VT_RETURN_IF_ERROR(recorder.Adopt(state, path, ckpt->state_hash));
    out.index = i;
    out.state = std::move(state);
  }
  return out;
}

namespace {

std::string StepsFile(const std::string& dir) { return dir + "/steps-computed"; }

}  // namespace

int64_t StepsComputedBefore(const std::string& dir) {
  struct stat st;
  if (::stat(StepsFile(dir).c_str(), &st) != 0) return 0;
  auto bytes = ReadFileBytes(StepsFile(dir));
  if (!bytes.ok()) {
    spdlog::warn("resume: {}; counting no earlier steps", bytes.status().ToString());
    return 0;
  }
  const std::string text(bytes->view());
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) || errno != 0 || end != text.c_str() + text.size() || n < 0) {
    spdlog::warn("resume: {} is not a count of steps; counting no earlier steps",
                 StepsFile(dir));
    return 0;
  }
  return n;
}

int64_t StepsComputedInAll(int64_t before, int64_t now) {
  int64_t sum = 0;
  if (__builtin_add_overflow(before, now, &sum)) return INT64_MAX;
  return sum;
}

void KeepStepsComputed(const std::string& dir, int64_t steps) {
  const std::string text = std::to_string(steps);
  Status s = WriteFileAtomically(StepsFile(dir), {text}, 0600, Env::Volatile());
  if (!s.ok()) spdlog::warn("solver: keeping the count of steps computed: {}", s.ToString());
}

int64_t CheckpointBytesOnDisk(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  int64_t bytes = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code file_ec;
    if (!it->is_regular_file(file_ec) || file_ec) continue;
    if (it->path().filename().string().find(".vtc") == std::string::npos) continue;
    const auto size = it->file_size(file_ec);
    if (!file_ec) bytes = StepsComputedInAll(bytes, static_cast<int64_t>(size));
  }
  return bytes;
}

}  // namespace veritrain
