// MarketBook: the state of a market run (docs/market.md) and its rules —
// who solves the next task, which verifiers are in the pool, who switches
// strategy, who joins and who leaves — as a pure, socket-free book that the
// runner drives task by task and a unit test drives with made-up records.
//
// Per task i:
//   Plan(i)      the job variant (drawn from the run seed), the solver
//                (drawn among the active solvers by the assignment rule from
//                the randomness the arbiter revealed with the previous
//                task's proof, the run seed before the first) and every
//                active verifier (the arbiter draws verifiers_per_task of
//                them). No active solver or verifier: the task is not posted
//                ("unserved").
//   Observe(plan, record)   after the task settled (record null when it was
//                not posted): balances from the ledger, each participant's
//                profit (ledger flow minus compute cost), then in this order
//                  1. adaptation: each adaptive participant that took part
//                     compares its own mean profit over its last `window`
//                     tasks with the mean profit per participant-task of the
//                     other strategy of its role over the market's last
//                     `window` tasks, and switches when that is higher by
//                     more than `margin`;
//                  2. exit: an active participant whose balance cannot cover
//                     its stake (solvers: solver_stake; verifiers:
//                     verifier_stake + challenge_stake) is out for good;
//                  3. whistleblowers leave once their profit since joining
//                     reaches leave_above, and (in name order, not in the
//                     task they left) join while fewer than join_below other
//                     active verifiers are honest.
//                It also checks that each participant played the strategy
//                it was given (the solver's training report, a verifier's
//                re-executed steps); a mismatch is an error, never a result.
//
// With an arrival rate the market clock (market_clock.h) drives the book:
// it plans a task among the participants that are not busy, and observes
// tasks in the order they end on the clock (lost and unserved ones when
// they leave the queue). A participant's balance is then taken only from
// the tasks it was in, and the adaptation windows count observed tasks.
// Summary gets a "clock" block and market_tasks.csv the times.
//
// Thread-safety: a value; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/crypto/sha256.h"
#include "core/util/status.h"
#include "core/wire/messages/task_economics.h"
#include "scenarios/spec/market_spec.h"
#include "scenarios/runner/market_record.h"

namespace veritrain {

struct MarketMember {
  std::string name, role, entry;
  std::string base;      // the entry's behaviour
  std::string alt;       // adapt.to; "" when not adaptive
  std::string strategy;  // the behaviour it plays now
  bool active = true;
  bool out = false;      // left for good: its balance could not cover its stake
  bool whistleblower = false;
  int64_t join_below = 0, leave_above = 0;
  int64_t window = 0, margin = 0;
  int64_t balance = 0;
  int64_t profit = 0;             // over the run
  int64_t profit_since_join = 0;  // whistleblowers
  int64_t plays = 0;              // tasks it solved or was drawn to verify
  int64_t switches = 0, joins = 0, leaves = 0;
  int64_t assigned = 0, paid = 0;  // solvers: tasks assigned, tasks paid
  std::deque<int64_t> recent;      // its profits of its last `window` plays
};

// A task on the market clock (market_clock.h): when it arrived, and when
// it started and ends — or, lost or unserved, when it left the queue
// (start == end == that time).
struct MarketTiming {
  double arrival = 0, start = 0, end = 0;
  bool lost = false;  // waited max_wait without starting
};

struct MarketPlan {
  int64_t index = 0;
  bool post = false;
  std::string why_not;  // when not posted
  int64_t job = 0;      // index into MarketSpec::jobs
  int64_t steps = 0, reward = 0;
  std::string solver;
  std::vector<std::string> verifiers;  // the active pool (not busy, on the clock)
  std::optional<MarketTiming> timing;  // with an arrival rate
};

class MarketBook {
 public:
  // REQUIRES: `spec` comes from a scenario that passed its checks.
  MarketBook(const MarketSpec& spec, const TaskEconomics& economics, int64_t jackpot_initial,
             uint64_t seed);

