// Tests of the market clock (scenarios/runner/market_clock.h): Poisson
// arrivals and service times from the seed, the FIFO queue, busy
// participants never drawn, losses after max_wait — driven through a real
// MarketBook with made-up task records in place of the real arbiter.
#include "scenarios/runner/market_clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "scenarios/runner/market_book.h"
#include "tests/unit/runner/market_test_util.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;

using testing_util::TestMarketEntry;

MarketSpec ClockSpec(int64_t solvers, int64_t verifiers, double rate,
                     double service_time, const std::string& service = "fixed",
                     std::optional<double> max_wait = std::nullopt) {
  MarketSpec s;
  s.entries = {TestMarketEntry("s", "solver", solvers),
               TestMarketEntry("v", "verifier", verifiers)};
  s.entries[1].adapt = MarketAdapt{"lazy-approve", {}, 3, 0};
  s.jobs = {{1, 100, 500, service_time}, {1, 200, 800, service_time * 2}};
  s.arrivals = MarketArrivals{rate, service, max_wait};
  return s;
}

TaskEconomics ClockEcon(int64_t verifiers_per_task) {
  TaskEconomics e;
  e.solver_stake = 100;
  e.verifier_stake = 50;
  e.challenge_stake = 10;
  e.verifiers_per_task = verifiers_per_task;
  return e;
}

// One task as the clock started it.
struct Started {
  int64_t index = 0;
  double arrival = 0, start = 0, end = 0;
  std::vector<std::string> participants;  // solver and drawn verifiers
};

// Stands in for the arbiter: draws `per_task` verifiers of the pool with a
// seeded generator, moves each participant's ledger balance by a random
// profit at execution (the ledger settles in start order) and records what
// the clock started.
class FakeMarket {
 public:
  FakeMarket(const MarketBook& book, int64_t per_task, uint64_t seed)
      : book_(book), per_task_(per_task), rng_(seed) {
    for (const auto& [name, m] : book.members()) ledger_[name] = m.balance;
  }

  MarketExecute Execute() {
    return
        [this](
            const MarketPlan& plan) -> Result<std::optional<MarketTaskRecord>> {
          if (stop_after_ >= 0 &&
              static_cast<int64_t>(started_.size()) == stop_after_) {
            return std::optional<MarketTaskRecord>();
          }
          MarketTaskRecord r;
          r.task = "task-" + std::to_string(plan.index + 1);
          r.outcome = "accepted";
          r.solver = plan.solver;
          r.solver_behaviour = book_.members().at(plan.solver).strategy;
          std::vector<std::string> pool = plan.verifiers;
          std::shuffle(pool.begin(), pool.end(), rng_);
          pool.resize(
              std::min<size_t>(pool.size(), static_cast<size_t>(per_task_)));
          r.selected = pool;
          Started s{plan.index,
                    plan.timing->arrival,
                    plan.timing->start,
                    plan.timing->end,
                    {plan.solver}};
          for (const std::string& v : r.selected) {
            const bool lazy = book_.members().at(v).strategy == "lazy-approve";
            r.verdicts[v] = MarketVerdict{true, false, lazy ? 0 : 40};
            s.participants.push_back(v);
          }
          for (const std::string& p : s.participants) {
            const int64_t flow = static_cast<int64_t>(rng_() % 61) - 20;
            r.flows[p] = flow;
            ledger_[p] += flow;
          }
          r.balances = ledger_;
          r.secret = Sha256Of("secret/" + r.task);
          started_.push_back(s);
          return std::optional<MarketTaskRecord>(std::move(r));
        };
  }

  const std::vector<Started>& started() const { return started_; }
  void StopAfter(int64_t n) { stop_after_ = n; }

 private:
  const MarketBook& book_;
  int64_t per_task_;
  std::mt19937_64 rng_;
  std::map<std::string, int64_t> ledger_;
  std::vector<Started> started_;
  int64_t stop_after_ = -1;
};

struct ClockResult {
  std::vector<Started> started;
  nlohmann::json summary;
  std::string tasks_csv, people_csv;
};

ClockResult RunClock(const MarketSpec& spec, int64_t per_task, int64_t tasks,
                     uint64_t seed, int64_t stop_after = -1) {
  MarketBook book(spec, ClockEcon(per_task), 100, seed);
  FakeMarket fake(book, per_task, seed);
  fake.StopAfter(stop_after);
  MarketClock clock(spec, tasks, seed);
  const Status s = clock.Run(&book, fake.Execute());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return {fake.started(), book.Summary(), book.TasksCsv(),
          book.ParticipantsCsv()};
}

