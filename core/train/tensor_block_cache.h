// TensorBlockCache: LibTorch's CPU allocator for a process that trains,
// keeping the memory of large tensors (1 MiB and more) for tensors of the
// same size.
//
// A training step frees and allocates the same large tensors every step
// (the new state, the gradients, the optimizer's temporaries). Through
// malloc those come from one heap in which blocks of many sizes are split
// and merged: freed memory is reused, but not well enough, so that the heap
// of a 100-MB-state solver grew to about 1.5 times what was ever live at
// once (the peak resident memory the large job's targets bound). Here each
// large tensor has its own mapping, rounded up to whole pages; freed, it is
// kept in a list of blocks of exactly its size, and the next tensor of
// that size takes it. Training asks for the same sizes every step, so
// after the first step no large tensor is faulted in again; and the
// process holds at most, per size, the most blocks ever live at once —
// about what it used at its peak, no more. Blocks beyond kMaxCachedBytes
// of kept memory go back to the kernel at once, and ReleaseTensorBlocks()
// gives all of them back (allocator_tuning.h calls it where one phase of a
// role ends and another begins).
//
// Smaller tensors are LibTorch's default allocator's (malloc), tuned by
// allocator_tuning.h. Which allocator holds a tensor never changes its
// bits: no kernel reads memory before writing it.
//
// Thread-safety: thread-safe. InstallTensorBlockCache() replaces
// LibTorch's CPU allocator, which LibTorch allows only while no other
// thread allocates tensors: call it at start-up (TuneAllocatorForTraining
// does, once per process). Tensors allocated before it keep their own
// deleter.
#pragma once

#include <cstddef>
#include <cstdint>

namespace veritrain {

// Tensors of at least this many bytes get a block of their own.
inline constexpr size_t kTensorBlockMinBytes = size_t{1} << 20;
// Freed blocks kept beyond this are unmapped at once.
inline constexpr size_t kMaxCachedBytes = size_t{256} << 20;

// Makes the cache LibTorch's CPU allocator; later calls change nothing.
void InstallTensorBlockCache();
// Whether it is installed.
bool TensorBlockCacheInstalled();
// Bytes of freed blocks kept for reuse.
int64_t CachedTensorBlockBytes();
// Unmaps every kept block.
void ReleaseTensorBlocks();

}  // namespace veritrain
