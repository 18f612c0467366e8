#include "scenarios/spec/trace_limits.h"

#include "core/wire/messages/trace_commit.h"

namespace veritrain {

std::optional<std::string> TraceIntervalsError(int64_t steps, int64_t k) {
  if (k < 1 || steps / k <= kMaxTraceIntervals) return std::nullopt;
  return std::to_string(steps / k) + " intervals (steps / checkpoint_interval = " +
         std::to_string(steps) + " / " + std::to_string(k) + ") are more than the " +
         std::to_string(kMaxTraceIntervals) +
         " a trace commitment can carry (one update norm per interval, in a message header "
         "of at most 1 MiB): the solver could never commit its trace. Raise "
         "checkpoint_interval to at least " +
         std::to_string((steps + kMaxTraceIntervals - 1) / kMaxTraceIntervals);
}

}  // namespace veritrain
