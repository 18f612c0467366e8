// One element of a tensor's little-endian bytes, read as a double, and
// which dtypes are floating. Shared by the distances (core/state/distance.h)
// and the non-finite rule (core/state/non_finite.h), which must read
// float16 and bfloat16 values the same way.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "core/state/tensor_data.h"

namespace veritrain {

bool IsFloatingDType(DType d);

// Element i of a little-endian tensor of floating dtype `d` (float16
// subnormals and specials included); NaN for a dtype that is not floating.
// REQUIRES: `data` holds at least i + 1 elements of `d`.
double ElementAsDouble(const uint8_t* data, DType d, int64_t i);

// Elements [start, start + n) of such a tensor as doubles, into out[0, n):
// ElementAsDouble of each, decoded in one loop per dtype.
// REQUIRES: `data` holds at least start + n elements of `d`; `out` holds n.
void ElementsAsDouble(const uint8_t* data, DType d, int64_t start, int64_t n, double* out);

}  // namespace veritrain
