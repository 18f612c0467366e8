// Error rates with confidence intervals: how often an honest party is
// wrongly challenged, estimated from honest samples.
//
// A rate p estimated from x events in n trials is reported with its Wilson
// score interval at 95 % (z = 1.96), which stays sensible at x = 0 (where
// the naive interval collapses to [0, 0]): its upper end is then about
// 3.84 / n. A per-check rate turns into the rate of a task with c
// independent checks as 1 - (1 - p)^c, applied to both ends.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace veritrain {

struct RateEstimate {
  int64_t events = 0;
  int64_t trials = 0;
  double rate = 0;  // events / trials (0 when there are no trials)
  double low = 0;   // 95 % Wilson interval
  double high = 1;

  // {"events", "trials", "rate", "ci95": [low, high]}; "rate" is null
  // when there were no trials.
  nlohmann::json ToJson() const;
};

// REQUIRES: 0 <= events <= trials.
RateEstimate WilsonRate(int64_t events, int64_t trials);

// The rate of at least one event in `checks` independent trials of rate
// `per_check` (each end of the interval mapped the same way).
// REQUIRES: checks >= 0.
RateEstimate AtLeastOneOf(const RateEstimate& per_check, int64_t checks);

}  // namespace veritrain
