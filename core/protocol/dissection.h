// Dissection: n-ary bisection over positions 0..length, as a pure value.
//
// Both phases of the challenge game are dissections: over the steps of a
// disputed interval (positions are step boundaries, position 0's state is
// agreed, position `length`'s is disputed) and over the nodes of one
// step's graph (positions are prefix commitments of node outputs).
//
// To make the number of rounds exactly ⌈log_n(length)⌉ whatever the
// challenger chooses, the range lives in virtual coordinates padded to
// P = n^⌈log_n(length)⌉: every round divides the virtual range into n equal
// parts, so after r rounds it has P / n^r positions. Virtual positions past
// `length` stand for the disputed end itself: they need no hash (their hash
// is the end's), and a sub-range that starts past `length` cannot be
// chosen. The dissection ends when the virtual range has one step: then
// [lo, lo+1] with lo < length is the disputed step (or node).
//
// Thread-safety: a value; not synchronised.
#pragma once

#include <cstdint>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

class Dissection {
 public:
  // REQUIRES: length >= 1, arity >= 2.
  Dissection(int64_t length, int64_t arity);

  int64_t length() const { return length_; }
  int64_t arity() const { return arity_; }
  // Current virtual range [lo, hi); hi may exceed length().
  int64_t lo() const { return lo_; }
  int64_t hi() const { return hi_; }
  bool done() const { return hi_ - lo_ == 1; }
  int64_t rounds() const { return rounds_; }
  // ⌈log_n(length)⌉: the rounds this dissection will take.
  int64_t total_rounds() const { return total_rounds_; }

  // The n+1 boundaries of this round's sub-ranges, lo first, hi last.
  // REQUIRES: !done().
  std::vector<int64_t> Boundaries() const;
  // The positions the solver must post hashes for this round: the inner
  // boundaries strictly between lo and length (in order).
  std::vector<int64_t> PositionsToPost() const;
  // Narrows to sub-range `index` (0-based). InvalidArgument when index is
  // outside [0, arity) or the sub-range starts at or past length().
  Status Choose(int64_t index);

 private:
  int64_t length_;
  int64_t arity_;
  int64_t lo_ = 0;
  int64_t hi_ = 0;
  int64_t rounds_ = 0;
  int64_t total_rounds_ = 0;
};

// ⌈log_n(x)⌉ for x >= 1 (0 for x == 1), computed exactly in integers.
int64_t CeilLog(int64_t x, int64_t n);

// A range of positions [from, to) of a dissection, `to` clipped at its
// length.
struct PositionRange {
  int64_t from = 0;
  int64_t to = 0;
  int64_t size() const { return to - from; }
  bool operator==(const PositionRange& o) const { return from == o.from && to == o.to; }
};

// Every range a dissection of `length` at `arity` can offer as a sub-range
// to choose, and the whole [0, length): level by level (the whole range
// first, single positions last), left to right, each clipped at `length`
// and none starting at or past it, each once (a clipped range that
// repeats at a lower level is listed at its first). These are exactly the ranges a
// tolerance-mode challenger re-executes and compares, so calibration
// samples them. REQUIRES: length >= 1, arity >= 2.
std::vector<PositionRange> DissectionRanges(int64_t length, int64_t arity);

}  // namespace veritrain
