// Hashing many tensors at once: TensorHash (state_hash.h) of each tensor,
// spread over up to `threads` threads.
//
// One tensor is one SHA-256 stream, so it is hashed by one thread; the
// threads share the tensors, biggest first, so that one large tensor does
// not start last on an otherwise idle pool. The digests do not depend on
// the thread count. With one huge tensor and nothing else, the work is
// serial whatever the count.
//
// The calling thread hashes too and returns as soon as every tensor is
// hashed: it waits for a helper only while that helper hashes a tensor it
// took. Helpers are threads of the process, started on first need (at most
// 15) and then parked between calls: waking a parked thread takes
// microseconds, starting one can take a scheduler tick (4 ms on a busy VM),
// longer than hashing a few MiB. A helper that comes late finds nothing
// left. The caller never depends on a helper for progress: if none can be
// started, or none is free, it hashes everything itself. A child process
// forked after helpers started starts helpers of its own.
//
// Thread-safety: thread-safe; only reads the tensors.
#pragma once

#include <cstddef>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/state/tensor_data.h"

namespace veritrain {

// TensorHash(*tensors[i]) at position i of the result, hashed with up to
// `threads` threads (fewer than 2: the caller's thread alone). A helper is
// started only for every `min_bytes_per_thread` bytes in all (0: one per
// tensor, up to `threads`), so that a small message does not pay for
// starting threads it cannot keep busy.
// REQUIRES: every pointer is valid for the duration of the call.
std::vector<Digest> HashTensors(const std::vector<const TensorData*>& tensors,
                                int threads, size_t min_bytes_per_thread = 0);

}  // namespace veritrain
