#include "core/train/rng.h"

namespace veritrain {

namespace {
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
}  // namespace

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t DeriveSeed(uint64_t seed, std::string_view label) {
  return Mix64(seed ^ Mix64(Fnv1a64(label)));
}

uint64_t DeriveSeed(uint64_t seed, uint64_t index) {
  return Mix64(seed ^ Mix64(index + kGolden));
}

uint64_t SplitMix64::Next() {
  state_ += kGolden;
  return Mix64(state_);
}

uint64_t SplitMix64::Below(uint64_t n) {
  // 2^64 mod n: outputs below it are rejected so that every residue is
  // equally likely.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t r = Next();
    if (r >= threshold) return r % n;
  }
}

double SplitMix64::NextDouble() {
  return static_cast<double>(Next() >> 11) * 0x1.0p-53;
}

double SplitMix64::Uniform(double lo, double hi) {
  return lo + (hi - lo) * NextDouble();
}

}  // namespace veritrain
