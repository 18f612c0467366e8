// ArbiterProcessMain: the whole of the arbiter process's main().
//
//   veritrain-arbiter --config ROLE_CONFIG.json
//
// veritrain-arbiter's main() calls it; so does a arbiter started by
// `veritrain run`'s role launcher (scenarios/runner/role_launcher.h), which
// forks the process instead of executing veritrain-arbiter. Exit status as
// RoleMain's (core/role/role_main.h).
//
// Preconditions: called once per process, before the process has started
// any thread (it keeps one allocator arena: core/train/allocator_tuning.h).
#pragma once

namespace veritrain {

int ArbiterProcessMain(int argc, char** argv);

}  // namespace veritrain
