#include "core/protocol/dissection.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace veritrain {

int64_t CeilLog(int64_t x, int64_t n) {
  int64_t r = 0;
  int64_t p = 1;
  while (p < x) {
    p *= n;
    ++r;
  }
  return r;
}

std::vector<PositionRange> DissectionRanges(int64_t length, int64_t arity) {
  const Dissection whole(length, arity);
  std::vector<PositionRange> out = {{0, whole.length()}};
  std::set<std::pair<int64_t, int64_t>> seen = {{0, whole.length()}};
  int64_t part = whole.hi();
  while (part > 1) {
    part /= whole.arity();
    for (int64_t lo = 0; lo < whole.length(); lo += part) {
      const PositionRange r{lo, std::min(lo + part, whole.length())};
      if (seen.insert({r.from, r.to}).second) out.push_back(r);
    }
  }
  return out;
}

Dissection::Dissection(int64_t length, int64_t arity)
    : length_(length < 1 ? 1 : length), arity_(arity < 2 ? 2 : arity) {
  total_rounds_ = CeilLog(length_, arity_);
  int64_t padded = 1;
  for (int64_t i = 0; i < total_rounds_; ++i) padded *= arity_;
  hi_ = padded;
}

std::vector<int64_t> Dissection::Boundaries() const {
  std::vector<int64_t> b;
  const int64_t part = (hi_ - lo_) / arity_;
  for (int64_t i = 0; i <= arity_; ++i) b.push_back(lo_ + i * part);
  return b;
}

std::vector<int64_t> Dissection::PositionsToPost() const {
  std::vector<int64_t> out;
  if (done()) return out;
  const auto b = Boundaries();
  for (size_t i = 1; i + 1 < b.size(); ++i) {
    if (b[i] < length_) out.push_back(b[i]);
  }
  return out;
}

Status Dissection::Choose(int64_t index) {
  if (done()) return Status::FailedPrecondition("the dissection is already down to one step");
  if (index < 0 || index >= arity_) {
    return Status::InvalidArgument("sub-range index " + std::to_string(index) +
                                   " is outside [0, " + std::to_string(arity_) + ")");
  }
  const auto b = Boundaries();
  if (b[index] >= length_) {
    return Status::InvalidArgument("sub-range " + std::to_string(index) + " starts at " +
                                   std::to_string(b[index]) + ", past the disputed end " +
                                   std::to_string(length_));
  }
  lo_ = b[index];
  hi_ = b[index + 1];
  ++rounds_;
  return Status::Ok();
}

}  // namespace veritrain
