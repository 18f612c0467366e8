#include "scenarios/runner/market_book.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "core/protocol/commit_reveal.h"
#include "scenarios/report/csv_field.h"

namespace veritrain {
namespace {

uint64_t MarketTop64(const Digest& d) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d.bytes[i];
  return v;
}

// Weights add up past 64 bits when balances are large (2^53 each).
__extension__ typedef unsigned __int128 MarketU128;

// Index of the pick among `weights` (all >= 0, sum > 0) for the uniform
// 64-bit draw `u`.
size_t WeightedPick(const std::vector<int64_t>& weights, uint64_t u) {
  MarketU128 total = 0;
  for (int64_t w : weights) total += static_cast<MarketU128>(w);
  const MarketU128 at = static_cast<MarketU128>(u) % total;
  MarketU128 sum = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    sum += static_cast<MarketU128>(weights[i]);
    if (at < sum) return i;
  }
  return weights.size() - 1;
}

bool PaysSolver(const std::string& outcome) {
  return outcome == "accepted" || outcome == "challenge_rejected";
}

std::string CsvNumber(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

// A time on the market clock, in the shortest text that reads back as the
// same double: a fixed number of decimals rounds small times to 0 and
// cuts large ones short, so the table would order events otherwise than
// the clock did.
std::string ClockNumber(double v) { return nlohmann::json(v).dump(); }

}  // namespace

MarketBook::MarketBook(const MarketSpec& spec, const TaskEconomics& economics,
                       int64_t jackpot_initial, uint64_t seed)
    : spec_(spec), econ_(economics), seed_(seed) {
  beacon_ = Sha256Of("veritrain/market/" + std::to_string(seed) + "/beacon");
  jackpot_initial_ = jackpot_ = jackpot_min_ = jackpot_initial;
  for (const MarketEntry& e : spec_.entries) {
    auto& strategies = strategies_of_role_[e.role];
    for (const std::string& s : {e.behaviour, e.adapt ? e.adapt->to : std::string()}) {
      if (!s.empty() && std::find(strategies.begin(), strategies.end(), s) == strategies.end()) {
        strategies.push_back(s);
      }
    }
    for (const std::string& name : e.Names()) {
      MarketMember m;
      m.name = name;
      m.role = e.role;
      m.entry = e.name;
      m.base = m.strategy = e.behaviour;
      if (e.adapt) {
        m.alt = e.adapt->to;
        m.window = e.adapt->window;
        m.margin = e.adapt->margin;
        max_window_ = std::max(max_window_, m.window);
      }
      if (e.whistleblower) {
        m.whistleblower = true;
        m.active = false;  // joins when few are active
        m.join_below = e.whistleblower->join_below;
        m.leave_above = e.whistleblower->leave_above;
      }
      m.balance = e.funds;
      members_[name] = m;
    }
  }
  ExitAndEnter(/*exits=*/false);
  initial_ = SharesJson();
  participants_csv_ =
      "task_index,task,participant,role,entry,strategy,active,out,balance,profit,played\n";
}

int64_t MarketBook::Active(const std::string& role) const {
  int64_t n = 0;
  for (const auto& [name, m] : members_) n += m.role == role && m.active ? 1 : 0;
  return n;
}

std::map<std::string, double> MarketBook::Shares(const std::string& role) const {
  std::map<std::string, double> out;
  auto known = strategies_of_role_.find(role);
  if (known != strategies_of_role_.end()) {
    for (const auto& s : known->second) out[s] = 0;
  }
  const int64_t active = Active(role);
  if (active == 0) return out;
  std::map<std::string, int64_t> playing;
  for (const auto& [name, m] : members_) {
    if (m.role == role && m.active) ++playing[m.strategy];
  }
  for (const auto& [s, n] : playing) {
    out[s] = static_cast<double>(n) / static_cast<double>(active);
  }
  return out;
}

nlohmann::json MarketBook::SharesJson() const {
  nlohmann::json shares = nlohmann::json::object(), active = nlohmann::json::object(),
                 out = nlohmann::json::object();
  for (const char* role : {"solver", "verifier"}) {
    shares[role] = nlohmann::json::object();
    for (const auto& [s, v] : Shares(role)) shares[role][s] = v;
    active[role] = Active(role);
    int64_t gone = 0;
    for (const auto& [name, m] : members_) gone += m.role == role && m.out ? 1 : 0;
    out[role] = gone;
  }
  return {{"shares", shares}, {"active", active}, {"out", out}};
}

