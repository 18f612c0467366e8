// How the C allocator keeps freed memory, tuned for training.
//
// A training step allocates and frees the same tensors every step: the
// gradients, the optimizer's temporaries, the activations. Tensors of 1 MiB
// and more are kept apart, each in a block of its own reused for tensors of
// its size (tensor_block_cache.h), which TuneAllocatorForTraining installs.
// For the smaller ones, glibc's malloc
// serves a block above its mmap threshold (128 KiB at start) with a fresh
// mmap and unmaps it when freed, and trims the top of the heap back to the
// kernel; so every step page-faults its larger tensors in again, zeroed by
// the kernel. (It raises the threshold by itself after freeing a mapped
// block of up to 32 MiB, which is why a process that happened to free such
// a block — decoding a dataset, say — trained faster than one that did
// not.) TuneAllocatorForTraining fixes the thresholds at their largest, so
// that freed blocks up to 32 MiB are reused and up to 256 MiB of freed
// memory stays in the process.
//
// The price is that a phase's freed memory stays in the process after the
// phase, and in the allocator's arena of the thread that allocated it (a
// tensor freed by another thread goes back to its own arena, where other
// threads do not reuse it). ReleaseFreedMemory gives the freed memory of
// every arena back to the kernel (malloc_trim), and the kept tensor
// blocks: roles call it where one
// phase of a large job ends and another that allocates differently begins
// (training done, a verification done, a dispute opened), so that the next
// phase's peak is its own and not the sum of both.
//
// A role process also keeps one arena for all its threads
// (UseOneAllocatorArena): the transport's I/O thread allocates every
// message it receives, a checkpoint of a large model included, and the
// role's thread frees it; with an arena per thread that memory could only
// be reused by the next message, never by the computation, so a verifier
// held a state more at its peak. The role's threads seldom allocate at
// once, so they rarely wait on the one arena's lock. It must be called
// before the process starts its threads.
//
// Thread-safety: thread-safe; process-wide; calling TuneAllocatorForTraining
// again changes nothing. No-ops on C libraries other than glibc.
#pragma once

namespace veritrain {

void TuneAllocatorForTraining();
void ReleaseFreedMemory();
void UseOneAllocatorArena();

}  // namespace veritrain
