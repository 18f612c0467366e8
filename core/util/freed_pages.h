// Giving a large buffer's memory back to the system the moment it is
// freed: a received frame while a computation that needs the room runs
// (below), a mapped checkpoint's tensor always (checkpoint_file.h).
//
// A received message's frames are allocated by ZeroMQ through malloc, one
// per tensor (a few MiB each for a large model). Freed, malloc keeps that
// memory in the process for the next allocation of its kind
// (allocator_tuning.h keeps up to 256 MiB). But the tensors a training step
// makes come from their own blocks (tensor_block_cache.h), not from
// malloc: while a verifier re-executes a fetched start state, each start
// tensor the step replaces is freed into malloc's keeping, where nothing
// of the step reuses it, and the process held the start and the state
// re-executed at once — a whole state more at its peak.
//
// While a ReturnFreedFramesScope lives (anywhere in the process), a
// received frame of kReturnedFrameMinBytes or more that is freed gives its
// whole pages back to the system (madvise MADV_DONTNEED) before malloc
// takes it back. Only a process whose frames come from other processes
// (ipc://, tcp://: ZeroMQ's own buffers) may open one: a frame received
// over inproc:// is the sender's memory, which it may still be using. The price is paid by the next message that reuses that
// memory: it is faulted in again. Frames freed outside a scope are kept as
// before, so that messages received back to back reuse their memory.
//
// Thread-safety: thread-safe; scopes may nest and overlap across threads.
#pragma once

#include <cstddef>

namespace veritrain {

// Frames smaller than this are kept: their pages are few and partly shared
// with malloc's bookkeeping.
inline constexpr size_t kReturnedFrameMinBytes = size_t{1} << 20;

class ReturnFreedFramesScope {
 public:
  ReturnFreedFramesScope();
  ~ReturnFreedFramesScope();
  ReturnFreedFramesScope(const ReturnFreedFramesScope&) = delete;
  ReturnFreedFramesScope& operator=(const ReturnFreedFramesScope&) = delete;
};

// Whether a ReturnFreedFramesScope lives now.
bool ReturningFreedFrames();

// Takes the whole pages inside [data, data + size) out of the process's
// resident memory. Anonymous memory (malloc's) reads as zeros afterwards;
// a read-only mapping of a file reads the file again, from the page cache.
// REQUIRES: for anonymous memory, the caller owns the range and nobody
// reads its old contents again (it is about to be freed).
void ReturnPages(void* data, size_t size);

// Called by the owner of a received frame as it frees it: ReturnPages when
// a scope lives and the frame is at least kReturnedFrameMinBytes.
void ReturnFramePagesIfAsked(void* data, size_t size);

}  // namespace veritrain
