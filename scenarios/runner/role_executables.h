// The role executables `--bin-dir DIR` names (`veritrain run` and `sweep`):
// DIR/veritrain-arbiter, DIR/veritrain-solver and DIR/veritrain-verifier,
// which a run then executes instead of forking its own roles
// (process_host.h).
//
// Checked before a run or sweep writes anything, so that a wrong directory
// is a usage error (exit 2) and not a run that created and emptied its
// results folder and then failed to start its first role.
//
// Thread-safety: pure functions over the file system.
#pragma once

#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

// The executables' names, in the order they are reported and recorded.
const std::vector<std::string>& RoleExecutableNames();

// OK when `dir` is a directory holding each of RoleExecutableNames() as an
// executable regular file (or a link to one). InvalidArgument otherwise,
// naming the flag, the path and what is wrong: "--bin-dir is empty (leave
// the flag out to run this veritrain's own roles)", "--bin-dir /x: no such
// directory", "--bin-dir /x: /x/veritrain-solver is missing or not
// executable".
Status CheckRoleExecutableDir(const std::string& dir);

}  // namespace veritrain