bool MarketBook::CanEverStaff() const {
  return Active("solver") > 0 && Active("verifier") >= std::max<int64_t>(1, econ_.verifiers_per_task);
}

bool MarketBook::CanStaff(const std::set<std::string>& busy) const {
  int64_t solvers = 0, verifiers = 0;
  for (const auto& [name, m] : members_) {
    if (!m.active || busy.count(name) > 0) continue;
    (m.role == "solver" ? solvers : verifiers) += 1;
  }
  return solvers > 0 && verifiers >= std::max<int64_t>(1, econ_.verifiers_per_task);
}

MarketPlan MarketBook::Plan(int64_t index, const std::set<std::string>& busy) const {
  MarketPlan p;
  p.index = index;
  std::vector<int64_t> job_weights;
  for (const MarketJob& j : spec_.jobs) job_weights.push_back(j.weight);
  p.job = static_cast<int64_t>(WeightedPick(
      job_weights, MarketTop64(Sha256Of("veritrain/market/" + std::to_string(seed_) + "/job/" +
                                        std::to_string(index)))));
  p.steps = spec_.jobs[static_cast<size_t>(p.job)].steps;
  p.reward = spec_.jobs[static_cast<size_t>(p.job)].reward;
  std::vector<const MarketMember*> solvers;
  for (const auto& [name, m] : members_) {
    if (!m.active || busy.count(name) > 0) continue;
    if (m.role == "solver") solvers.push_back(&m);
    if (m.role == "verifier") p.verifiers.push_back(name);
  }
  // A task needs verifiers_per_task of them (the arbiter refuses fewer):
  // with fewer still active, it is not posted, as with none.
  const auto active_verifiers = static_cast<int64_t>(p.verifiers.size());
  if (solvers.empty() || active_verifiers == 0 ||
      active_verifiers < econ_.verifiers_per_task) {
    p.why_not = solvers.empty()          ? "no active solver"
                : active_verifiers == 0 ? "no active verifier"
                                         : std::to_string(active_verifiers) +
                                               " active verifiers, fewer than verifiers_per_task " +
                                               std::to_string(econ_.verifiers_per_task);
    p.verifiers.clear();
    return p;
  }
  std::vector<int64_t> weights;
  for (const MarketMember* m : solvers) {
    if (spec_.assignment == "stake") {
      weights.push_back(m->balance < TaskEconomics::kMaxAmount ? m->balance + 1 : m->balance);
    } else if (spec_.assignment == "reputation") {
      weights.push_back(1000000 * (m->paid + 1) / (m->assigned + 2));
    } else {
      weights.push_back(1);
    }
  }
  const Digest draw = DeriveSeed(beacon_, Sha256Of("market/task/" + std::to_string(index)),
                                 "market/solver");
  p.solver = solvers[WeightedPick(weights, MarketTop64(draw))]->name;
  p.post = true;
  return p;
}

double MarketBook::PopulationMean(const std::string& role, const std::string& strategy,
                                  int64_t since) const {
  auto r = plays_.find(role);
  if (r == plays_.end()) return NAN;
  auto s = r->second.find(strategy);
  if (s == r->second.end()) return NAN;
  double sum = 0;
  int64_t n = 0;
  for (const auto& [index, profit] : s->second) {
    if (index < since) continue;
    sum += static_cast<double>(profit);
    ++n;
  }
  return n == 0 ? NAN : sum / static_cast<double>(n);
}

