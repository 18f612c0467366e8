// The file of one entry of the decoded-dataset cache (dataset_cache.h): a
// dataset's tensors as decoded, its per-sample Merkle leaves and root, and
// the key they were decoded under, in a self-checking format meant to be
// memory-mapped and handed to LibTorch without a copy.
//
// Format version 2 (integers little-endian):
//
//   offset 0   magic, 8 bytes: "VTDSET\r\n"
//   offset 8   u32 format version = 2
//   offset 12  u32 header length H (at most kMaxCacheHeaderBytes)
//   offset 16  32-byte SHA-256 of the header
//   offset 48  header, H bytes of JSON, an object with exactly the keys
//                "format": "veritrain-dataset-cache", "version": 2,
//                "key":     the entry's key, as given (see dataset_cache.h:
//                           decoder, its parameters, dtype, and the SHA-256
//                           and size of each source file)
//                "samples": N, "features": F, "x_dtype": "f32" | "f64"
//                "root":    the Merkle root over the leaves, 64 hex
//                "payload_xxh3": the XXH3-128 checksum (core/crypto/
//                           checksum.h) of every byte from x's offset to the
//                           end of the file, 32 hex
//   then       zero padding to a 64-byte boundary; x's bytes [N, F]
//              row-major; padding to 64; y's bytes [N] i64; padding to 64;
//              the N 32-byte leaf hashes. The file ends with the last leaf.
//              Each part's offset follows from H, N, F and x_dtype.
//
// VerifyCacheFile checks everything but the Merkle root (which the caller
// checks when it rebuilds the tree from the leaves): magic, version, header
// hash, that the header's key equals the expected key, the layout (each
// range where the writer puts it, sizes consistent with N and F, the file's
// exact length) and the payload checksum. Each failure is a Corruption
// naming what failed ("truncated: ...", "header hash mismatch", "payload
// checksum mismatch: the file is corrupt", "made for another key: ..."), or
// InvalidArgument for a file of another format or version.
//
// Version 1 checked the payload with SHA-256: at 1.8 GB/s that was 0.12 s
// of every role's start on Fashion-MNIST (220 MB decoded), for a file that
// only damage, not a forger, can change (dataset_cache.h). Version 1 files
// are refused as another version and rebuilt.
//
// Thread-safety: pure functions.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/checksum.h"
#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

inline constexpr size_t kMaxCacheHeaderBytes = 1 << 16;

// Where the parts of a verified entry lie in its file.
struct CacheFileLayout {
  int64_t samples = 0;
  int64_t features = 0;
  torch::ScalarType dtype = torch::kFloat32;  // of x
  size_t x_offset = 0, x_bytes = 0;
  size_t y_offset = 0, y_bytes = 0;
  size_t leaves_offset = 0, leaves_bytes = 0;
  Digest root;
};

// The file's bytes before x (magic, version, header and padding) for an
// entry of `key` holding x [samples, features] of `dtype`, y [samples] i64
// and `samples` leaves, whose payload (x, y, leaves as laid out above, with
// their padding) has the checksum `payload`. *layout receives the offsets.
// REQUIRES: dtype is kFloat32 or kFloat64; samples >= 0; features >= 0.
std::string EncodeCacheFileHead(const nlohmann::json& key, int64_t samples,
                                int64_t features, torch::ScalarType dtype,
                                const Digest& root, const Checksum128& payload,
                                CacheFileLayout* layout);

// The zero padding that follows a part ending at `end`: up to the next
// 64-byte boundary.
std::string_view CachePadding(size_t end);

// Checks `file` (a whole entry file's bytes) as described above against the
// key it must have been made for. `name` prefixes every error.
Result<CacheFileLayout> VerifyCacheFile(std::string_view file,
                                        const nlohmann::json& expected_key,
                                        const std::string& name);

}  // namespace veritrain
