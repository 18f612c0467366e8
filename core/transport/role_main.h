// RoleMain: the whole of a role executable's main().
//
//   veritrain-<role> --config ROLE_CONFIG.json
//
// Parses the command line, sets the log format, loads the role config
// (written by `veritrain run`), and runs `body`. Exit status: 0 when body
// succeeds, 1 when it fails, 2 for a bad command line or config.
#pragma once

#include <functional>
#include <string>

#include "core/transport/role_config.h"

namespace veritrain {

int RoleMain(int argc, char** argv, const std::string& role,
             const std::function<Status(const RoleConfig&)>& body);

}  // namespace veritrain