Status MarketBook::CheckPlayed(const MarketPlan& plan, const MarketTaskRecord& rec) const {
  const MarketMember& solver = members_.at(plan.solver);
  // Each played the strategy it was given, or the results mean nothing.
  if (!rec.solver_behaviour.empty() && rec.solver_behaviour != solver.strategy) {
    return Status::FailedPrecondition("market: " + solver.name + " was to play '" +
                                      solver.strategy + "' on " + rec.task +
                                      " but trained as '" + rec.solver_behaviour + "'");
  }
  for (const std::string& v : rec.selected) {
    auto it = members_.find(v);
    if (it == members_.end() ||
        std::find(plan.verifiers.begin(), plan.verifiers.end(), v) == plan.verifiers.end()) {
      return Status::FailedPrecondition("market: " + v + " verified " + rec.task +
                                        " though not in its verifier pool");
    }
    auto verdict = rec.verdicts.find(v);
    if (verdict == rec.verdicts.end()) continue;
    if (verdict->second.abstain) {
      // A withholding solver leaves its verifiers without the data to play
      // anything: abstaining is then their strategy's answer, as it is
      // outside a market.
      if (solver.strategy == "withhold") continue;
      return Status::FailedPrecondition("market: " + v + " abstained on " + rec.task +
                                        ": it could not play '" + it->second.strategy +
                                        "' (see its log)");
    }
    if (it->second.strategy == "lazy-approve" && verdict->second.steps_reexecuted > 0) {
      return Status::FailedPrecondition("market: " + v + " was to approve " + rec.task +
                                        " blindly but re-executed " +
                                        std::to_string(verdict->second.steps_reexecuted) +
                                        " steps");
    }
    if (it->second.strategy == "honest" && verdict->second.steps_reexecuted == 0) {
      return Status::FailedPrecondition("market: " + v + " was to verify " + rec.task +
                                        " honestly but re-executed nothing");
    }
  }
  return Status::Ok();
}

void MarketBook::BookProfits(const MarketPlan& plan, const MarketTaskRecord& rec,
                             const std::vector<std::string>& played) {
  for (auto& [name, m] : members_) {
    auto b = rec.balances.find(name);
    // On the market clock the ledger has settled tasks that end later than
    // this one: a balance is taken only from a task its owner was in (its
    // own tasks never overlap, so they end in the order they settled).
    const bool own = !spec_.arrivals ||
                     std::find(played.begin(), played.end(), name) != played.end() ||
                     rec.flows.count(name) > 0;
    if (b != rec.balances.end() && own) m.balance = b->second;
    const int64_t profit = rec.Profit(name);
    m.profit += profit;
    if (m.whistleblower && m.active) m.profit_since_join += profit;
  }
  for (const std::string& name : played) {
    MarketMember& m = members_.at(name);
    const int64_t profit = rec.Profit(name);
    ++m.plays;
    m.recent.push_back(profit);
    while (static_cast<int64_t>(m.recent.size()) > std::max<int64_t>(m.window, 1)) {
      m.recent.pop_front();
    }
    plays_[m.role][m.strategy].emplace_back(observed_, profit);
  }
  for (auto& [role, by_strategy] : plays_) {
    for (auto& [s, log] : by_strategy) {
      while (!log.empty() && log.front().first <= observed_ - max_window_) log.pop_front();
    }
  }
}

void MarketBook::Tally(const MarketPlan& plan, const MarketTaskRecord& rec, nlohmann::json* row) {
  MarketMember& solver = members_.at(plan.solver);
  ++solver.assigned;
  if (PaysSolver(rec.outcome)) ++solver.paid;
  int64_t compute = 0;
  for (const std::string& v : rec.selected) {
    auto c = rec.cost.find(v);
    if (c != rec.cost.end()) compute += c->second;
  }
  const bool judged = rec.forced_error && rec.forced_round && !rec.forced_round_unjudged;
  const bool caught = judged && !rec.caught.empty();
  if (rec.forced_error) {
    ++forced_;
    // Cut short before its verifiers' round, or every verifier abstained
    // in it: neither caught nor missed.
    if (!judged) {
      ++unjudged_;
    } else {
      caught ? ++caught_ : ++missed_;
    }
    const int64_t owed = static_cast<int64_t>(rec.caught.size()) * rec.whistleblower_reward;
    // Short: the jackpot paid the catchers less than promised, or the real
    // trace's verifiers less than their fees.
    if (rec.whistleblower_paid < owed || rec.fees_unpaid > 0) ++short_payouts_;
  }
  // A forced error does not hide a cheat: the solver's real trace is
  // verified after the reveal.
  const bool cheating = solver.strategy != "honest";
  const bool cheat_caught =
      cheating && (rec.outcome == "challenge_upheld" || rec.outcome == "withheld");
  if (cheating) {
    ++cheating_;
    cheat_caught ? ++cheating_caught_ : ++cheating_missed_;
  }
  // rec.jackpot is the ledger's jackpot once the task settled, and the
  // ledger settles in start order while the clock may end tasks out of it:
  // the latest-started task observed holds the latest jackpot. The
  // minimum is over every such state, in any order.
  if (plan.index >= jackpot_task_) {
    jackpot_ = rec.jackpot;
    jackpot_task_ = plan.index;
  }
  jackpot_min_ = std::min(jackpot_min_, rec.jackpot);
  fees_ += rec.fees_paid;
  tax_ += rec.tax;
  verifier_compute_ += compute;
  if (rec.secret) beacon_ = *rec.secret;
  nlohmann::json& r = *row;
  r["task"] = rec.task;
  r["solver"] = plan.solver;
  r["solver_strategy"] = solver.strategy;
  r["outcome"] = rec.outcome;
  r["forced_error"] = rec.forced_error;
  r["forced_error_caught"] = caught;
  r["cheating"] = cheating;
  r["cheating_caught"] = cheat_caught;
  r["fees"] = rec.fees_paid;
  r["tax"] = rec.tax;
  r["verifier_compute"] = compute;
  r["security_cost"] = rec.fees_paid + rec.tax + compute;
}

