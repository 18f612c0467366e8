#include "scenarios/runner/market_clock.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <set>
#include <string>

#include "core/crypto/sha256.h"

namespace veritrain {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

// A uniform draw in (0, 1) from the run seed, fixed by what it is for and
// the task's index.
double Uniform01(uint64_t seed, const std::string& what, int64_t index) {
  const Digest d = Sha256Of("veritrain/market/" + std::to_string(seed) + "/" + what + "/" +
                            std::to_string(index));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d.bytes[i];
  return (static_cast<double>(v >> 11) + 0.5) / 9007199254740992.0;  // 2^53
}

struct Flight {
  MarketPlan plan;
  MarketTaskRecord record;
  std::vector<std::string> busy;  // its solver and drawn verifiers
};

// One run of the clock over the stream: the queue, the tasks in flight and
// who is busy.
class ClockRun {
 public:
  ClockRun(const MarketClock& clock, const MarketSpec& spec, int64_t tasks, MarketBook* book,
           const MarketExecute& execute)
      : clock_(clock), spec_(spec), tasks_(tasks), book_(book), execute_(execute) {}

  Status Run() {
    while (!stopped_) {
      const double now = NextEvent();
      if (now == kNever) break;
      VT_RETURN_IF_ERROR(EndFlights(now));
      while (next_ < tasks_ && clock_.Arrival(next_) <= now) queue_.push_back(next_++);
      VT_RETURN_IF_ERROR(StartOrDrop(now));
      max_queue_ = std::max(max_queue_, static_cast<int64_t>(queue_.size()));
    }
    // The stream stopped early: what is in flight still ends.
    if (stopped_) VT_RETURN_IF_ERROR(EndFlights(kNever));
    book_->NoteClockPeaks(max_queue_, max_in_flight_);
    return Status::Ok();
  }

 private:
  std::optional<double> Deadline(int64_t index) const {
    if (!spec_.arrivals->max_wait) return std::nullopt;
    return clock_.Arrival(index) + *spec_.arrivals->max_wait;
  }

  double NextEvent() const {
    double t = next_ < tasks_ ? clock_.Arrival(next_) : kNever;
    for (const Flight& f : flights_) t = std::min(t, f.plan.timing->end);
    if (!queue_.empty()) {
      if (auto d = Deadline(queue_.front())) t = std::min(t, *d);
    }
    return t;
  }

  // Observes, in order of end time then index, every task that ends by `now`.
  Status EndFlights(double now) {
    while (true) {
      auto first = flights_.end();
      for (auto it = flights_.begin(); it != flights_.end(); ++it) {
        const MarketTiming& t = *it->plan.timing;
        if (t.end > now) continue;
        if (first == flights_.end() || t.end < first->plan.timing->end ||
            (t.end == first->plan.timing->end && it->plan.index < first->plan.index)) {
          first = it;
        }
      }
      if (first == flights_.end()) return Status::Ok();
      Flight done = std::move(*first);
      flights_.erase(first);
      for (const std::string& name : done.busy) busy_.erase(name);
      VT_RETURN_IF_ERROR(book_->Observe(done.plan, &done.record));
    }
  }

  // Starts tasks from the head of the queue while they can be staffed;
  // drops a head that can never be (unserved) or whose wait is over (lost).
  Status StartOrDrop(double now) {
    while (!queue_.empty() && !stopped_) {
      const int64_t head = queue_.front();
      const double arrival = clock_.Arrival(head);
      if (book_->CanStaff(busy_)) {
        queue_.pop_front();
        VT_RETURN_IF_ERROR(Start(head, now));
        continue;
      }
      const std::optional<double> deadline = Deadline(head);
      if (flights_.empty() && !book_->CanEverStaff()) {
        MarketPlan plan = book_->Plan(head, busy_);  // not posted: says why
        plan.timing = MarketTiming{arrival, now, now, false};
        queue_.pop_front();
        VT_RETURN_IF_ERROR(book_->Observe(plan, nullptr));
      } else if (deadline && *deadline <= now) {
        MarketPlan plan = book_->Plan(head, busy_);
        plan.post = false;
        plan.solver.clear();
        plan.verifiers.clear();
        plan.why_not = "lost: waited max_wait without enough free participants";
        plan.timing = MarketTiming{arrival, *deadline, *deadline, true};
        queue_.pop_front();
        VT_RETURN_IF_ERROR(book_->Observe(plan, nullptr));
      } else {
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  Status Start(int64_t index, double now) {
    Flight f;
    f.plan = book_->Plan(index, busy_);
    if (!f.plan.post) {
      return Status::Internal("market clock: task " + std::to_string(index) +
                              " could be staffed but was not planned: " + f.plan.why_not);
    }
    f.plan.timing = MarketTiming{clock_.Arrival(index), now,
                                 now + clock_.ServiceTime(index, f.plan.job), false};
    VT_ASSIGN_OR_RETURN(std::optional<MarketTaskRecord> record, execute_(f.plan));
    if (!record) {
      stopped_ = true;
      return Status::Ok();
    }
    f.record = std::move(*record);
    f.busy.push_back(f.plan.solver);
    for (const std::string& v : f.record.selected) f.busy.push_back(v);
    for (const std::string& name : f.busy) {
      if (!busy_.insert(name).second) {
        return Status::FailedPrecondition("market clock: " + name + " was drawn for " +
                                          f.record.task + " while busy with another task");
      }
    }
    flights_.push_back(std::move(f));
    max_in_flight_ = std::max(max_in_flight_, static_cast<int64_t>(flights_.size()));
    return Status::Ok();
  }

  const MarketClock& clock_;
  const MarketSpec& spec_;
  const int64_t tasks_;
  MarketBook* book_;
  const MarketExecute& execute_;
  int64_t next_ = 0;  // the next task to arrive
  std::deque<int64_t> queue_;
  std::vector<Flight> flights_;
  std::set<std::string> busy_;
  int64_t max_queue_ = 0, max_in_flight_ = 0;
  bool stopped_ = false;
};

}  // namespace

MarketClock::MarketClock(const MarketSpec& spec, int64_t tasks, uint64_t seed)
    : spec_(spec), seed_(seed) {
  double t = 0;
  for (int64_t i = 0; i < tasks; ++i) {
    t += -std::log(Uniform01(seed_, "arrival", i)) / spec_.arrivals->rate;
    arrivals_.push_back(t);
  }
}

double MarketClock::ServiceTime(int64_t index, int64_t job) const {
  const double mean = spec_.jobs[static_cast<size_t>(job)].service_time;
  if (spec_.arrivals->service != "exponential") return mean;
  return -std::log(Uniform01(seed_, "service", index)) * mean;
}

Status MarketClock::Run(MarketBook* book, const MarketExecute& execute) {
  ClockRun run(*this, spec_, static_cast<int64_t>(arrivals_.size()), book, execute);
  return run.Run();
}

}  // namespace veritrain
