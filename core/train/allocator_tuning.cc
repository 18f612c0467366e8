#include "core/train/allocator_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <mutex>

#include "core/train/tensor_block_cache.h"

namespace veritrain {

void TuneAllocatorForTraining() {
  InstallTensorBlockCache();
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    // Tensors this large have blocks of their own; other blocks as large
    // (a received message, a file's bytes) are mapped and unmapped.
    mallopt(M_MMAP_THRESHOLD, static_cast<int>(kTensorBlockMinBytes));
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
  ReleaseTensorBlocks();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace veritrain
