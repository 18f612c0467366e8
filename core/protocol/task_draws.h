// Task draws: the two things the arbiter decides per task from its
// commit–reveal secret (core/protocol/commit_reveal.h), so that anyone can
// audit them once the secret is revealed.
//
//   forced error   decided when the task is assigned, before training (the
//                  solver must know it in time); from the secret alone:
//                  u = top 53 bits of DeriveSeed(secret, 32 zero bytes,
//                  "forced-error") as a big-endian integer, divided by
//                  2^53; forced iff u < rate. Rate 0 never, rate 1 always.
//   verifiers      drawn after the trace root is posted, bound to it:
//                  from DeriveSeed(secret, trace_root, "verifiers"), a
//                  Fisher–Yates shuffle of the pool whose j-th swap index
//                  is (top 8 bytes of H(seed || u64le(j))) mod (n - j);
//                  the first `count` are taken and returned in pool order.
//                  count 0, or count >= pool size, selects the whole pool.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"

namespace veritrain {

bool ForcedErrorDrawn(const Digest& secret, double rate);

std::vector<std::string> SelectVerifiers(const Digest& secret,
                                         const Digest& trace_root,
                                         const std::vector<std::string>& pool,
                                         int64_t count);

}  // namespace veritrain
