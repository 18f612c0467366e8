// Tensor values for tests of the state layer.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/state/tensor_data.h"

namespace veritrain::testing_util {

// A tensor from raw bytes; the bytes are not checked against the shape.
inline TensorData MakeTensor(std::string name, DType dtype,
                             std::vector<int64_t> shape, std::string bytes) {
  TensorData t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes = Bytes::FromString(std::move(bytes));
  return t;
}

}  // namespace veritrain::testing_util
