// Prefix commitments over a step's node outputs (phase 2 of the game).
//
//   h_0 = SHA-256("vt-node-chain-v1" || 0x00 || state hash before the step)
//   h_j = SHA-256("vt-node-chain-v1" || 0x01 || h_{j-1} || o_j)
//
// where o_j is the hash of node j's outputs (a state hash over the node's
// named output tensors). Agreeing on h_j means agreeing on every output up
// to node j, so the dissection cannot end on a node whose inputs were never
// agreed (a later node agreeing by coincidence, e.g. a ReLU that zeroes a
// difference, does not make the prefix agree).
//
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

Digest ChainStart(const Digest& state_hash);
Digest ChainNext(const Digest& prev, const Digest& output_hash);
// h_0..h_N for outputs o_1..o_N (N+1 values).
std::vector<Digest> Chain(const Digest& state_hash, const std::vector<Digest>& output_hashes);
// Checks that chaining `outputs` (o_{i}..o_{j}) from `base` (h_{i-1})
// reaches `expected` (h_j); Corruption otherwise.
Status VerifyChainSegment(const Digest& base, const std::vector<Digest>& outputs,
                          const Digest& expected);

}  // namespace veritrain
