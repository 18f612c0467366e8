// Commit–reveal randomness for the arbiter.
//
// The arbiter must pick random things (which intervals to check, whether to
// force an error) that the solver cannot predict when it posts its trace
// root, and that everyone can audit afterwards. So the arbiter:
//   1. draws a 32-byte secret and publishes commitment = H(secret) before the
//      solver posts its trace root;
//   2. after the trace root is posted, reveals the secret; anyone checks it
//      with CheckReveal and derives the same seed with DeriveSeed, which
//      mixes in the trace root so that the randomness is bound to it.
//
// Byte encodings (H = SHA-256, || = concatenation, 0x00 a single zero byte):
//   commitment = H("vt-commit-v1" || 0x00 || secret)
//   seed       = H("vt-seed-v1" || 0x00 || label || 0x00 || secret
//                  || trace_root)
//   secret     = H("vt-secret-v1" || 0x00 || u64le(run_seed) || task_id)
//                (SecretFromSeed only)
// The label separates independent uses of one secret ("intervals",
// "forced-error", ...). Since secret and trace_root have a fixed length of
// 32 bytes, the encoding is unambiguous even if a label contains 0x00.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

struct Commitment {
  Digest secret;      // kept by the arbiter until the reveal
  Digest commitment;  // published first
};

Commitment MakeCommitment(const Digest& secret);

// OK when `secret` opens `commitment`; Unauthenticated otherwise (the message
// names both digests).
Status CheckReveal(const Digest& commitment, const Digest& secret);

Digest DeriveSeed(const Digest& secret, const Digest& trace_root,
                  std::string_view label);

// A secret derived deterministically from the run seed and the task id, so
// that a simulated run is reproducible from its scenario and seed. It is
// predictable by anyone who knows the run seed: a production arbiter would
// draw the secret from the OS random source instead.
Digest SecretFromSeed(uint64_t run_seed, std::string_view task_id);

}  // namespace veritrain
