#include "scenarios/cli/fingerprint_command.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "core/train/job_environment.h"
#include "core/train/step_purity.h"
#include "core/util/json_depth.h"

namespace veritrain {
namespace {

Status Fingerprint(const std::string& job_file, const std::string& profile_json,
                   const std::string& job_dir, const std::vector<std::string>& plugins) {
  std::ifstream in(job_file);
  if (!in) return Status::NotFound("cannot read " + job_file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(text, job_file));
  const nlohmann::json job = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (job.is_discarded()) return Status::InvalidArgument(job_file + ": not JSON");
  const nlohmann::json profile_doc =
      nlohmann::json::parse(profile_json, nullptr, /*allow_exceptions=*/false);
  if (profile_doc.is_discarded()) return Status::InvalidArgument("--profile: not JSON");
  VT_ASSIGN_OR_RETURN(HardwareProfile profile, HardwareProfile::FromJson(profile_doc));
  JobEnvironment env;
  env.plugins = plugins;
  env.job_dir = job_dir;
  VT_RETURN_IF_ERROR(ApplyJobEnvironment(env));
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(profile));
  VT_ASSIGN_OR_RETURN(JobConfig config, JobConfig::FromJson(job));
  VT_ASSIGN_OR_RETURN(std::unique_ptr<TrainingJob> made, MakeJob(config));
  VT_ASSIGN_OR_RETURN(auto fingerprints, StepFingerprints(*made, config.init_seed));
  std::cout << nlohmann::json({{"nodes", fingerprints}}).dump() << "\n";
  return Status::Ok();
}

}  // namespace

FingerprintCommand::FingerprintCommand(CLI::App& app) {
  command_ = app.add_subcommand("step-fingerprint",
                                "fingerprints of a job's step 0 (used by check)");
  command_->group("");  // not listed: for veritrain itself
  command_->add_option("--job", job_file_, "the job's config (JSON)")->required();
  command_->add_option("--profile", profile_, "the hardware profile (JSON)")->required();
  command_->add_option("--job-dir", job_dir_, "directory job file paths resolve against");
  command_->add_option("--plugin", plugins_, "plug-in to load (repeatable)");
}

std::optional<int> FingerprintCommand::Dispatch() {
  if (!*command_) return std::nullopt;
  Status s = Fingerprint(job_file_, profile_, job_dir_, plugins_);
  if (s.ok()) return 0;
  std::cerr << "step-fingerprint: " << s.message() << "\n";
  return 2;
}

}  // namespace veritrain
