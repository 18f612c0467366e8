#include "core/train/allocator_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <mutex>

namespace veritrain {

void TuneAllocatorForTraining() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    // 32 MiB is the largest mmap threshold glibc accepts on 64-bit hosts.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  });
#endif
}

}  // namespace veritrain
