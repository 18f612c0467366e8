// RoleMain: the whole of a role executable's main().
//
//   veritrain-<role> --config ROLE_CONFIG.json
//
// Parses the command line, sets the log format, loads the role config
// (written by `veritrain run`), and runs `body`. Exit status: 0 when body
// succeeds, 1 when it fails, 2 for a bad command line or config.
//
// When body fails, its error goes to the log and also to RoleFailurePath()
// in the private work dir, where the runner reads it to say why the role
// ended: the log lives in the results folder, and a results folder on a
// full disk holds an empty or cut log.
#pragma once

#include <functional>
#include <string>

#include "core/role/role_config.h"

namespace veritrain {

int RoleMain(int argc, char** argv, const std::string& role,
             const std::function<Status(const RoleConfig&)>& body);

// "<work_dir>/<name>.failure": where a role process leaves the error it
// ended with.
std::string RoleFailurePath(const RoleConfig& config);

}  // namespace veritrain
