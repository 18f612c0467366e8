#include "core/state/element.h"

#include <cmath>
#include <cstring>

namespace veritrain {

bool IsFloatingDType(DType d) {
  return d == DType::kFloat32 || d == DType::kFloat64 || d == DType::kFloat16 ||
         d == DType::kBFloat16;
}

namespace {

// IEEE 754 binary16 to double, subnormals and specials included.
double HalfToDouble(uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  double v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<double>(mantissa), -24);
  } else if (exponent == 31) {
    v = mantissa == 0 ? INFINITY : NAN;
  } else {
    v = std::ldexp(static_cast<double>(mantissa | 0x400), exponent - 25);
  }
  return sign ? -v : v;
}

}  // namespace

double ElementAsDouble(const uint8_t* data, DType d, int64_t i) {
  switch (d) {
    case DType::kFloat32: {
      float f;
      std::memcpy(&f, data + 4 * i, 4);
      return f;
    }
    case DType::kFloat64: {
      double f;
      std::memcpy(&f, data + 8 * i, 8);
      return f;
    }
    case DType::kFloat16: {
      uint16_t h;
      std::memcpy(&h, data + 2 * i, 2);
      return HalfToDouble(h);
    }
    case DType::kBFloat16: {
      uint16_t h;
      std::memcpy(&h, data + 2 * i, 2);
      const uint32_t bits = static_cast<uint32_t>(h) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    default:
      return NAN;
  }
}

void ElementsAsDouble(const uint8_t* data, DType d, int64_t start, int64_t n, double* out) {
  switch (d) {
    case DType::kFloat32: {
      const uint8_t* p = data + 4 * start;
      for (int64_t i = 0; i < n; ++i) {
        float f;
        std::memcpy(&f, p + 4 * i, 4);
        out[i] = f;
      }
      return;
    }
    case DType::kFloat64:
      std::memcpy(out, data + 8 * start, static_cast<size_t>(n) * 8);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) out[i] = ElementAsDouble(data, d, start + i);
      return;
  }
}


}  // namespace veritrain
