// `veritrain step-fingerprint` (hidden: for veritrain itself): prints the
// fingerprints of step 0 of a job (core/train/step_purity.h) as this
// process computes them, for `check` to compare with its own — a step that
// depends on the process computing it (a value drawn when a plug-in loads,
// an order that follows memory addresses) gives other values in another
// process, as the roles are (scenarios/check/process_purity.h).
//
//   veritrain step-fingerprint --job FILE --profile JSON [--job-dir DIR]
//                              [--plugin PATH]...
//
// FILE holds the job's config (JobConfig::ToJson, seeds included); stdout
// gets {"nodes": [[fingerprint, ...], ...]}. Exit 0, or 2 with the reason
// on stderr.
//
// Thread-safety: a command of its own process.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace veritrain {

class FingerprintCommand {
 public:
  explicit FingerprintCommand(CLI::App& app);
  // The exit status when the command was given, else nullopt.
  std::optional<int> Dispatch();

 private:
  CLI::App* command_ = nullptr;
  std::string job_file_, profile_, job_dir_;
  std::vector<std::string> plugins_;
};

}  // namespace veritrain