void MarketBook::AppendParticipantRows(const MarketPlan& plan, const MarketTaskRecord* rec,
                                       const std::string& task,
                                       const std::vector<std::string>& played,
                                       const std::map<std::string, std::string>& held) {
  for (const auto& [name, m] : members_) {
    const bool took_part = std::find(played.begin(), played.end(), name) != played.end();
    participants_csv_ += std::to_string(plan.index) + "," + CsvField(task) + "," +
                         CsvField(name) + "," + m.role + "," + CsvField(m.entry) + "," +
                         CsvField(held.at(name)) + "," + (m.active ? "1" : "0") + "," +
                         (m.out ? "1" : "0") + "," + std::to_string(m.balance) + "," +
                         std::to_string(rec != nullptr ? rec->Profit(name) : 0) + "," +
                         (took_part ? "1" : "0") + "\n";
  }
}

Status MarketBook::Observe(const MarketPlan& plan, const MarketTaskRecord* rec) {
  std::vector<std::string> played;
  nlohmann::json row = {{"index", plan.index}, {"posted", plan.post}, {"task", ""},
                        {"solver", ""}, {"solver_strategy", ""}, {"outcome", ""},
                        {"forced_error", false}, {"forced_error_caught", false},
                        {"cheating", false}, {"cheating_caught", false},
                        {"fees", 0}, {"tax", 0}, {"verifier_compute", 0}, {"security_cost", 0}};
  const int64_t switches_before = switches_;
  if (plan.post) {
    if (rec == nullptr || rec->solver != plan.solver) {
      return Status::FailedPrecondition("market: the record of task " +
                                        std::to_string(plan.index) + " is not the one planned");
    }
    VT_RETURN_IF_ERROR(CheckPlayed(plan, *rec));
    ++posted_;
    played.push_back(plan.solver);
    for (const std::string& v : rec->selected) played.push_back(v);
    BookProfits(plan, *rec, played);
    Tally(plan, *rec, &row);
  } else if (plan.timing && plan.timing->lost) {
    ++lost_;
  } else {
    ++unserved_;
  }
  if (spec_.arrivals) TallyClock(plan, rec, &row);
  row["jackpot"] = jackpot_;
  // The strategy each held for this task, which its row credits with the
  // task's profit: a switch made after it shows from the next row on.
  std::map<std::string, std::string> held;
  for (const auto& [name, m] : members_) held[name] = m.strategy;
  // The market's last `window` tasks are the last it observed: in index
  // order, or on the clock in the order they ended.
  Adapt(observed_, played);
  ExitAndEnter(/*exits=*/true);
  row["switches"] = switches_ - switches_before;
  const nlohmann::json state = SharesJson();
  row["active"] = state["active"];
  row["shares"] = state["shares"];
  task_rows_.push_back(row);
  AppendParticipantRows(plan, rec, row["task"].get<std::string>(), played, held);
  ++observed_;
  return Status::Ok();
}

