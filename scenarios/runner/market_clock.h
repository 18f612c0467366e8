// MarketClock: the market's own clock (docs/market.md, "The market
// clock") — simulated time, not wall time, so that the run seed fixes every
// arrival, every service time and every draw however fast the roles run.
//
// Tasks arrive in a Poisson process of `arrival_rate` tasks per unit of
// market time. A task starts when one active solver and verifiers_per_task
// active verifiers (every active one when fewer are active) are free; the
// submitter then names the free active verifiers as its pool, the arbiter
// draws its verifiers from them, and the solver and the drawn verifiers are
// busy for the task's service time (its job variant's service_time, fixed
// or exponential). A task that finds too few free waits in a FIFO queue;
// with max_wait it is lost once it has waited that long; one that the
// active participants could not staff even if all were free, with no task
// in flight to change that, is unserved.
//
// Events at the same instant are handled in this order: tasks that end
// (by end time, then index), arrivals, starts from the head of the queue,
// then the head's loss if it still cannot start at its deadline.
//
// The real tasks execute one at a time through the real arbiter, in the
// order they start on the clock (which, the queue being FIFO, is index
// order): `execute` runs a started task to settlement and returns its
// record. The book observes each task when it ends on the clock, so the
// market's rules (adaptation, exits, whistleblowers, the solver draw's
// randomness) act in completion order, while the ledger settled it at
// start. Runner, replay and tests drive the same loop.
//
// Thread-safety: a value; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/util/status.h"
#include "scenarios/runner/market_book.h"
#include "scenarios/runner/market_record.h"
#include "scenarios/spec/market_spec.h"

namespace veritrain {

// Runs a started task: its settled record, or nullopt when the stream ends
// there (a refused post, a log that ends). An error stops the clock.
using MarketExecute = std::function<Result<std::optional<MarketTaskRecord>>(const MarketPlan&)>;

class MarketClock {
 public:
  // REQUIRES: spec.arrivals; `tasks` >= 0.
  MarketClock(const MarketSpec& spec, int64_t tasks, uint64_t seed);

  // When task i arrives (increasing in i).
  double Arrival(int64_t index) const { return arrivals_[static_cast<size_t>(index)]; }
  // How long task i occupies its participants, given its job variant.
  double ServiceTime(int64_t index, int64_t job) const;

  // Drives `book` through the whole stream. When `execute` returns nullopt
  // the tasks in flight are observed (in the order they end) and the
  // stream stops there. Errors from `execute` or the book are returned.
  Status Run(MarketBook* book, const MarketExecute& execute);

 private:
  MarketSpec spec_;
  uint64_t seed_;
  std::vector<double> arrivals_;
};

}  // namespace veritrain
