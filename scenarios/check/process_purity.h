// Whether a plug-in job's step gives the same values in another process.
//
// The roles are processes of their own, and a step that depends on
// something of the process computing it — a value drawn when the job's
// library loads, an order that follows memory addresses, the process id —
// gives the same values twice in one process (core/train/step_purity.h
// passes it) and other values in the verifier's or the arbiter's: an
// honest solver would lose its stake. StepPureAcrossProcesses runs
// `veritrain step-fingerprint` (scenarios/cli/fingerprint_command.h) in a
// child process under the same profile, with this process's plug-ins and
// job file directory, and compares its fingerprints of step 0 with this
// process's.
//
// Only jobs a plug-in registers are checked: the built-in jobs and
// TorchScript models run LibTorch's code and veritrain's, which depend on
// nothing of their process (and a job this process's own code registered
// cannot be made in another). Once per job (its config without its seeds) and
// profile per process.
//
// Thread-safety: thread-safe; it applies `profile` to this process.
#pragma once

#include <string>

#include "core/train/hardware_profile.h"
#include "core/train/job_config.h"
#include "core/util/status.h"

namespace veritrain {

// OK for a built-in job, or when the other process gives the same values;
// FailedPrecondition naming the first node that differs; the other
// process's own error (it could not build the job, it crashed, it took
// over `timeout_s`) as FailedPrecondition too, naming it. Skipped (OK, with
// a logged note) when no veritrain executable is beside this one.
Status StepPureAcrossProcesses(const JobConfig& config, const HardwareProfile& profile,
                               double timeout_s = 300);

}  // namespace veritrain
