// The most intervals a task's trace can have (kMaxTraceIntervals,
// core/wire/messages/trace_commit.h), as `check` says it: for the
// scenario's job and for each job of a market's mix alike.
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace veritrain {

// Why `steps` in intervals of `k` are more intervals than a trace
// commitment can carry, or nullopt when they are not.
// REQUIRES: k >= 1.
std::optional<std::string> TraceIntervalsError(int64_t steps, int64_t k);

}  // namespace veritrain
