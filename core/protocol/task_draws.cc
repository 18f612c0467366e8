#include "core/protocol/task_draws.h"

#include <algorithm>
#include <numeric>

#include "core/protocol/commit_reveal.h"

namespace veritrain {
namespace {

uint64_t TopU64(const Digest& d) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d.bytes[i];
  return v;
}

}  // namespace

bool ForcedErrorDrawn(const Digest& secret, double rate) {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  const uint64_t bits =
      TopU64(DeriveSeed(secret, Digest{}, "forced-error")) >> 11;
  const double u = static_cast<double>(bits) / 9007199254740992.0;  // 2^53
  return u < rate;
}

std::vector<std::string> SelectVerifiers(const Digest& secret,
                                         const Digest& trace_root,
                                         const std::vector<std::string>& pool,
                                         int64_t count) {
  const int64_t n = static_cast<int64_t>(pool.size());
  if (count <= 0 || count >= n) return pool;
  const Digest seed = DeriveSeed(secret, trace_root, "verifiers");
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t j = 0; j < count; ++j) {
    Sha256 h;
    h.Update(seed).UpdateU64(static_cast<uint64_t>(j));
    const int64_t pick = j + static_cast<int64_t>(TopU64(h.Finish()) %
                                                  static_cast<uint64_t>(n - j));
    std::swap(order[j], order[pick]);
  }
  std::vector<int64_t> chosen(order.begin(), order.begin() + count);
  std::sort(chosen.begin(), chosen.end());
  std::vector<std::string> out;
  for (int64_t i : chosen) out.push_back(pool[i]);
  return out;
}

}  // namespace veritrain
