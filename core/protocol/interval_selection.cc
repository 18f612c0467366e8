#include "core/protocol/interval_selection.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace veritrain {

namespace {

constexpr std::string_view kStreamTag = "vt-intervals-v1";

// The word stream of the header comment: SHA-256 in counter mode.
class WordStream {
 public:
  explicit WordStream(const Digest& seed) : seed_(seed) {}

  uint64_t Next() {
    if (word_ == 4) Refill();
    uint64_t x = 0;
    for (int b = 7; b >= 0; --b) {
      x = (x << 8) | block_.bytes[static_cast<size_t>(8 * word_ + b)];
    }
    ++word_;
    return x;
  }

  // Uniform in [0, n). REQUIRES: n >= 1.
  uint64_t Uniform(uint64_t n) {
    // 2^64 mod n, computed without 128-bit arithmetic: (2^64 - n) mod n.
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
      const uint64_t x = Next();
      if (x >= threshold) return x % n;
    }
  }

 private:
  void Refill() {
    Sha256 h;
    h.Update(kStreamTag).UpdateU8(0).Update(seed_).UpdateU64(counter_++);
    block_ = h.Finish();
    word_ = 0;
  }

  Digest seed_;
  Digest block_;
  uint64_t counter_ = 0;
  int word_ = 4;  // no block yet
};

std::string Num(int64_t v) { return std::to_string(v); }

Status Validate(int64_t intervals, const std::vector<double>& norms,
                int64_t top_q, int64_t random) {
  if (intervals < 0) {
    return Status::InvalidArgument("intervals is negative: " + Num(intervals));
  }
  if (top_q < 0) {
    return Status::InvalidArgument("top_q is negative: " + Num(top_q));
  }
  if (random < 0) {
    return Status::InvalidArgument("random is negative: " + Num(random));
  }
  if (top_q > intervals) {
    return Status::InvalidArgument("top_q (" + Num(top_q) +
                                   ") exceeds intervals (" + Num(intervals) +
                                   ")");
  }
  if (random > intervals) {
    return Status::InvalidArgument("random (" + Num(random) +
                                   ") exceeds intervals (" + Num(intervals) +
                                   ")");
  }
  if (top_q + random > intervals) {  // both <= intervals: no overflow
    return Status::InvalidArgument("top_q + random (" + Num(top_q) + " + " +
                                   Num(random) + ") exceeds intervals (" +
                                   Num(intervals) + ")");
  }
  if (!norms.empty() && static_cast<int64_t>(norms.size()) != intervals) {
    return Status::InvalidArgument(
        "update_norms has " + std::to_string(norms.size()) +
        " entries, expected 0 or one per interval (" + Num(intervals) + ")");
  }
  for (size_t i = 0; i < norms.size(); ++i) {
    if (norms[i] < 0) {  // false for NaN, true for -inf
      return Status::InvalidArgument("update_norms[" + std::to_string(i) +
                                     "] is negative; a norm is >= 0, +inf or NaN");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<SelectedInterval>> SelectIntervals(
    int64_t intervals, const std::vector<double>& update_norms, int64_t top_q,
    int64_t random, const Digest& seed) {
  VT_RETURN_IF_ERROR(Validate(intervals, update_norms, top_q, random));

  // Top-Q: largest norm first, lower index first among equal norms; NaN
  // ranks above +inf, which ranks above every finite norm (a total order:
  // `>` alone is none once a NaN is there).
  std::vector<int64_t> top;
  if (!update_norms.empty() && top_q > 0) {
    std::vector<int64_t> order(update_norms.size());
    std::iota(order.begin(), order.end(), 0);
    auto rank = [&](int64_t i) {
      const double v = update_norms[static_cast<size_t>(i)];
      return std::isnan(v) ? 2 : std::isinf(v) ? 1 : 0;
    };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      if (rank(a) != rank(b)) return rank(a) > rank(b);
      return rank(a) == 0 &&
             update_norms[static_cast<size_t>(a)] > update_norms[static_cast<size_t>(b)];
    });
    top.assign(order.begin(), order.begin() + top_q);
    std::sort(top.begin(), top.end());
  }

  // Random: a partial Fisher–Yates shuffle over the m candidate positions,
  // stored sparsely (only displaced positions are kept), so memory is O(r)
  // however many intervals there are.
  const int64_t m = intervals - static_cast<int64_t>(top.size());
  WordStream stream(seed);
  std::map<int64_t, int64_t> displaced;
  auto at = [&](int64_t p) {
    auto it = displaced.find(p);
    return it == displaced.end() ? p : it->second;
  };
  std::vector<int64_t> picked_positions;
  for (int64_t i = 0; i < random; ++i) {
    const int64_t j =
        i + static_cast<int64_t>(stream.Uniform(static_cast<uint64_t>(m - i)));
    const int64_t vi = at(i), vj = at(j);
    displaced[i] = vj;
    displaced[j] = vi;
    picked_positions.push_back(vj);
  }

  std::vector<SelectedInterval> out;
  for (int64_t t : top) out.push_back({t, "top_q"});
  for (int64_t p : picked_positions) {
    // The p-th (0-based) interval not in `top`, which is sorted.
    int64_t index = p;
    for (int64_t t : top) {
      if (t > index) break;
      ++index;
    }
    out.push_back({index, "random"});
  }
  std::sort(out.begin(), out.end(),
            [](const SelectedInterval& a, const SelectedInterval& b) {
              return a.index < b.index;
            });
  return out;
}

}  // namespace veritrain
