// The veritrain checkpoint file: a State plus the caller's metadata, in our
// own self-checking binary format. Files from other parties are only ever
// read through DecodeCheckpoint, never torch::load.
//
// Format version 2 (all integers little-endian):
//
//   offset 0   magic, 8 bytes: "VTCKPT\r\n" (the \r\n catches text-mode
//              mangling)
//   offset 8   u32 format version = 2
//   offset 12  u32 reserved = 0
//   offset 16  u64 manifest length M
//   offset 24  manifest, M bytes of UTF-8 JSON, an object with exactly the
//              keys
//                "format": "veritrain-checkpoint"
//                "version": 2 (the header's)
//                "meta": the caller's JSON value, stored as given
//                "state_hash": StateHash of the tensors, 64 lowercase hex
//                "tensors": [{"name": string, "dtype": "f32"|"f64"|...,
//                             "shape": [non-negative integers],
//                             "offset": from the start of the file,
//                             "size": bytes, "sha256": TensorHash hex}, ...]
//              with tensors in strictly increasing byte-wise name order.
//   then       zero padding to the next 64-byte boundary, then the tensors'
//              raw bytes in manifest order, each at the first 64-byte
//              boundary at or after the end of the previous one, with zero
//              padding between them (an empty tensor occupies no bytes).
//   last 40    trailer, starting right after the last tensor's bytes (or at
//              the first 64-byte boundary at or after the end of the
//              manifest when there are no tensors): 32-byte SHA-256 over
//              the header, the manifest and its padding (every byte before
//              the first 64-byte boundary at or after the manifest's end),
//              then the 8 bytes "VTCKEND\n".
//
// Every byte is covered once: the header and manifest by the trailer, the
// padding by the reader's check that it is zero, each tensor's bytes by
// its hash in the manifest. Version 1, still read, differs only in the
// version numbers and in a trailer hashing every byte before it: a second
// pass over the data that the tensor hashes made redundant (at a 114 MB
// state, 65 ms of a checkpoint's write and as much of every verified read).
//
// The writer's output is canonical (compact JSON with sorted keys, the
// layout above), so write -> read -> write gives the same bytes. The reader
// accepts only this tensor layout and zero padding, but any JSON spelling of
// the manifest (nested at most 65 levels deep). On disk, tensor data is
// 64-byte aligned, so views into a mapped file can be handed to LibTorch
// without copying.
//
// Errors when reading, each message starting with the file's name:
//   InvalidArgument  "not a veritrain checkpoint" (bad magic),
//                    "unsupported format version N";
//   Corruption       "truncated: ..." (shorter than the header, manifest or
//                    tensor data past the end, missing trailer),
//                    "trailer hash mismatch: file is corrupt or was modified",
//                    a malformed manifest (naming the field), misaligned,
//                    overlapping or non-canonical tensor ranges, a tensor
//                    hash mismatch (naming the tensor), a state_hash that
//                    does not match the tensors;
//   NotFound/IOError from the OS.
// Every length is bounds-checked before use; hostile input never makes the
// reader crash or allocate more than a small multiple of the file size.
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/state/atomic_file.h"
#include "core/state/env.h"
#include "core/state/tensor_data.h"
#include "core/util/bytes.h"
#include "core/util/status.h"

namespace veritrain {

inline constexpr uint32_t kCheckpointFormatVersion = 2;

struct Checkpoint {
  State state;          // in canonical (byte-wise name) order when read
  nlohmann::json meta;  // the caller's metadata, as written
  Digest state_hash;    // StateHash(state), verified when read
  // TensorHash of each tensor of `state`, in the same order: verified
  // against the bytes by ReadCheckpoint and DecodeCheckpoint, the manifest's
  // claim by MapCheckpoint.
  std::vector<Digest> tensor_hashes;
};

// Writes `state` and `meta` to `path` crash-safely (WriteFileAtomically),
// streaming tensor bytes without concatenating them. InvalidArgument for an
// invalid state (state_hash.h), a tensor name or a meta string that is not
// valid UTF-8, or meta nested deeper than 64 levels; IOError from the OS
// (through `env`, env.h; null: Env::Default()), its message ending with the
// OS error text ("No space left on device").
Status WriteCheckpoint(const std::string& path, const State& state,
                       const nlohmann::json& meta, Env* env = nullptr);

// WriteCheckpoint with the tensors' hashes already computed, so that the
// writer does not hash every tensor a second time: `tensor_hashes` are the
// TensorHash of the state's tensors in canonical name order (as
// TensorHashes(state) gives them, state_hash.h). InvalidArgument when their
// number differs from the number of tensors. Hashes that are not the
// tensors' make a file every reader rejects as corrupt (tensor hash
// mismatch), never one that reads back as a different state.
Status WriteCheckpointWithHashes(const std::string& path, const State& state,
                                 const nlohmann::json& meta,
                                 const std::vector<Digest>& tensor_hashes,
                                 Env* env = nullptr);

// WriteCheckpointWithHashes in two phases (StageFileAtomically,
// atomic_file.h): every byte written to the temporary file (`reserved`, when
// given, called with the file's size once its space is reserved and before
// the bytes go); the
// file is in place once the result's Publish() returns Ok. Errors as
// WriteCheckpointWithHashes's, Publish()'s naming the checkpoint's path.
Result<StagedFile> StageCheckpointWithHashes(const std::string& path, const State& state,
                                             const nlohmann::json& meta,
                                             const std::vector<Digest>& tensor_hashes,
                                             Env* env = nullptr,
                                             const std::function<void(uint64_t)>& reserved = nullptr);

// Reads and fully verifies the checkpoint at `path`. The tensors' bytes are
// zero-copy views into the mapped file, which stays mapped while any of them
// lives.
Result<Checkpoint> ReadCheckpoint(const std::string& path);

// Maps the checkpoint at `path` and checks everything ReadCheckpoint does
// except what needs hashing the data: the header, the manifest, the layout
// and padding, and that the manifest's state_hash is the Merkle root of its
// tensor hashes. Neither the trailer hash nor any tensor's bytes are hashed,
// so state_hash and tensor_hashes are the manifest's claims: a tensor whose
// bytes changed on disk is returned as it is now. For a file this process
// verified before (VerifiedCheckpoints, verified_checkpoints.h) and for
// serving to peers, who check every tensor against its hash on receipt
// (core/wire/message.h). Errors as ReadCheckpoint's.
Result<Checkpoint> MapCheckpoint(const std::string& path);

// Verifies and decodes a checkpoint held in memory; `source_name` (a path
// or a peer) prefixes every error message. The tensors' bytes are views into
// `file_bytes` and share its ownership.
Result<Checkpoint> DecodeCheckpoint(const Bytes& file_bytes,
                                    const std::string& source_name);

}  // namespace veritrain
