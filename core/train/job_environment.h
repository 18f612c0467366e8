// What a process needs before it can make a scenario's job: the plug-ins
// that register plug-in jobs, loaded, and the directory that relative file
// paths in job fields resolve against (job_files.h).
//
// `veritrain run` resolves the scenario's plug-in entries once
// (ResolveJobEnvironment), applies the result to itself (so it can check the
// job name before starting anything, and so in-process roles see it), and
// hands it to every role process in its RoleConfig, whose main applies it
// (ApplyJobEnvironment) before building a job.
//
// Thread-safety: ApplyJobEnvironment changes process-wide state (the job
// registry, the job file directory); the functions are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

struct JobEnvironment {
  std::vector<std::string> plugins;  // absolute paths, in load order
  std::string job_dir;               // "" for the working directory
};

// Resolves a scenario's plug-in entries with FindPlugin (plugin.h): paths
// relative to `scenario_dir`, bare names in DefaultPluginDirs of the
// directory holding this executable. Errors name the entry.
Result<JobEnvironment> ResolveJobEnvironment(
    const std::vector<std::string>& plugin_entries,
    const std::string& scenario_dir);

// Loads the plug-ins (LoadPlugins) and sets the job file directory.
Status ApplyJobEnvironment(const JobEnvironment& env);

// InvalidArgument "job.name: unknown job 'x' (known: a, b); a plug-in job
// needs its library in the scenario's \"plugins\" or --plugin PATH" unless
// `name` is registered.
Status RequireKnownJob(const std::string& name);

}  // namespace veritrain
