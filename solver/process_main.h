// SolverProcessMain: the whole of the solver process's main().
//
//   veritrain-solver --config ROLE_CONFIG.json
//
// veritrain-solver's main() calls it; so does a solver started by
// `veritrain run`'s role launcher (scenarios/runner/role_launcher.h), which
// forks the process instead of executing veritrain-solver. Exit status as
// RoleMain's (core/role/role_main.h).
//
// Preconditions: called once per process, before the process has started
// any thread (it keeps one allocator arena: core/train/allocator_tuning.h).
#pragma once

namespace veritrain {

int SolverProcessMain(int argc, char** argv);

}  // namespace veritrain
