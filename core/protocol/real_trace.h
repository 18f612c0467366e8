// The solver's commitment to its real trace (Truebit's dual commitment for
// forced errors).
//
// When the arbiter's committed randomness forces an error, the solver
// posts a wrong trace root on purpose, so that verifiers who approve
// without checking are exposed. The real result must still be checked, or
// a cheating solver that draws a forced error is paid for a trace nobody
// verified. So every trace_commit also carries a hiding commitment to the
// solver's real trace; once verification of the posted trace is over and
// the forced error is revealed, the solver opens it (real_trace) and the
// verifiers check the real trace as they would any posted one.
//
// The commitment hides whether the posted root is the real one (a verifier
// that could tell would know a forced error before voting), so it mixes in
// a nonce only the solver knows:
//
//   commitment = H("vt-real-trace-v1" || 0x00 || task_id || 0x00
//                  || trace_root || final_state_hash
//                  || u64le(num_checkpoints) || nonce)
//   nonce      = H("vt-real-nonce-v1" || 0x00 || u64le(solver_seed)
//                  || task_id)   (RealTraceNonce only)
//
// with H = SHA-256 and 32-byte digests, so the encoding is unambiguous.
// RealTraceNonce is deterministic so that a simulated run is reproducible
// from its scenario; a production solver would draw the nonce from the OS
// random source.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

// What the solver commits to and later opens.
struct RealTraceReveal {
  Digest trace_root;
  Digest final_state_hash;
  int64_t num_checkpoints = 0;
  Digest nonce;
};

Digest RealTraceCommitment(std::string_view task_id,
                           const RealTraceReveal& opening);

// OK when `opening` opens `commitment` for `task_id`; Unauthenticated
// naming both digests otherwise.
Status CheckRealTraceReveal(const Digest& commitment, std::string_view task_id,
                            const RealTraceReveal& opening);

Digest RealTraceNonce(uint64_t solver_seed, std::string_view task_id);

}  // namespace veritrain
