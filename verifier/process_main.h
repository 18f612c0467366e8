// VerifierProcessMain: the whole of the verifier process's main().
//
//   veritrain-verifier --config ROLE_CONFIG.json
//
// veritrain-verifier's main() calls it; so does a verifier started by
// `veritrain run`'s role launcher (scenarios/runner/role_launcher.h), which
// forks the process instead of executing veritrain-verifier. Exit status as
// RoleMain's (core/role/role_main.h).
//
// Preconditions: called once per process, before the process has started
// any thread (it keeps one allocator arena: core/train/allocator_tuning.h).
#pragma once

namespace veritrain {

int VerifierProcessMain(int argc, char** argv);

}  // namespace veritrain
