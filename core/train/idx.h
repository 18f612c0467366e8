// Reading IDX files (the MNIST / Fashion-MNIST array format), gzipped or raw.
//
// Format (big-endian): bytes 0-1 are zero, byte 2 is the element type, byte
// 3 the number of dimensions d; then d 32-bit dimension sizes; then the
// elements in row-major order. Type codes: 0x08 u8, 0x09 i8, 0x0B i16,
// 0x0C i32, 0x0D f32, 0x0E f64. zlib's gzread reads gzip and plain files
// alike, so either form is accepted.
//
// Thread-safety: ReadIdx is thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

struct IdxArray {
  std::vector<int64_t> dims;
  // The first dimension as the file's header gives it: dims[0], unless
  // ReadIdx's max_items kept fewer entries.
  int64_t file_items = 0;
  uint8_t type = 0;  // one of the type codes above
  // The elements exactly as stored: row-major, multi-byte types big-endian.
  std::string data;

  int64_t numel() const;
};

// Bytes per element of an IDX type code; 0 for an unknown code.
size_t IdxTypeSize(uint8_t type);

// Reads `path`. When max_items > 0, reads at most the first max_items
// entries along the first dimension (and dims[0] says how many were read;
// file_items how many the file holds).
// Errors name the file: IOError when it cannot be opened or read;
// Corruption for a bad magic number, an unsupported type, a file cut short
// ("file ends after N bytes, expected M"), absurd dimensions, or bytes after
// the data (only checked when the whole file is read).
Result<IdxArray> ReadIdx(const std::string& path, int64_t max_items = 0);

}  // namespace veritrain
