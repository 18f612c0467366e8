#include "core/protocol/duration.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace veritrain {

Result<int64_t> SecondsToMs(double seconds, const std::string& field) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.17g", seconds);
  if (std::isnan(seconds))
    return Status::InvalidArgument(field + " is NaN, not a duration");
  if (seconds < 0) {
    return Status::InvalidArgument(field + " = " + text + " s is negative");
  }
  if (seconds > kMaxDurationSeconds) {
    return Status::InvalidArgument(
        field + " = " + text +
        " s is longer than the limit of 31536000 s (365 days)");
  }
  int64_t ms = std::llround(seconds * 1000.0);
  if (ms == 0 && seconds > 0) ms = 1;
  return ms;
}

int64_t AddMs(int64_t t, int64_t ms) {
  int64_t out = 0;
  if (!__builtin_add_overflow(t, ms, &out)) return out;
  return ms > 0 ? std::numeric_limits<int64_t>::max()
                : std::numeric_limits<int64_t>::min();
}

}  // namespace veritrain
