#include "core/state/tensor_data.h"

namespace veritrain {

size_t DTypeSize(DType d) {
  switch (d) {
    case DType::kFloat32: return 4;
    case DType::kFloat64: return 8;
    case DType::kInt64: return 8;
    case DType::kInt32: return 4;
    case DType::kUInt8: return 1;
    case DType::kFloat16: return 2;
    case DType::kBFloat16: return 2;
    case DType::kInvalid: return 0;
  }
  return 0;
}

const char* DTypeName(DType d) {
  switch (d) {
    case DType::kFloat32: return "f32";
    case DType::kFloat64: return "f64";
    case DType::kInt64: return "i64";
    case DType::kInt32: return "i32";
    case DType::kUInt8: return "u8";
    case DType::kFloat16: return "f16";
    case DType::kBFloat16: return "bf16";
    case DType::kInvalid: return "invalid";
  }
  return "invalid";
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (DType d : {DType::kFloat32, DType::kFloat64, DType::kInt64,
                  DType::kInt32, DType::kUInt8, DType::kFloat16,
                  DType::kBFloat16}) {
    if (name == DTypeName(d)) return d;
  }
  return std::nullopt;
}

int64_t TensorData::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

bool TensorData::consistent() const {
  if (dtype == DType::kInvalid) return false;
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) return false;
    if (s != 0 && n > (int64_t{1} << 40) / s) return false;  // absurd size
    n *= s;
  }
  return bytes.size() == static_cast<size_t>(n) * DTypeSize(dtype);
}

const TensorData* FindTensor(const State& state, std::string_view name) {
  for (const auto& t : state) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace veritrain