TEST(MarketClock, ArrivalsAreAPoissonProcessOfTheRate) {
  const MarketSpec spec = ClockSpec(1, 1, 4.0, 1.0);
  const int64_t n = 4000;
  MarketClock clock(spec, n, 7);
  double last = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_GT(clock.Arrival(i), last) << i;
    last = clock.Arrival(i);
  }
  // Mean gap 1 / rate = 0.25: within 5 % over 4000 gaps (sd of the mean 0.4 %).
  EXPECT_NEAR(last / static_cast<double>(n), 0.25, 0.25 * 0.05);
  // The same seed, the same arrivals; another seed, others.
  EXPECT_EQ(MarketClock(spec, n, 7).Arrival(100), clock.Arrival(100));
  EXPECT_NE(MarketClock(spec, n, 8).Arrival(100), clock.Arrival(100));
}

TEST(MarketClock, ServiceTimesAreTheJobsFixedOrExponentialWithThatMean) {
  const MarketClock fixed(ClockSpec(1, 1, 1.0, 3.0), 10, 1);
  EXPECT_EQ(fixed.ServiceTime(0, 0), 3.0);
  EXPECT_EQ(fixed.ServiceTime(5, 1), 6.0);  // the second variant's own
  const MarketClock exp(ClockSpec(1, 1, 1.0, 3.0, "exponential"), 10, 1);
  double sum = 0;
  const int64_t n = 4000;
  for (int64_t i = 0; i < n; ++i) {
    const double t = exp.ServiceTime(i, 0);
    ASSERT_GT(t, 0);
    sum += t;
  }
  EXPECT_NEAR(sum / static_cast<double>(n), 3.0, 3.0 * 0.05);
}

// Over many seeds and pools: nobody is on two tasks that overlap on the
// clock; tasks start in arrival (FIFO) order, never before they arrive;
// every task is accounted for; the same seed gives the same schedule.
TEST(MarketClockProperty,
     NobodyOnTwoOverlappingTasksFifoAndSameSeedSameSchedule) {
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    std::mt19937_64 rng(seed * 7919);
    const int64_t solvers = 1 + static_cast<int64_t>(rng() % 4);
    const int64_t verifiers = 1 + static_cast<int64_t>(rng() % 8);
    const int64_t per_task = 1 + static_cast<int64_t>(rng() % verifiers);
    const double rate = 0.2 + static_cast<double>(rng() % 40) / 10.0;
    const double service = 0.5 + static_cast<double>(rng() % 20) / 10.0;
    const bool exponential = rng() % 2 == 0;
    std::optional<double> max_wait;
    if (rng() % 3 == 0) max_wait = static_cast<double>(rng() % 30) / 10.0;
    const MarketSpec spec =
        ClockSpec(solvers, verifiers, rate, service,
                  exponential ? "exponential" : "fixed", max_wait);
    const int64_t tasks = 60;
    const ClockResult a = RunClock(spec, per_task, tasks, seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    for (size_t i = 0; i < a.started.size(); ++i) {
      const Started& x = a.started[i];
      EXPECT_GE(x.start, x.arrival);
      if (max_wait) {
        EXPECT_LE(x.start - x.arrival, *max_wait + 1e-9);
      }
      if (i > 0) {
        EXPECT_GT(x.index, a.started[i - 1].index) << "not FIFO";
        EXPECT_GE(x.start, a.started[i - 1].start) << "not FIFO";
      }
      EXPECT_EQ(
          x.participants.size(),
          1 + static_cast<size_t>(std::min<int64_t>(per_task, verifiers)));
      for (size_t j = 0; j < i; ++j) {
        const Started& y = a.started[j];
        const bool overlap = x.start < y.end && y.start < x.end;
        if (!overlap) continue;
        for (const std::string& p : x.participants) {
          EXPECT_EQ(std::count(y.participants.begin(), y.participants.end(), p),
                    0)
              << p << " is on tasks " << x.index << " and " << y.index
              << " at once";
        }
      }
    }
    const nlohmann::json& clock = a.summary["clock"];
    EXPECT_EQ(clock["arrived"].get<int64_t>(), tasks);
    EXPECT_EQ(clock["started"].get<int64_t>() + clock["lost"].get<int64_t>() +
                  clock["unserved"].get<int64_t>(),
              tasks);
    EXPECT_EQ(clock["started"].get<size_t>(), a.started.size());
    if (!max_wait) {
      EXPECT_EQ(clock["lost"].get<int64_t>(), 0);
    }
    for (const char* role : {"solver", "verifier"}) {
      EXPECT_GE(clock["utilisation"][role].get<double>(), 0);
      EXPECT_LE(clock["utilisation"][role].get<double>(), 1 + 1e-9);
    }
    const ClockResult b = RunClock(spec, per_task, tasks, seed);
    ASSERT_EQ(a.started.size(), b.started.size());
    for (size_t i = 0; i < a.started.size(); ++i) {
      EXPECT_EQ(a.started[i].index, b.started[i].index);
      EXPECT_EQ(a.started[i].start, b.started[i].start);
      EXPECT_EQ(a.started[i].participants, b.started[i].participants);
    }
    EXPECT_EQ(a.summary, b.summary);
    EXPECT_EQ(a.tasks_csv, b.tasks_csv);
    EXPECT_EQ(a.people_csv, b.people_csv);
  }
}

