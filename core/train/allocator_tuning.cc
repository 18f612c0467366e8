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
    // 32 MiB is the largest mmap threshold glibc accepts on 64-bit hosts.
    // (Tensors of 1 MiB and more have blocks of their own. Mapping other
    // blocks from 1 MiB, a received message's, made a verifier hold less
    // but an 8 MiB checkpoint fetch three times slower, every frame
    // faulted in afresh.)
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
  ReleaseTensorBlocks();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace veritrain