  MarketPlan Plan(int64_t index) const { return Plan(index, {}); }
  // The plan among the participants not in `busy` (the market clock's).
  MarketPlan Plan(int64_t index, const std::set<std::string>& busy) const;
  // On the market clock: whether the participants not in `busy` can staff
  // a task (a solver and verifiers_per_task verifiers), and whether the
  // active ones could at all (a task they cannot is unserved).
  bool CanStaff(const std::set<std::string>& busy) const;
  bool CanEverStaff() const;
  // REQUIRES: plans observed in order, each once (with an arrival rate: in
  // the order the market clock ends or drops them, each plan with its
  // timing); `record` is the task of `plan` when plan.post.
  // FailedPrecondition when a participant did not play the strategy it was
  // given, or the record does not fit the plan.
  Status Observe(const MarketPlan& plan, const MarketTaskRecord* record);
  // The market clock's peaks, for Summary: tasks waiting at once, tasks in
  // flight at once.
  void NoteClockPeaks(int64_t max_queue, int64_t max_in_flight) {
    max_queue_ = max_queue;
    max_in_flight_ = max_in_flight;
  }

  // The strategy of every adaptive participant (name -> behaviour).
  std::map<std::string, std::string> AdaptiveStrategies() const;
  const std::map<std::string, MarketMember>& members() const { return members_; }
  // Share of each strategy of `role` among its active participants (every
  // strategy the role's entries can play, 0 when none plays it; all 0 when
  // nobody is active).
  std::map<std::string, double> Shares(const std::string& role) const;
  int64_t Active(const std::string& role) const;

  // summary.json's "market" block.
  nlohmann::json Summary() const;
  // market.csv: one row per task and participant (long form).
  std::string ParticipantsCsv() const { return participants_csv_; }
  // market_tasks.csv: one row per task.
  std::string TasksCsv() const;

 private:
  // Observe's steps: the strategies played, the balances and profits, the
  // run totals and the task's row, the task's rows of market.csv.
  Status CheckPlayed(const MarketPlan& plan, const MarketTaskRecord& rec) const;
  void BookProfits(const MarketPlan& plan, const MarketTaskRecord& rec,
                   const std::vector<std::string>& played);
  void Tally(const MarketPlan& plan, const MarketTaskRecord& rec, nlohmann::json* row);
  // `held`: each member's strategy during the task (before adapting to it).
  void AppendParticipantRows(const MarketPlan& plan, const MarketTaskRecord* rec,
                             const std::string& task, const std::vector<std::string>& played,
                             const std::map<std::string, std::string>& held);
  void Adapt(int64_t index, const std::vector<std::string>& played);
  void ExitAndEnter(bool exits);
  double PopulationMean(const std::string& role, const std::string& strategy, int64_t since) const;
  nlohmann::json SharesJson() const;
  void TallyClock(const MarketPlan& plan, const MarketTaskRecord* rec, nlohmann::json* row);
  nlohmann::json ClockSummary() const;

  MarketSpec spec_;
  TaskEconomics econ_;
  uint64_t seed_;
  Digest beacon_;  // the latest revealed randomness
  std::map<std::string, MarketMember> members_;
  std::map<std::string, std::vector<std::string>> strategies_of_role_;
  // Every participant-task profit: (task index, profit), by role and strategy.
  std::map<std::string, std::map<std::string, std::deque<std::pair<int64_t, int64_t>>>> plays_;
  int64_t max_window_ = 1;
  nlohmann::json initial_;
  // Run totals.
  int64_t posted_ = 0, unserved_ = 0, switches_ = 0, joins_ = 0, leaves_ = 0, exits_ = 0;
  int64_t forced_ = 0, caught_ = 0, missed_ = 0, unjudged_ = 0;
  int64_t cheating_ = 0, cheating_caught_ = 0, cheating_missed_ = 0;
  int64_t jackpot_initial_ = 0, jackpot_ = 0, jackpot_min_ = 0, short_payouts_ = 0;
  int64_t jackpot_task_ = -1;  // the task whose settlement jackpot_ is
  int64_t fees_ = 0, tax_ = 0, verifier_compute_ = 0;
  // The market clock's totals (with an arrival rate).
  int64_t observed_ = 0;  // Observe calls: the market's task count for the windows
  int64_t lost_ = 0, max_queue_ = 0, max_in_flight_ = 0;
  double waited_ = 0, waited_started_ = 0, wait_max_ = 0, makespan_ = 0;
  double busy_solver_ = 0, busy_verifier_ = 0;
  nlohmann::json task_rows_ = nlohmann::json::array();
  std::string participants_csv_;
};

}  // namespace veritrain
