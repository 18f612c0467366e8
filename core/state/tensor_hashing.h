// Hashing many tensors at once: TensorHash (state_hash.h) of each tensor,
// spread over up to `threads` threads.
//
// One tensor is one SHA-256 stream, so it is hashed by one thread; the
// threads share the tensors, biggest first, so that one large tensor does
// not start last on an otherwise idle pool. The digests do not depend on
// the thread count. With one huge tensor and nothing else, the work is
// serial whatever the count.
//
// The threads are the calling one and the process's parked helpers
// (RunShared, core/util/helper_pool.h): the caller never waits for a
// helper to start, nor depends on one for progress.
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