void MarketBook::TallyClock(const MarketPlan& plan, const MarketTaskRecord* rec,
                            nlohmann::json* row) {
  const MarketTiming t = plan.timing.value_or(MarketTiming{});
  // A lost task waited max_wait itself: start - arrival in floating point
  // can read a little more than the bound it was lost at.
  const double wait = t.lost && spec_.arrivals && spec_.arrivals->max_wait
                          ? *spec_.arrivals->max_wait
                          : t.start - t.arrival;
  waited_ += wait;
  makespan_ = std::max(makespan_, t.end);
  if (plan.post) {
    waited_started_ += wait;
    wait_max_ = std::max(wait_max_, wait);
    busy_solver_ += t.end - t.start;
    busy_verifier_ += (t.end - t.start) * static_cast<double>(rec->selected.size());
  }
  (*row)["arrival"] = t.arrival;
  (*row)["start"] = t.start;
  (*row)["wait"] = wait;
  (*row)["end"] = t.end;
  (*row)["lost"] = t.lost;
}

nlohmann::json MarketBook::ClockSummary() const {
  int64_t solvers = 0, verifiers = 0;
  for (const auto& [name, m] : members_) (m.role == "solver" ? solvers : verifiers) += 1;
  auto per_time = [&](double x, int64_t n) {
    return makespan_ > 0 && n > 0 ? x / (makespan_ * static_cast<double>(n)) : 0.0;
  };
  double service = 0;
  for (const auto& r : task_rows_) {
    if (r["posted"].get<bool>()) service += r["end"].get<double>() - r["start"].get<double>();
  }
  return {{"arrival_rate", spec_.arrivals->rate},
          {"service", spec_.arrivals->service},
          {"arrived", observed_},
          {"started", posted_},
          {"lost", lost_},
          {"unserved", unserved_},
          {"makespan", makespan_},
          {"wait", {{"mean", posted_ > 0 ? waited_started_ / static_cast<double>(posted_) : 0.0},
                    {"max", wait_max_}}},
          // Little's law: the time-mean of a count is the time spent in it
          // over the makespan.
          {"queue", {{"mean", per_time(waited_, 1)}, {"max", max_queue_}}},
          {"in_flight", {{"mean", per_time(service, 1)}, {"max", max_in_flight_}}},
          {"utilisation", {{"solver", per_time(busy_solver_, solvers)},
                           {"verifier", per_time(busy_verifier_, verifiers)}}}};
}

void MarketBook::Adapt(int64_t index, const std::vector<std::string>& played) {
  for (const std::string& name : played) {
    MarketMember& m = members_.at(name);
    if (m.alt.empty() || m.recent.empty()) continue;
    double own = 0;
    for (int64_t p : m.recent) own += static_cast<double>(p);
    own /= static_cast<double>(m.recent.size());
    const std::string other = m.strategy == m.base ? m.alt : m.base;
    const double theirs = PopulationMean(m.role, other, index - m.window + 1);
    if (std::isnan(theirs) || !(theirs > own + static_cast<double>(m.margin))) continue;
    m.strategy = other;
    m.recent.clear();
    ++m.switches;
    ++switches_;
  }
}

void MarketBook::ExitAndEnter(bool exits) {
  auto need = [&](const MarketMember& m) {
    return m.role == "solver" ? econ_.solver_stake : econ_.verifier_stake + econ_.challenge_stake;
  };
  std::set<std::string> left;
  if (exits) {
    for (auto& [name, m] : members_) {
      if (m.active && m.balance < need(m)) {
        m.active = false;
        m.out = true;
        ++exits_;
      }
    }
    for (auto& [name, m] : members_) {
      if (m.whistleblower && m.active && m.profit_since_join >= m.leave_above) {
        m.active = false;
        ++m.leaves;
        ++leaves_;
        left.insert(name);
      }
    }
  }
  for (auto& [name, m] : members_) {
    if (!m.whistleblower || m.active || m.out || left.count(name) > 0) continue;
    if (m.balance < need(m)) {
      m.out = true;
      ++exits_;
      continue;
    }
    int64_t honest = 0;
    for (const auto& [other, o] : members_) {
      honest += other != name && o.active && o.role == "verifier" && o.strategy == "honest";
    }
    if (honest >= m.join_below) continue;
    m.active = true;
    m.profit_since_join = 0;
    ++m.joins;
    ++joins_;
  }
}

