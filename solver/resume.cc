#include "solver/resume.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "core/state/checkpoint_file.h"

namespace veritrain {

Result<ResumePoint> AdoptCheckpoints(const std::string& dir, const std::string& task, int64_t k,
                                     int64_t last_index, CheckpointRecorder& recorder) {
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
    if (meta.value("task", std::string()) != task || meta.value("index", int64_t{-1}) != i ||
        meta.value("step", int64_t{-1}) != i * k) {
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

}  // namespace veritrain
