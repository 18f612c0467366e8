#include "verifier/kept_verdict.h"

#include "core/state/atomic_file.h"
#include "core/util/json_depth.h"

namespace veritrain {

Status KeepVerdict(const std::string& path, const std::string& run_id,
                   const std::string& task, const Verdict& verdict) {
  const nlohmann::json record = {
      {"run_id", run_id}, {"task", task}, {"verdict", verdict.ToBody()}};
  return WriteFileAtomically(path, {record.dump() + "\n"});
}

Result<Verdict> ReadKeptVerdict(const std::string& path,
                                const std::string& run_id,
                                const std::string& task, int64_t restarts) {
  if (restarts == 0)
    return Status::NotFound("a first start has kept no verdict");
  VT_ASSIGN_OR_RETURN(Bytes bytes, ReadFileBytes(path));
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(bytes.view(), path));
  const auto record =
      nlohmann::json::parse(bytes.view(), nullptr, /*allow_exceptions=*/false);
  if (!record.is_object() || !record.contains("verdict") ||
      !record.contains("run_id") || !record.contains("task") ||
      !record["run_id"].is_string() || !record["task"].is_string()) {
    return Status::Corruption(
        path + " is not a kept verdict ({run_id, task, verdict})");
  }
  const std::string kept_run = record["run_id"].get<std::string>();
  if (run_id.empty() || kept_run != run_id) {
    return Status::FailedPrecondition(
        path + " was kept by another run (run_id '" + kept_run +
        "', this run '" + run_id + "')");
  }
  if (record["task"] != task) {
    return Status::FailedPrecondition(path + " was kept for " +
                                      record["task"].get<std::string>() +
                                      ", not " + task);
  }
  auto verdict = Verdict::FromBody(record["verdict"]);
  if (!verdict.ok()) return verdict.status().WithContext(path);
  return verdict;
}

}  // namespace veritrain