TEST(MarketClock, ARateBeyondCapacityQueuesTasksWithSeveralInFlight) {
  // 3 solvers, 6 verifiers, 2 a task: 3 tasks at once at most. Service 1,
  // so capacity is 3 tasks per unit of time; 6 arrive.
  const ClockResult r = RunClock(ClockSpec(3, 6, 6.0, 1.0), 2, 40, 5);
  const nlohmann::json& clock = r.summary["clock"];
  EXPECT_EQ(clock["started"].get<int64_t>(), 40);
  EXPECT_EQ(clock["in_flight"]["max"].get<int64_t>(), 3);
  EXPECT_GT(clock["queue"]["max"].get<int64_t>(), 3);
  EXPECT_GT(clock["wait"]["mean"].get<double>(), 1.0);
  EXPECT_GT(clock["utilisation"]["solver"].get<double>(), 0.9);
  // A light load: hardly anyone waits.
  const ClockResult light = RunClock(ClockSpec(3, 6, 0.1, 1.0), 2, 40, 5);
  EXPECT_LT(light.summary["clock"]["wait"]["mean"].get<double>(), 0.2);
  EXPECT_LT(light.summary["clock"]["utilisation"]["solver"].get<double>(), 0.2);
}

// A CSV table's cells, row by row (no quoting: the clock's columns).
std::vector<std::vector<std::string>> CsvCells(const std::string& csv) {
  std::vector<std::vector<std::string>> out;
  std::istringstream lines(csv);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> row;
    std::istringstream in(line);
    for (std::string c; std::getline(in, c, ',');) row.push_back(c);
    out.push_back(std::move(row));
  }
  return out;
}

TEST(MarketClock, TasksThatWaitPastMaxWaitAreLost) {
  const ClockResult r =
      RunClock(ClockSpec(1, 2, 5.0, 1.0, "fixed", 0.1), 2, 30, 3);
  const nlohmann::json& clock = r.summary["clock"];
  EXPECT_GT(clock["lost"].get<int64_t>(), 0);
  EXPECT_EQ(r.summary["tasks"]["lost"], clock["lost"]);
  EXPECT_LE(clock["wait"]["max"].get<double>(), 0.1);
  // market_tasks.csv: a lost task is not posted and waited exactly
  // max_wait (start - arrival in floating point read 0.10000000000000142,
  // past the max_wait it was lost at).
  EXPECT_THAT(r.tasks_csv, HasSubstr(",arrival,start,wait,end,lost\n"));
  const std::vector<std::vector<std::string>> table = CsvCells(r.tasks_csv);
  const std::vector<std::string>& header = table.front();
  const size_t wait = std::find(header.begin(), header.end(), "wait") - header.begin();
  int64_t lost = 0;
  for (size_t i = 1; i < table.size(); ++i) {
    if (table[i].back() != "1") continue;
    ++lost;
    EXPECT_EQ(table[i].at(wait), "0.1") << i;
  }
  EXPECT_EQ(lost, clock["lost"].get<int64_t>());
}

// market_tasks.csv holds each time as the double the clock used, at the
// smallest and largest scales check allows: with a fixed number of
// decimals the small ones read 0 and the table ordered nothing.
TEST(MarketClock, TheTasksTableHoldsTheClocksTimesExactly) {
  for (const auto& [rate, service] : {std::pair{1e9, 1e-9}, std::pair{1e-9, 1e9}}) {
    const ClockResult r = RunClock(ClockSpec(2, 4, rate, service), 2, 20, 5);
    ASSERT_FALSE(r.started.empty());
    const std::vector<std::vector<std::string>> table = CsvCells(r.tasks_csv);
    const std::vector<std::string>& header = table.front();
    const auto column = [&](const std::string& name) {
      return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    };
    std::map<int64_t, std::vector<std::string>> rows;
    for (size_t i = 1; i < table.size(); ++i) rows[std::stoll(table[i][0])] = table[i];
    for (const Started& s : r.started) {
      ASSERT_TRUE(rows.count(s.index)) << s.index;
      const std::vector<std::string>& row = rows[s.index];
      EXPECT_EQ(std::stod(row[column("arrival")]), s.arrival) << rate << " " << row[column("arrival")];
      EXPECT_EQ(std::stod(row[column("start")]), s.start) << rate;
      EXPECT_EQ(std::stod(row[column("end")]), s.end) << rate;
      EXPECT_GT(s.end, 0.0);
    }
  }
}

