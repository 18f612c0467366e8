// Where the files a job names (a TorchScript model, dataset files) are
// looked up.
//
// Job fields hold paths as the scenario wrote them. A relative path is
// resolved against the process's job file directory: `veritrain run` sets
// it, in every role process, to the directory of the scenario file (see
// RoleConfig::job_dir), so a scenario can name files next to it. When no
// directory is set, relative paths resolve against the working directory.
//
// Thread-safety: thread-safe (the directory is guarded by a mutex).
#pragma once

#include <string>

namespace veritrain {

// Sets the directory relative job paths resolve against ("" for the
// working directory).
void SetJobFileDir(const std::string& dir);
std::string JobFileDir();

// `path` unchanged when it is absolute or no directory is set; else the
// directory joined with it.
std::string ResolveJobFile(const std::string& path);

// ResolveJobFile against `dir` instead of the process's job file directory
// (for a scenario whose job this process does not run). Pure.
std::string ResolveJobFileIn(const std::string& dir, const std::string& path);

}  // namespace veritrain
