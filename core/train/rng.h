// SplitMix64: the project's own small pseudo-random generator.
//
// Data order, parameter initialisation and synthetic data are drawn from
// this generator rather than from LibTorch's, so that they are the same on
// every platform and LibTorch version: everything here is exact 64-bit
// integer arithmetic (and, for doubles, an exact scaling of 53 bits).
//
//   Next():    state += 0x9E3779B97F4A7C15; return Mix64(state)
//   Mix64(z):  z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
//              z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31
//
// (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014; the constants are those of Java's SplittableRandom.)
//
// Thread-safety: a SplitMix64 is a value; use one per thread. The free
// functions are pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace veritrain {

// The SplitMix64 output function (a bijection on 64-bit integers).
uint64_t Mix64(uint64_t z);

// A seed for an independent stream named `label` under `seed`:
// Mix64(seed ^ Mix64(Fnv1a64(label))).
uint64_t DeriveSeed(uint64_t seed, std::string_view label);
// A seed for stream number `index` under `seed`:
// Mix64(seed ^ Mix64(index + 0x9E3779B97F4A7C15)).
uint64_t DeriveSeed(uint64_t seed, uint64_t index);

// 64-bit FNV-1a of `s`.
uint64_t Fnv1a64(std::string_view s);

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next();
  // Uniform in [0, n) without modulo bias (rejection sampling).
  // REQUIRES: n > 0.
  uint64_t Below(uint64_t n);
  // Uniform in [0, 1): the top 53 bits of Next() times 2^-53.
  double NextDouble();
  // Uniform in [lo, hi): lo + (hi - lo) * NextDouble().
  double Uniform(double lo, double hi);

 private:
  uint64_t state_;
};

}  // namespace veritrain