TEST(MarketClock, AStreamThatStopsEarlyStillEndsTheTasksInFlight) {
  const ClockResult r =
      RunClock(ClockSpec(3, 6, 6.0, 1.0), 2, 40, 5, /*stop_after=*/4);
  EXPECT_EQ(r.started.size(), 4u);
  EXPECT_EQ(r.summary["tasks"]["posted"].get<int64_t>(), 4);
}

// Runs 5 tasks on `spec`'s clock; each task started gets the record
// `fill` makes (outcome, verdicts, flows and balances) for its plan.
// Returns how many started; the book keeps the rest.
int64_t RunFiveOnTheClock(const MarketSpec& spec, MarketBook* book,
                          const std::function<void(const MarketPlan&, MarketTaskRecord*)>& fill) {
  int64_t posted = 0;
  auto execute =
      [&](const MarketPlan& plan) -> Result<std::optional<MarketTaskRecord>> {
    ++posted;
    MarketTaskRecord r;
    r.task = "task-1";
    r.solver = plan.solver;
    r.solver_behaviour = "honest";
    fill(plan, &r);
    return std::optional<MarketTaskRecord>(std::move(r));
  };
  MarketClock clock(spec, 5, 1);
  const Status run = clock.Run(book, execute);
  EXPECT_TRUE(run.ok()) << run.ToString();
  return posted;
}

TEST(MarketClock, OnceNoActivePoolCanStaffATaskTheRestAreUnserved) {
  MarketSpec spec = ClockSpec(1, 2, 1.0, 1.0);
  spec.entries[0].funds = 150;
  MarketBook book(spec, ClockEcon(1), 100, 1);
  // The only solver loses 100 on its first task: 50 cannot cover its stake.
  const int64_t posted =
      RunFiveOnTheClock(spec, &book, [](const MarketPlan& plan, MarketTaskRecord* r) {
        r->outcome = "challenge_upheld";
        r->selected = {plan.verifiers[0]};
        r->verdicts[plan.verifiers[0]] = MarketVerdict{false, false, 40};
        r->flows[plan.solver] = -100;
        r->balances[plan.solver] = 50;
      });
  EXPECT_EQ(posted, 1);
  const nlohmann::json s = book.Summary();
  EXPECT_EQ(s["clock"]["started"].get<int64_t>(), 1);
  EXPECT_EQ(s["clock"]["unserved"].get<int64_t>(), 4);
  EXPECT_EQ(s["tasks"]["unserved"].get<int64_t>(), 4);
}

// The same once fewer verifiers than a task needs are left: one of the two
// cannot cover its stakes after the first task, and with verifiers_per_task
// 2 the rest are unserved (before, the clock started a task the book would
// not plan and the run failed).
TEST(MarketClock, OnceTooFewVerifiersAreLeftTheRestAreUnserved) {
  MarketSpec spec = ClockSpec(1, 2, 1.0, 1.0);
  spec.entries[1].funds = 70;
  MarketBook book(spec, ClockEcon(2), 100, 1);
  const int64_t posted =
      RunFiveOnTheClock(spec, &book, [](const MarketPlan& plan, MarketTaskRecord* r) {
        r->outcome = "accepted";
        r->selected = plan.verifiers;
        for (const auto& v : plan.verifiers) r->verdicts[v] = MarketVerdict{true, false, 40};
        r->flows[plan.verifiers[0]] = -20;  // 70 -> 50: below 50 + 10 of stakes
        r->balances[plan.verifiers[0]] = 50;
      });
  EXPECT_EQ(posted, 1);
  EXPECT_EQ(book.Summary()["tasks"]["unserved"].get<int64_t>(), 4);
}

TEST(MarketClock, AVerifierDrawnWhileBusyIsAnError) {
  MarketSpec spec = ClockSpec(2, 2, 50.0, 10.0);
  MarketBook book(spec, ClockEcon(1), 100, 1);
  // An arbiter that draws a verifier the pool did not name, and busy.
  auto execute =
      [&](const MarketPlan& plan) -> Result<std::optional<MarketTaskRecord>> {
    MarketTaskRecord r;
    r.task = "task-" + std::to_string(plan.index + 1);
    r.outcome = "accepted";
    r.solver = plan.solver;
    r.solver_behaviour = "honest";
    r.selected = {"v-1"};
    r.verdicts["v-1"] = MarketVerdict{true, false, 40};
    return std::optional<MarketTaskRecord>(std::move(r));
  };
  MarketClock clock(spec, 3, 1);
  const Status s = clock.Run(&book, execute);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("v-1 was drawn for task-2 while busy"));
}

}  // namespace
}  // namespace veritrain