std::map<std::string, std::string> MarketBook::AdaptiveStrategies() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, m] : members_) {
    if (!m.alt.empty()) out[name] = m.strategy;
  }
  return out;
}

nlohmann::json MarketBook::Summary() const {
  nlohmann::json participants = nlohmann::json::object();
  for (const auto& [name, m] : members_) {
    participants[name] = {{"role", m.role},         {"entry", m.entry},
                          {"strategy", m.strategy}, {"active", m.active},
                          {"out", m.out},           {"balance", m.balance},
                          {"profit", m.profit},     {"plays", m.plays},
                          {"switches", m.switches}, {"joins", m.joins},
                          {"leaves", m.leaves},     {"assigned", m.assigned},
                          {"paid", m.paid}};
  }
  const int64_t security = fees_ + tax_ + verifier_compute_;
  nlohmann::json out = {
      {"assignment", spec_.assignment},
      {"tasks", {{"posted", posted_}, {"unserved", unserved_}}},
      {"initial", initial_},
      {"final", SharesJson()},
      {"switches", switches_},
      {"joins", joins_},
      {"leaves", leaves_},
      {"exits", exits_},
      {"forced_errors",
       {{"raised", forced_}, {"caught", caught_}, {"missed", missed_}, {"unjudged", unjudged_}}},
      {"cheating", {{"tasks", cheating_}, {"caught", cheating_caught_}, {"missed", cheating_missed_}}},
      {"jackpot", {{"initial", jackpot_initial_}, {"final", jackpot_}, {"min", jackpot_min_},
                   {"short_payouts", short_payouts_}}},
      {"security_cost", {{"total", security},
                         {"per_task", posted_ > 0 ? static_cast<double>(security) /
                                                        static_cast<double>(posted_)
                                                  : 0.0},
                         {"fees", fees_},
                         {"tax", tax_},
                         {"verifier_compute", verifier_compute_}}},
      {"participants", participants}};
  if (spec_.arrivals) {
    out["tasks"]["lost"] = lost_;
    out["clock"] = ClockSummary();
  }
  return out;
}

std::string MarketBook::TasksCsv() const {
  std::vector<std::pair<std::string, std::string>> share_columns;
  for (const char* role : {"solver", "verifier"}) {
    auto known = strategies_of_role_.find(role);
    if (known == strategies_of_role_.end()) continue;
    for (const auto& s : known->second) share_columns.emplace_back(role, s);
  }
  std::string out =
      "index,task,posted,solver,solver_strategy,outcome,forced_error,forced_error_caught,"
      "cheating,cheating_caught,jackpot,fees,tax,verifier_compute,security_cost,switches,"
      "active_solvers,active_verifiers";
  for (const auto& [role, s] : share_columns) out += "," + CsvField("share." + role + "." + s);
  if (spec_.arrivals) out += ",arrival,start,wait,end,lost";
  out += "\n";
  for (const auto& r : task_rows_) {
    out += std::to_string(r["index"].get<int64_t>()) + "," + CsvField(r["task"].get<std::string>()) +
           "," + (r["posted"].get<bool>() ? "1" : "0") + "," +
           CsvField(r["solver"].get<std::string>()) + "," +
           CsvField(r["solver_strategy"].get<std::string>()) + "," +
           CsvField(r["outcome"].get<std::string>());
    for (const char* f : {"forced_error", "forced_error_caught", "cheating", "cheating_caught"}) {
      out += std::string(",") + (r[f].get<bool>() ? "1" : "0");
    }
    for (const char* f : {"jackpot", "fees", "tax", "verifier_compute", "security_cost", "switches"}) {
      out += "," + std::to_string(r[f].get<int64_t>());
    }
    out += "," + std::to_string(r["active"]["solver"].get<int64_t>()) + "," +
           std::to_string(r["active"]["verifier"].get<int64_t>());
    for (const auto& [role, s] : share_columns) {
      out += "," + CsvNumber(r["shares"][role].value(s, 0.0));
    }
    if (spec_.arrivals) {
      for (const char* f : {"arrival", "start", "wait", "end"}) {
        out += "," + ClockNumber(r[f].get<double>());
      }
      out += std::string(",") + (r["lost"].get<bool>() ? "1" : "0");
    }
    out += "\n";
  }
  return out;
}

}  // namespace veritrain
