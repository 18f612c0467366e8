// The process's resident memory now (what `ps` calls RSS), as opposed to
// its peak (getrusage's ru_maxrss): what a long-lived process holds
// between its phases.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>

namespace veritrain {

// Bytes of this process resident in memory (/proc/self/statm); -1 when it
// cannot be read (not Linux, /proc not mounted).
int64_t ResidentBytes();

}  // namespace veritrain
