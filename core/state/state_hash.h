// State hashes: the commitment to a training state (a set of named tensors).
//
// Protocol constants (changing any of these changes every commitment):
//
// TensorHash(t) = SHA-256 over, in order:
//   1. the 13 bytes "vt-tensor-v1" followed by one 0x00 byte;
//   2. the name length in bytes, as a u64 little-endian;
//   3. the name bytes (no terminator);
//   4. the dtype tag, one byte: the numeric DType value (tensor_data.h);
//   5. the number of dimensions, as a u64 little-endian (0 for a scalar);
//   6. each dimension, as a u64 little-endian (the int64 reinterpreted);
//   7. the raw tensor bytes (row-major, little-endian).
//
// StateHash(s) = the RFC 6962 Merkle root (core/crypto/merkle.h) over the
//   leaves MerkleLeafHash(TensorHash(t)) of the tensors of s sorted by name,
//   names compared byte-wise as unsigned bytes (memcmp order). The order of
//   the State vector does not matter. The empty state's hash is SHA-256("").
//
// A valid state has non-empty, unique names and consistent tensors (bytes
// match dtype x shape); every function taking a State checks this and
// returns InvalidArgument naming the offending tensor.
//
// Thread-safety: all functions are thread-safe; they only read their inputs.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/crypto/merkle.h"
#include "core/crypto/sha256.h"
#include "core/state/tensor_data.h"
#include "core/util/status.h"

namespace veritrain {

// The hash of one tensor over its canonical header and bytes (see above).
// Defined for any tensor; a state only ever contains consistent ones.
Digest TensorHash(const TensorData& t);

// The tensors of `s` in canonical (byte-wise name) order, after checking
// that the state is valid. The pointers point into `s`.
// REQUIRES: `s` outlives the returned pointers.
Result<std::vector<const TensorData*>> SortedTensors(const State& s);

// The state hash. With threads > 1, up to `threads` std::threads hash
// different tensors at once; the result is the same for any thread count.
Result<Digest> StateHash(const State& s, int threads = 1);

// (name, TensorHash) of every tensor, in canonical name order.
Result<std::vector<std::pair<std::string, Digest>>> TensorHashes(
    const State& s, int threads = 1);

// The state hash from tensor hashes already in canonical name order.
// REQUIRES: `tensor_hashes` is in the order SortedTensors() gives.
Digest StateHashFromTensorHashes(const std::vector<Digest>& tensor_hashes);

// The state hash of `s` from hashes already computed for its tensors:
// `tensor_hashes[i]` is TensorHash(s[i]), in the order of `s` (as a decoded
// wire message's verified hashes are, core/wire/message.h). Checks the state
// as StateHash does (names, consistency) and sorts the hashes into canonical
// order, but reads no tensor bytes. An empty `tensor_hashes` for a non-empty
// state hashes the tensors (StateHash); any other count is InvalidArgument.
// REQUIRES: the hashes are the tensors' (a wrong one gives a wrong hash).
Result<Digest> StateHashWithTensorHashes(const State& s,
                                         const std::vector<Digest>& tensor_hashes,
                                         int threads = 1);

// A proof that tensor `name`'s leaf, MerkleLeafHash(TensorHash(t)), is in
// the tree whose root is StateHash(s). NotFound if there is no such tensor.
Result<InclusionProof> ProveTensor(const State& s, std::string_view name);

// Checks a single tensor against a committed state hash with a proof from
// ProveTensor. InvalidArgument for an inconsistent tensor, Corruption (naming
// the tensor) when the proof does not lead to `state_hash`.
Status VerifyTensorInclusion(const TensorData& t, const InclusionProof& proof,
                             const Digest& state_hash);

}  // namespace veritrain
