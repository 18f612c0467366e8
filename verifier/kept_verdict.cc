#include "verifier/kept_verdict.h"

#include <limits>

#include <unistd.h>

#include "core/state/atomic_file.h"
#include "core/util/json_depth.h"

namespace veritrain {

Status KeepVerdict(const std::string& path, const std::string& run_id,
                   const std::string& task, const Verdict& verdict) {
  const nlohmann::json record = {
      {"run_id", run_id}, {"task", task}, {"verdict", verdict.ToBody()}};
  return WriteFileAtomically(path, {record.dump() + "\n"});
}

namespace {

// The record at `path` with its `field`, if this run's restarted verifier
// kept it for `task`: the errors of ReadKeptVerdict, `what` naming it.
Result<nlohmann::json> ReadKeptRecord(const std::string& path, const std::string& run_id,
                                      const std::string& task, const std::string& field,
                                      const std::string& what) {
  VT_ASSIGN_OR_RETURN(Bytes bytes, ReadFileBytes(path));
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(bytes.view(), path));
  auto record = nlohmann::json::parse(bytes.view(), nullptr, /*allow_exceptions=*/false);
  if (!record.is_object() || !record.contains(field) ||
      !record.contains("run_id") || !record.contains("task") ||
      !record["run_id"].is_string() || !record["task"].is_string()) {
    return Status::Corruption(path + " is not a kept " + what + " ({run_id, task, " + field +
                              "})");
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
  return record;
}

}  // namespace

Result<Verdict> ReadKeptVerdict(const std::string& path,
                                const std::string& run_id,
                                const std::string& task, int64_t restarts) {
  if (restarts == 0)
    return Status::NotFound("a first start has kept no verdict");
  VT_ASSIGN_OR_RETURN(nlohmann::json record,
                      ReadKeptRecord(path, run_id, task, "verdict", "verdict"));
  auto verdict = Verdict::FromBody(record["verdict"]);
  if (!verdict.ok()) return verdict.status().WithContext(path);
  return verdict;
}

Status KeepStepsReexecuted(const std::string& path, const std::string& run_id,
                           const std::string& task, int64_t steps) {
  const nlohmann::json record = {{"run_id", run_id}, {"task", task}, {"steps", steps}};
  return WriteFileAtomically(path, {record.dump() + "\n"});
}

Result<int64_t> StepsReexecutedBefore(const std::string& path, const std::string& run_id,
                                      const std::string& task, int64_t restarts,
                                      int64_t task_steps) {
  if (restarts == 0) return int64_t{0};
  if (::access(path.c_str(), F_OK) != 0) return int64_t{0};
  VT_ASSIGN_OR_RETURN(nlohmann::json record,
                      ReadKeptRecord(path, run_id, task, "steps", "count of steps"));
  const nlohmann::json& steps = record["steps"];
  if (!steps.is_number_integer() || steps.get<int64_t>() < 0) {
    return Status::Corruption(path + ": \"steps\" is " + steps.dump() +
                              ", not a count of steps");
  }
  // Each earlier process re-executed every interval at most once, and the
  // count is cumulative: a count beyond that is a damaged record, whose
  // steps would be charged as this verifier's compute cost.
  const int64_t most =
      task_steps > 0 && restarts <= std::numeric_limits<int64_t>::max() / task_steps
          ? restarts * task_steps
          : std::numeric_limits<int64_t>::max();
  if (steps.get<int64_t>() > most) {
    return Status::Corruption(path + ": \"steps\" is " + steps.dump() + ", more than the " +
                              std::to_string(most) + " its " + std::to_string(restarts) +
                              " earlier process(es) could have re-executed (the task's " +
                              std::to_string(task_steps) + " steps each)");
  }
  return steps.get<int64_t>();
}

}  // namespace veritrain
