// Interval selection: which checkpoint intervals a verifier re-executes.
//
// Two kinds of picks, as in Proof-of-Learning verification:
//   "top_q"   the q intervals with the largest update norms posted by the
//             solver (ties go to the lower index). The solver cannot hide a
//             large, suspicious update from these checks. A diverged run's
//             norms may be NaN or +inf: NaN counts as larger than +inf, and
//             +inf as larger than any finite norm, so such an interval is
//             checked first.
//   "random"  r further distinct intervals, not already picked by top-Q,
//             drawn from `seed`. The seed comes from DeriveSeed (commit–
//             reveal), so the solver does not know it when it commits.
// With empty update_norms (the solver posted no hint) top-Q picks nothing;
// the r random picks are made as usual, from all intervals. Callers that
// must keep the number of checks constant decide that themselves, knowing
// that the norms were missing.
//
// Random draws, a deterministic procedure that other implementations can
// reproduce (H = SHA-256, u64le = 8 bytes little-endian):
//   word stream   block_c = H("vt-intervals-v1" || 0x00 || seed || u64le(c))
//                 for c = 0, 1, 2, ...; each block gives four 64-bit words,
//                 bytes [8w, 8w + 8) read little-endian, w = 0..3.
//   Uniform(n)    n >= 1: take the next word x until x >= (2^64 mod n), then
//                 return x mod n. Rejection sampling: no modulo bias.
//   candidates    the m intervals not picked by top-Q, ascending.
//   picks         partial Fisher–Yates: for i = 0 .. r-1,
//                 j = i + Uniform(m - i); swap(cand[i], cand[j]);
//                 cand[i] is the i-th random pick.
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

struct SelectedInterval {
  int64_t index = 0;   // 0-based interval: checkpoint index -> index + 1
  std::string reason;  // "top_q" or "random"

  bool operator==(const SelectedInterval& o) const {
    return index == o.index && reason == o.reason;
  }
};

// Returns the selected intervals sorted by index, each at most once.
// `intervals` is the number of intervals (checkpoints - 1); `update_norms`
// holds one norm per interval, or is empty.
// Invalid arguments give InvalidArgument naming the argument: a negative
// intervals, top_q or random; top_q + random > intervals; update_norms of
// another size than 0 or intervals; a negative norm (-inf included).
Result<std::vector<SelectedInterval>> SelectIntervals(
    int64_t intervals, const std::vector<double>& update_norms, int64_t top_q,
    int64_t random, const Digest& seed);

}  // namespace veritrain
