// a + b and a × b on token amounts (int64), or nullopt past the int64
// range; nullopt in stays nullopt out, so a chain of them is checked once.
// Used by the scenario checks that bound money before anything runs.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>

namespace veritrain {

inline std::optional<int64_t> CheckedAdd(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t out = 0;
  if (!a || !b || __builtin_add_overflow(*a, *b, &out)) return std::nullopt;
  return out;
}

inline std::optional<int64_t> CheckedMul(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t out = 0;
  if (!a || !b || __builtin_mul_overflow(*a, *b, &out)) return std::nullopt;
  return out;
}

}  // namespace veritrain
