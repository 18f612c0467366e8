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

void UseOneAllocatorArena() {
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, 1);
#endif
}

void ReleaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace veritrain
