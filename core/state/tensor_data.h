// TensorData: a named tensor as plain bytes, independent of LibTorch.
//
// This is how tensors cross every boundary that is not LibTorch itself:
// state hashing, checkpoint files, wire messages. Bytes are row-major,
// contiguous, little-endian. A State is a set of uniquely named tensors
// (parameters, optimizer state, step counter); hashing and files order them
// by name, so the vector's order does not matter.
//
// Thread-safety: values; the byte buffer is shared and immutable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/bytes.h"

namespace veritrain {

// On-disk and on-wire dtype tags: numbered, never reused.
enum class DType : uint8_t {
  kInvalid = 0,  // deliberately not a valid dtype
  kFloat32 = 1,
  kFloat64 = 2,
  kInt64 = 3,
  kInt32 = 4,
  kUInt8 = 5,
  kFloat16 = 6,
  kBFloat16 = 7,
};

// Bytes per element; 0 for kInvalid.
size_t DTypeSize(DType d);
// "f32", "f64", "i64", "i32", "u8", "f16", "bf16".
const char* DTypeName(DType d);
std::optional<DType> DTypeFromName(std::string_view name);
// A shape for messages: "[2,3]".
std::string ShapeString(const std::vector<int64_t>& shape);

struct TensorData {
  std::string name;
  DType dtype = DType::kInvalid;
  std::vector<int64_t> shape;
  Bytes bytes;

  int64_t numel() const;
  // bytes.size() == numel() * DTypeSize(dtype), and no negative dimension.
  bool consistent() const;
};

using State = std::vector<TensorData>;

// Finds a tensor by name; nullptr when absent.
const TensorData* FindTensor(const State& state, std::string_view name);

}  // namespace veritrain
