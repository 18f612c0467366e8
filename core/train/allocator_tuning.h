// How the C allocator keeps freed memory, tuned for training.
//
// A training step allocates and frees the same tensors every step: the
// gradients, the optimizer's temporaries, the activations. glibc's malloc
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
// Thread-safety: thread-safe; process-wide; calling it again changes
// nothing. A no-op on C libraries other than glibc.
#pragma once

namespace veritrain {

void TuneAllocatorForTraining();

}  // namespace veritrain
