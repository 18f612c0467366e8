#include "scenarios/runner/money.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "core/protocol/events.h"
#include "core/protocol/settlement.h"

namespace veritrain {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}
int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_sub_overflow(a, b, &r)) return r;
  return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}
int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_mul_overflow(a, b, &r)) return r;
  return (a < 0) == (b < 0) ? std::numeric_limits<int64_t>::max()
                            : std::numeric_limits<int64_t>::min();
}

namespace {

bool IsHeld(const std::string& a) {
  return a.rfind("escrow/", 0) == 0 || a.rfind("stake/", 0) == 0 ||
         a.rfind("challenge/", 0) == 0;
}

struct Transfer {
  int64_t seq = 0;
  std::string task, reason, from, to;
  int64_t amount = 0;
};

std::vector<Transfer> Transfers(const std::vector<Event>& events) {
  std::vector<Transfer> out;
  for (const auto& e : events) {
    if (e.type != TransferEvent::kType) continue;
    const auto& d = e.data;
    out.push_back({d.value("seq", int64_t{0}), d.value("task", std::string()),
                   d.value("reason", std::string()),
                   d.value("from", std::string()), d.value("to", std::string()),
                   d.value("amount", int64_t{0})});
  }
  return out;
}

std::string CsvText(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

// Task record `t`'s compute cost (the solver's steps and each verifier's
// re-executed steps, both traces of a forced error) and each participant's
// profit on it (its ledger flows `task_flows` minus its cost), added to
// `run_profit`.
void AddTaskCosts(int64_t cost_per_step, const std::set<std::string>& participants,
                  const std::map<std::string, int64_t>& task_flows, nlohmann::json* t,
                  std::map<std::string, int64_t>* run_profit) {
  // Compute: the solver's steps, each verifier's re-executed steps.
  std::map<std::string, int64_t> cost;
  const std::string solver = t->value("solver", std::string());
  if (!solver.empty())
    cost[solver] =
        SaturatingMul(t->value("solver_steps_computed", int64_t{0}), cost_per_step);
  // The verifiers of both traces of a forced error did the work.
  nlohmann::json verifiers = (*t)["verifiers"];
  if (t->contains("forced_round")) {
    for (const auto& v : (*t)["forced_round"].value("verifiers", nlohmann::json::array())) {
      verifiers.push_back(v);
    }
  }
  for (const auto& v : verifiers) {
    int64_t& c = cost[v.value("name", std::string())];
    c = SaturatingAdd(c, SaturatingMul(v.value("steps_reexecuted", int64_t{0}), cost_per_step));
  }
  nlohmann::json costs = nlohmann::json::object(),
                 profit = nlohmann::json::object();
  for (const auto& p : participants) {
    const int64_t c = cost.count(p) ? cost[p] : 0;
    const auto flow = task_flows.find(p);
    const int64_t net = flow == task_flows.end() ? 0 : flow->second;
    costs[p] = c;
    profit[p] = SaturatingSub(net, c);
    (*run_profit)[p] = SaturatingAdd((*run_profit)[p], SaturatingSub(net, c));
  }
  (*t)["compute_cost"] = costs;
  (*t)["profit"] = profit;
}

// The task's data-availability challenges in checkpoint order, then in
// the verifiers' selection order: the same every run, whichever request
// reached the arbiter first.
void SortAvailabilityChallenges(const nlohmann::json& selected, nlohmann::json* t) {
  if (!t->contains("availability_challenges")) return;
  std::vector<nlohmann::json> challenges = (*t)["availability_challenges"];
  const auto rank = [&selected](const nlohmann::json& c) {
    const std::string who = c.value("challenger", std::string());
    for (size_t i = 0; i < selected.size(); ++i) {
      if (selected[i].is_string() && selected[i].get<std::string>() == who) return i;
    }
    return selected.size();
  };
  std::stable_sort(challenges.begin(), challenges.end(),
                   [&rank](const nlohmann::json& a, const nlohmann::json& b) {
                     const int64_t ia = a.value("index", int64_t{-1});
                     const int64_t ib = b.value("index", int64_t{-1});
                     if (ia != ib) return ia < ib;
                     return rank(a) < rank(b);
                   });
  (*t)["availability_challenges"] = challenges;
}

}  // namespace

bool IsSystemAccount(const std::string& account) {
  return IsHeld(account) || account == "jackpot" || account == "burn" ||
         account == "mint";
}

bool ForcedRoundJudged(const nlohmann::json& round) {
  if (!round.is_object() || !round.contains("selected")) return true;  // written before selection was recorded
  if (!round.value("caught", nlohmann::json::array()).empty()) return true;
  std::set<std::string> silent;
  for (const char* field : {"abstained", "silent"}) {
    for (const auto& name : round.value(field, nlohmann::json::array())) {
      if (name.is_string()) silent.insert(name.get<std::string>());
    }
  }
  for (const auto& name : round.value("selected", nlohmann::json::array())) {
    if (name.is_string() && silent.count(name.get<std::string>()) == 0) return true;
  }
  return false;
}

void AddMoney(const std::vector<Event>& events, nlohmann::json* summary) {
  nlohmann::json& s = *summary;
  std::map<std::string, nlohmann::json> settlements, selected;
  int64_t refused = 0;
  // task -> participant -> the stakes its funds could not lock (the task
  // went on without them: a slash of such a stake takes nothing).
  std::map<std::string, std::map<std::string, int64_t>> stakes_refused;
  for (const auto& e : events) {
    if (e.type == SettlementEvent::kType) settlements[e.task] = e.data;
    if (e.type == VerifiersSelectedEvent::kType)
      selected[e.task] = e.data.value("verifiers", nlohmann::json::array());
    if (e.type == TransferRefusedEvent::kType) {
      ++refused;
      const std::string to = e.data.value("to", std::string());
      const std::string from = e.data.value("from", std::string());
      if (!e.task.empty() && !IsSystemAccount(from) &&
          (to.rfind("stake/", 0) == 0 || to.rfind("challenge/", 0) == 0)) {
        stakes_refused[e.task][from] += e.data.value("amount", int64_t{0});
      }
    }
  }
  std::map<std::string, int64_t> balance;
  std::set<std::string> participants;
  int64_t supply = 0;
  std::map<std::string, std::map<std::string, int64_t>>
      flows;  // task -> account -> net
  std::map<std::string, int64_t> transfer_count;
  std::map<std::string, int64_t> minted;  // each account's genesis funds
  for (const auto& t : Transfers(events)) {
    if (t.from == "mint") {
      supply += t.amount;
      minted[t.to] += t.amount;
    } else {
      balance[t.from] -= t.amount;
    }
    balance[t.to] += t.amount;
    for (const auto* a : {&t.from, &t.to}) {
      if (!IsSystemAccount(*a)) participants.insert(*a);
    }
    if (!t.task.empty()) {
      ++transfer_count[t.task];
      if (!IsSystemAccount(t.from)) flows[t.task][t.from] -= t.amount;
      if (!IsSystemAccount(t.to)) flows[t.task][t.to] += t.amount;
    }
  }

  std::map<std::string, int64_t> run_profit;
  for (const auto& p : participants) run_profit[p] = 0;
  std::map<std::string, int64_t> lazy_count, slashed;
  // Everyone is listed, 0 when never slashed or exposed: an expectation
  // that a participant was not exposed can name it.
  for (const auto& p : participants) {
    slashed[p] = 0;
    lazy_count[p] = 0;
  }
  // Every outcome is listed too, 0 when no task ended so: "no challenge
  // was upheld" is an expectation that can pass, and a sweep's mean of an
  // outcome count is over every run, not over the runs that had one.
  std::map<std::string, int64_t> outcomes;
  for (SettlementOutcome o : kSettlementOutcomes) outcomes[SettlementOutcomeName(o)] = 0;
  int64_t raised = 0, caught = 0, missed = 0, unjudged = 0;
  // The verifier fees of forced errors' real traces: paid from the
  // jackpot, or not paid when it ran short.
  int64_t fees_from_jackpot = 0, fees_unpaid = 0;
  for (auto& t : s["tasks"]) {
    const std::string id = t.value("task", std::string());
    const nlohmann::json settlement =
        settlements.count(id) ? settlements[id] : nlohmann::json::object();
    const nlohmann::json econ =
        settlement.value("economics", nlohmann::json::object());
    const int64_t cost_per_step =
        econ.value("compute_cost_per_step", int64_t{0});
    t["economics"] = econ;
    t["selected_verifiers"] =
        selected.count(id) ? selected[id] : nlohmann::json::array();
    SortAvailabilityChallenges(t["selected_verifiers"], &t);
    nlohmann::json settled = settlement;
    settled.erase("economics");
    settled.erase("selected");
    settled.erase("jackpot");
    t["settlement"] = settled;
    const bool forced = settlement.value("forced_error", false);
    // A forced error's verifiers were settled when it was revealed
    // (forced_round); the task's settlement is that of the real trace.
    const nlohmann::json forced_round =
        settlement.value("forced_round", nlohmann::json::object());
    // A forced error is judged when its verifiers' round is settled and
    // some verifier gave a verdict in it; a task cut short before (the
    // solver withheld data or posted no trace), or a round every verifier
    // abstained from, never put it to anyone: neither caught nor missed.
    const bool judged =
        forced && settlement.contains("forced_round") && ForcedRoundJudged(forced_round);
    const bool was_caught =
        judged && !forced_round.value("caught", nlohmann::json::array()).empty();
    t["forced_error"] = forced;
    t["forced_error_caught"] = was_caught;
    t["forced_error_missed"] = judged && !was_caught;
    t["forced_error_unjudged"] = forced && !judged;
    raised += forced;
    caught += was_caught;
    missed += judged && !was_caught;
    unjudged += forced && !judged;
    fees_from_jackpot += settlement.value("fees_from_jackpot", int64_t{0});
    fees_unpaid += settlement.value("fees_unpaid", int64_t{0});
    ++outcomes[t.value("outcome", std::string())];
    for (const nlohmann::json* part : {&settlement, &forced_round}) {
      for (const auto& sl : part->value("slashed", nlohmann::json::array())) {
        slashed[sl.value("owner", std::string())] += sl.value("amount", int64_t{0});
      }
      for (const auto& name : part->value("lazy", nlohmann::json::array())) {
        ++lazy_count[name.get<std::string>()];
      }
    }
    t["jackpot"] = settlement.value("jackpot", int64_t{0});
    t["transfers"] = transfer_count[id];
    t["stakes_refused"] = nlohmann::json::object();
    for (const auto& [who, amount] : stakes_refused[id]) t["stakes_refused"][who] = amount;
    AddTaskCosts(cost_per_step, participants, flows[id], &t, &run_profit);
  }
  nlohmann::json profit = nlohmann::json::object();
  for (const auto& [p, v] : run_profit) profit[p] = v;
  nlohmann::json lazy = nlohmann::json::object();
  int64_t lazy_total = 0;
  for (const auto& [p, v] : lazy_count) {
    lazy[p] = v;
    lazy_total += v;
  }
  s["profit"] = profit;
  s["jackpot"] = balance["jackpot"];
  // What the run added to (or took from) the jackpot it began with.
  s["jackpot_change"] = balance["jackpot"] - minted["jackpot"];
  s["burned"] = balance["burn"];
  s["supply"] = supply;
  // lazy_exposed: approvals of a forced error exposed, whoever made them
  // (which participant is lazy when can follow from the draws, and those
  // from the trace roots, which differ from one CPU to another).
  s["forced_errors"] = {{"raised", raised},
                        {"caught", caught},
                        {"missed", missed},
                        {"unjudged", unjudged},
                        {"lazy_exposed", lazy_total},
                        {"fees_from_jackpot", fees_from_jackpot},
                        {"fees_unpaid", fees_unpaid}};
  s["lazy_exposed"] = lazy;
  nlohmann::json slashed_json = nlohmann::json::object(),
                 outcomes_json = nlohmann::json::object();
  for (const auto& [p, v] : slashed) slashed_json[p] = v;
  for (const auto& [o, n] : outcomes) outcomes_json[o] = n;
  s["slashed"] = slashed_json;
  s["outcomes"] = outcomes_json;
  s["refused_transfers"] = refused;
}

std::string BalancesCsv(const std::vector<Event>& events) {
  const std::vector<Transfer> transfers = Transfers(events);
  std::set<std::string> participants;
  for (const auto& t : transfers) {
    for (const auto* a : {&t.from, &t.to}) {
      if (!IsSystemAccount(*a)) participants.insert(*a);
    }
  }
  std::ostringstream out;
  out << "seq,task,reason,from,to,amount";
  for (const auto& p : participants) out << "," << CsvText(p);
  out << ",jackpot,burn,held\n";
  std::map<std::string, int64_t> balance;
  // Escrow and stakes together, kept as a running sum: every task opens its
  // own accounts, so summing them per row would grow with the run.
  int64_t held = 0;
  for (const auto& t : transfers) {
    if (t.from != "mint") balance[t.from] -= t.amount;
    balance[t.to] += t.amount;
    if (t.from != "mint" && IsHeld(t.from)) held -= t.amount;
    if (IsHeld(t.to)) held += t.amount;
    out << t.seq << "," << CsvText(t.task) << "," << CsvText(t.reason) << ","
        << CsvText(t.from) << "," << CsvText(t.to) << "," << t.amount;
    for (const auto& p : participants) out << "," << balance[p];
    out << "," << balance["jackpot"] << "," << balance["burn"] << "," << held
        << "\n";
  }
  return out.str();
}

}  // namespace veritrain
