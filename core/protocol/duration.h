// Durations: the seconds a scenario and a task spec give (deadlines, game
// clocks) as the integer milliseconds of the protocol's clock, converted
// without overflow.
//
// A duration is at most kMaxDurationSeconds (365 days): the scenario schema
// refuses more, and so does the arbiter for a posted task. 365 days in
// milliseconds (3.2e10) is far from the int64 range, so a deadline
// `now + duration` cannot overflow for any clock reading below 2^62 ms;
// AddMs saturates anyway. Before this limit a deadline of 1e16 s overflowed
// `static_cast<int64_t>(s * 1000)` into a negative duration: an honest
// solver timed out at once and lost its stake.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "core/util/status.h"

namespace veritrain {

// The longest deadline or game clock, in seconds (365 days).
inline constexpr double kMaxDurationSeconds = 365.0 * 24 * 3600;
inline constexpr int64_t kMaxDurationMs = int64_t{365} * 24 * 3600 * 1000;

// `seconds` in milliseconds, rounded to the nearest; a positive duration
// shorter than 1 ms is 1 ms (a deadline is never zero because of
// rounding). InvalidArgument naming `field` for NaN, a negative value or
// more than kMaxDurationSeconds.
Result<int64_t> SecondsToMs(double seconds, const std::string& field);

// t + ms, saturated to the int64 range instead of overflowing.
int64_t AddMs(int64_t t, int64_t ms);

}  // namespace veritrain
