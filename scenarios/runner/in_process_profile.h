// Hardware profiles when roles run as threads of one process.
//
// A role process applies its profile to the whole process at start
// (ApplyHardwareProfile). Threads of one process share most of that state,
// so in-process mode splits a profile in two:
//
//  - the intra-op thread count is per thread. With LibTorch's OpenMP
//    backend (Debian's LibTorch 1.13) at::set_num_threads sets the calling
//    thread's OpenMP nthreads ICV, and at::parallel_for and reductions read
//    the calling thread's ICV; so each role thread sets its own count
//    (ApplyThreadProfile), after LibTorch's lazy per-thread initialisation
//    (which would otherwise overwrite it from the process-wide value). A
//    test checks that two threads at 1 and 2 threads get the bits that
//    separate processes at 1 and 2 threads get. With another parallel
//    backend the count is process-wide, and every in-process role must use
//    the count of the first in-process run.
//  - dtype (LibTorch's default dtype), deterministic algorithms and device
//    are process-wide: the first in-process run applies them and every
//    later in-process run in the process must use the same values.
//
// AdmitInProcess says whether a run can go in-process; when it cannot, the
// runner falls back to process mode and logs the reason.
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <vector>

#include "core/train/hardware_profile.h"
#include "core/util/status.h"

namespace veritrain {

// Ok when every profile can be honoured by threads of this process: they
// agree with each other and with earlier admitted runs on dtype,
// deterministic and device (and on threads when thread counts are not
// per-thread). The first admitted run fixes the process-wide settings;
// every admitted run applies them again (ApplyHardwareProfile).
// FailedPrecondition naming the mismatch otherwise.
Status AdmitInProcess(const std::vector<HardwareProfile>& profiles);

// Sets the calling thread's intra-op thread count to p.threads.
// REQUIRES: AdmitInProcess accepted a set of profiles containing p.
Status ApplyThreadProfile(const HardwareProfile& p);

// Whether intra-op thread counts are per thread in this LibTorch build.
bool ThreadCountsArePerThread();

}  // namespace veritrain
