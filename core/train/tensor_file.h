// The raw tensor file format (".vtt"): one tensor per file, for datasets
// that are neither IDX nor CSV (exported from numpy, say).
//
// Layout, version 1 (all integers little-endian):
//
//   offset  size  field
//   0       8     magic "VTTENSOR" (56 54 54 45 4E 53 4F 52)
//   8       4     version, u32 = 1
//   12      1     dtype tag, as core/state/tensor_data.h numbers them:
//                 1 f32, 2 f64, 3 i64, 4 i32, 5 u8, 6 f16, 7 bf16
//   13      1     rank r, 1 to 8
//   14      2     reserved, zero
//   16      8*r   the dimensions, u64 each (each < 2^40)
//   16+8r   ...   the elements, row-major, little-endian: exactly
//                 prod(dims) * size(dtype) bytes, and nothing after them
//
// The data starts 8-byte aligned. Writing one from numpy:
//
//   a = np.ascontiguousarray(a, dtype="<f4")
//   f.write(b"VTTENSOR" + struct.pack("<IBBH", 1, 1, a.ndim, 0)
//           + struct.pack(f"<{a.ndim}Q", *a.shape) + a.tobytes())
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "core/state/tensor_data.h"
#include "core/util/status.h"

namespace veritrain {

inline constexpr char kTensorFileMagic[9] = "VTTENSOR";
inline constexpr uint32_t kTensorFileVersion = 1;

// The file's bytes for `t` (its name is not stored).
// REQUIRES: t.consistent(), 1 <= rank <= 8.
std::string EncodeTensorFile(const TensorData& t);

// Parses a file's bytes. `source` names it in errors. When max_items > 0,
// keeps at most the first max_items entries along the first dimension.
// Corruption naming the source and the problem: "bad magic (expected
// VTTENSOR)", "unsupported version 2 (this build reads 1)", "unknown dtype
// tag 9", "rank 0 (expected 1 to 8)", "file ends after N bytes, expected
// M", "N bytes after the data".
Result<TensorData> DecodeTensorFile(const Bytes& bytes,
                                    const std::string& source,
                                    int64_t max_items = 0);

// Reads and decodes `path`; NotFound / IOError naming it when unreadable.
Result<TensorData> ReadTensorFile(const std::string& path,
                                  int64_t max_items = 0);

// Writes `t` to `path` (atomically). REQUIRES: as for EncodeTensorFile.
Status WriteTensorFile(const std::string& path, const TensorData& t);

}  // namespace veritrain
