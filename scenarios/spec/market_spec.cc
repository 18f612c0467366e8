#include "scenarios/spec/market_spec.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/protocol/participant_name.h"
#include "core/wire/messages/task_spec.h"
#include "scenarios/spec/checked_amount.h"
#include "scenarios/spec/compute_cost_bound.h"
#include "scenarios/spec/scenario.h"
#include "scenarios/spec/trace_limits.h"

namespace veritrain {
namespace {

using nlohmann::json;

std::string JoinNames(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

MarketEntry EntryFromJson(const json& e, const std::string& role, int64_t default_funds) {
  MarketEntry m;
  m.name = e["name"].get<std::string>();
  m.role = role;
  m.count = e["count"].get<int64_t>();
  m.behaviour = e["behaviour"].get<std::string>();
  m.params = e["params"];
  m.funds = e.contains("funds") ? e["funds"].get<int64_t>() : default_funds;
  if (e.contains("adapt")) {
    const json& a = e["adapt"];
    m.adapt = MarketAdapt{a["to"].get<std::string>(), a["params"], a["window"].get<int64_t>(),
                          a["margin"].get<int64_t>()};
  }
  if (e.contains("whistleblower")) {
    const json& w = e["whistleblower"];
    m.whistleblower =
        MarketWhistleblower{w["join_below"].get<int64_t>(), w["leave_above"].get<int64_t>()};
  }
  return m;
}

}  // namespace

std::vector<std::string> MarketEntry::Names() const {
  const size_t width = std::to_string(count).size();
  std::vector<std::string> out;
  for (int64_t i = 1; i <= count; ++i) {
    std::string n = std::to_string(i);
    out.push_back(name + "-" + std::string(width - n.size(), '0') + n);
  }
  return out;
}

MarketSpec MarketSpec::FromResolved(const json& r) {
  MarketSpec m;
  const json& market = r["market"];
  const int64_t funds = r["economics"]["participant_funds"].get<int64_t>();
  for (const char* role : {"solver", "verifier"}) {
    for (const json& e : market[std::string(role) + "s"]) {
      m.entries.push_back(EntryFromJson(e, role, funds));
    }
  }
  m.assignment = market["assignment"].get<std::string>();
  const int64_t reward = r["economics"]["reward"].get<int64_t>();
  const double service_time = market.value("service_time", 1.0);
  for (const json& j : market["jobs"]) {
    m.jobs.push_back({j["weight"].get<int64_t>(), j["steps"].get<int64_t>(),
                      j.contains("reward") ? j["reward"].get<int64_t>() : reward,
                      j.value("service_time", service_time)});
  }
  if (m.jobs.empty()) {
    m.jobs.push_back({1, r["job"]["steps"].get<int64_t>(), reward, service_time});
  }
  if (market.contains("arrival_rate")) {
    MarketArrivals a;
    a.rate = market["arrival_rate"].get<double>();
    a.service = market.value("service", std::string("fixed"));
    if (market.contains("max_wait")) a.max_wait = market["max_wait"].get<double>();
    m.arrivals = a;
  }
  return m;
}

namespace {

// The most participants a pool may generate: "participants"' own bound.
constexpr int64_t kMaxMarketParticipants = 1000;

// What the pool generates: the participants and the totals the later checks need.
struct MarketPool {
  json participants = json::array();
  std::vector<std::string> origins;  // the entry that generated each, e.g. "/market/verifiers/0"
  std::optional<int64_t> funds = 0;  // every participant's, nullopt past int64
  int64_t verifiers = 0;
};

// The checks of one pool entry `e` (its JSON `raw`, at path `at`).
void CheckEntry(const MarketEntry& e, const json& raw, const std::string& at,
                const json& economics, std::optional<json>* solver_profile,
                std::vector<ScenarioError>* errors) {
  const bool solver = e.role == "solver";
  const std::vector<std::string>& known = KnownBehaviours(e.role);
  auto is_known = [&](const std::string& b) {
    return std::find(known.begin(), known.end(), b) != known.end();
  };
  if (!is_known(e.behaviour)) {
    errors->push_back({at + "/behaviour", "unknown " + e.role + " behaviour '" + e.behaviour +
                                              "' (known: " + JoinNames(known) + ")"});
  }
  if (e.adapt) {
    if (!is_known(e.adapt->to)) {
      errors->push_back({at + "/adapt/to", "unknown " + e.role + " behaviour '" + e.adapt->to +
                                               "' (known: " + JoinNames(known) + ")"});
    } else if (e.adapt->to == e.behaviour) {
      errors->push_back({at + "/adapt/to", "'" + e.adapt->to +
                                               "' is the entry's own behaviour: an adaptive "
                                               "participant switches between two strategies"});
    }
  }
  if (e.whistleblower && solver) {
    errors->push_back({at + "/whistleblower", "only verifiers blow the whistle"});
  }
  const int64_t need = solver ? economics["solver_stake"].get<int64_t>()
                              : economics["verifier_stake"].get<int64_t>() +
                                    economics["challenge_stake"].get<int64_t>();
  if (e.funds < need) {
    errors->push_back({at + "/funds", std::to_string(e.funds) + " cannot cover " +
                                          (solver ? "solver_stake " : "verifier_stake + challenge_stake ") +
                                          std::to_string(need) +
                                          ": every participant of this entry would be out "
                                          "before the first task"});
  }
  if (!solver) return;
  if (!*solver_profile) {
    *solver_profile = raw["profile"];
  } else if (**solver_profile != raw["profile"]) {
    errors->push_back({at + "/profile",
                       "differs from the first solver entry's: the arbiter rules on a "
                       "disputed node in the solvers' profile, so all solvers share one"});
  }
}

// Checks every entry and generates its participants.
MarketPool GeneratePool(const json& r, const MarketSpec& spec, std::vector<ScenarioError>* errors) {
  MarketPool pool;
  std::map<std::string, std::string> generated_by;  // name -> path of its entry
  // Each name in lower case -> the name and its entry's path: names that
  // differ only in case share the run's files on a case-insensitive file
  // system (as the participants' own check says).
  std::map<std::string, std::pair<std::string, std::string>> folded_by;
  std::optional<json> solver_profile;
  size_t index_in_role[2] = {0, 0};
  for (const MarketEntry& e : spec.entries) {
    const bool solver = e.role == "solver";
    const json& raw = r["market"][solver ? "solvers" : "verifiers"][index_in_role[solver ? 0 : 1]];
    const std::string at = std::string("/market/") + (solver ? "solvers/" : "verifiers/") +
                           std::to_string(index_in_role[solver ? 0 : 1]++);
    CheckEntry(e, raw, at, r["economics"], &solver_profile, errors);
    if (!solver) pool.verifiers += e.count;
    pool.funds = CheckedAdd(pool.funds, CheckedMul(e.funds, e.count));
    for (const std::string& name : e.Names()) {
      if (Status safe = CheckParticipantName(name); !safe.ok()) {
        errors->push_back({at + "/name", "generates '" + name + "': " + safe.message()});
        break;
      }
      auto [it, inserted] = generated_by.emplace(name, at);
      if (!inserted) {
        errors->push_back({at + "/name", "generates '" + name + "', which " + it->second +
                                             " generates too"});
        break;
      }
      auto [same, fresh] =
          folded_by.emplace(FoldedParticipantName(name), std::make_pair(name, at));
      if (!fresh) {
        errors->push_back(
            {at + "/name", "generates '" + name + "', which differs from '" + same->second.first +
                               "' (generated by " + same->second.second +
                               ") only in case: on a case-insensitive file system both name "
                               "the same files of the run (work folder, key, log); rename one"});
        break;
      }
      pool.participants.push_back({{"name", name},
                                   {"role", e.role},
                                   {"behaviour", e.behaviour},
                                   {"params", e.params},
                                   {"profile", raw["profile"]}});
      pool.origins.push_back(at);
    }
  }
  return pool;
}

// The job mix: each variant is the scenario's job with other steps.
// Returns the largest reward of the stream.
int64_t CheckJobMix(const json& r, const MarketSpec& spec, std::vector<ScenarioError>* errors) {
  const json& protocol = r["protocol"];
  const int64_t k = protocol["checkpoint_interval"].get<int64_t>();
  const int64_t top_q = protocol["top_q"].get<int64_t>();
  const int64_t random_samples = protocol["random_samples"].get<int64_t>();
  int64_t max_reward = 0;
  for (size_t i = 0; i < spec.jobs.size(); ++i) {
    const MarketJob& j = spec.jobs[i];
    max_reward = std::max(max_reward, j.reward);
    if (r["market"]["jobs"].empty()) continue;  // the scenario's job, checked as such
    const std::string at = "/market/jobs/" + std::to_string(i) + "/steps";
    if (j.steps % k != 0) {
      errors->push_back({at, std::to_string(j.steps) + " is not a multiple of checkpoint_interval " +
                                 std::to_string(k)});
    } else if (auto too_many = TraceIntervalsError(j.steps, k)) {
      errors->push_back({at, *too_many});
    } else if (!SamplesFitIntervals(top_q, random_samples, j.steps / k)) {
      // The rule the arbiter applies to each posted task.
      errors->push_back({at, std::to_string(j.steps) + " steps make " + std::to_string(j.steps / k) +
                                 " intervals, fewer than top_q + random_samples = " +
                                 std::to_string(top_q) + " + " + std::to_string(random_samples) +
                                 ": the arbiter refuses a task that samples more intervals "
                                 "than it has"});
    }
  }
  return max_reward;
}

// Money: the genesis supply fits the ledger, and the submitter can pay
// every task whatever the market does: each task's escrow (its reward and
// the fees of its drawn verifiers) is spent when it settles — a reward comes
// back only when a cheat is caught and a fee only when its verifier posted
// nothing, so count them all paid.
void CheckMoney(const json& r, const MarketSpec& spec, const MarketPool& pool,
                int64_t max_reward, std::vector<ScenarioError>* errors) {
  const json& economics = r["economics"];
  const int64_t per_task = economics["verifiers_per_task"].get<int64_t>();
  const std::string kTooLarge = "more than the ledger can hold (2^63 - 1 token units)";
  const int64_t submitter = economics["submitter_funds"].get<int64_t>();
  const auto supply = CheckedAdd(CheckedAdd(pool.funds, submitter),
                                 economics["jackpot_initial"].get<int64_t>());
  if (!supply || *supply > TaskEconomics::kMaxAmount) {
    errors->push_back({"/market", "submitter_funds + every participant's funds + jackpot_initial is " +
                                      (supply ? std::to_string(*supply) + ", " : "") +
                                      "more than the largest token amount (2^53 - 1): a balance "
                                      "past it is not exact in JSON readers that hold numbers "
                                      "as doubles (jq, JavaScript)"});
  }
  int64_t most_steps = 0;
  for (const MarketJob& job : spec.jobs) most_steps = std::max(most_steps, job.steps);
  // A verifier's compute, and the market's security cost, which sums the
  // compute of every task's verifiers (its total passed 2^53 - 1 with one
  // party's within it).
  if (auto cost = ComputeCostError(r, most_steps, supply, std::max<int64_t>(1, per_task))) {
    errors->push_back(std::move(*cost));
  }
  const int64_t tasks = r["tasks"].get<int64_t>();
  const auto escrow =
      CheckedAdd(max_reward, CheckedMul(economics["verifier_fee"].get<int64_t>(),
                                        std::max<int64_t>(per_task, 0)));
  const auto needed = CheckedMul(tasks, escrow);
  if (!needed || *needed > submitter) {
    errors->push_back({"/economics/submitter_funds",
                       std::to_string(submitter) + " cannot fund " + std::to_string(tasks) +
                           " market tasks: each escrows up to " +
                           (escrow ? std::to_string(*escrow) : kTooLarge) +
                           " (its reward and its verifiers' fees), all of it paid out when "
                           "the task settles (" +
                           (needed ? std::to_string(*needed) : kTooLarge) + " needed)"});
  }
}

// The market clock's fields: finite and positive, and only with a rate.
void CheckArrivals(const json& r, std::vector<ScenarioError>* errors) {
  const json& market = r["market"];
  // Bounds that keep every time on the clock finite and its differences
  // distinct in a double, for any number of tasks a scenario may post:
  // outside them the clock overflows, or times collapse into one.
  constexpr double kClockMin = 1e-9, kClockMax = 1e9;
  auto finite = [&](const json& v, const std::string& at, bool zero_ok) {
    const double x = v.get<double>();
    if (!std::isfinite(x)) {
      errors->push_back({at, "must be a finite number of market time units"});
    } else if (x < 0 || (!zero_ok && x == 0)) {
      errors->push_back({at, v.dump() + " must be " + (zero_ok ? "0 or more" : "more than 0")});
    } else if ((x != 0 && x < kClockMin) || x > kClockMax) {
      errors->push_back({at, v.dump() + " is outside 1e-09 to 1e+09" +
                                 (zero_ok ? std::string(" (or 0)") : std::string()) +
                                 ": the market clock's times would overflow or collapse into "
                                 "one another; choose the time unit so that rates and times "
                                 "lie within it"});
    }
  };
  for (const char* f : {"arrival_rate", "service_time", "max_wait"}) {
    if (market.contains(f) && market[f].is_number()) {
      finite(market[f], std::string("/market/") + f, std::string(f) == "max_wait");
    }
  }
  const json& jobs = market["jobs"];
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].contains("service_time") && jobs[i]["service_time"].is_number()) {
      finite(jobs[i]["service_time"], "/market/jobs/" + std::to_string(i) + "/service_time",
             false);
    }
  }
  if (!market.contains("arrival_rate")) {
    for (const char* f : {"service", "service_time", "max_wait"}) {
      if (market.contains(f)) {
        errors->push_back({std::string("/market/") + f,
                           "has no meaning without market.arrival_rate: tasks then run one at "
                           "a time"});
      }
    }
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (jobs[i].contains("service_time")) {
        errors->push_back({"/market/jobs/" + std::to_string(i) + "/service_time",
                           "has no meaning without market.arrival_rate: tasks then run one at "
                           "a time"});
      }
    }
  }
}

}  // namespace

std::vector<ScenarioError> ExpandMarket(json* resolved, std::vector<std::string>* origins) {
  json& r = *resolved;
  if (!r.contains("market")) return {};
  std::vector<ScenarioError> errors;
  for (const char* field : {"crashes", "disk_faults"}) {
    if (r.contains(field) && !r[field].empty()) {
      errors.push_back({std::string("/") + field,
                        "not supported in a market scenario (its participants are generated "
                        "from the pool)"});
    }
  }
  const MarketSpec spec = MarketSpec::FromResolved(r);
  // Every participant of the pool is a role of the run (a process or a
  // thread), as in "participants", whose bound it shares: a pool of 10^5
  // could never run, and generating and checking it took minutes.
  int64_t total = 0;
  for (const MarketEntry& e : spec.entries) total += e.count;
  if (total > kMaxMarketParticipants) {
    errors.push_back({"/market", "the pool generates " + std::to_string(total) +
                                     " participants; at most " +
                                     std::to_string(kMaxMarketParticipants) +
                                     " (each is a role of the run, as in \"participants\")"});
    return errors;
  }
  MarketPool pool = GeneratePool(r, spec, &errors);
  // A document expanded before (a run's manifest) holds exactly these.
  if (r.contains("participants") && r["participants"] != pool.participants) {
    errors.push_back({"/participants",
                      "a market scenario generates its participants from market.solvers and "
                      "market.verifiers; leave \"participants\" out"});
  }
  const int64_t per_task = r["economics"]["verifiers_per_task"].get<int64_t>();
  if (per_task < 1) {
    errors.push_back({"/economics/verifiers_per_task",
                      "must be at least 1 in a market (0, \"all of them\", would have every "
                      "verifier of the pool check every task)"});
  } else if (per_task > pool.verifiers) {
    errors.push_back({"/economics/verifiers_per_task",
                      std::to_string(per_task) + " is more verifiers per task than the pool has (" +
                          std::to_string(pool.verifiers) + ")"});
  }
  const int64_t max_reward = CheckJobMix(r, spec, &errors);
  CheckMoney(r, spec, pool, max_reward, &errors);
  CheckArrivals(r, &errors);
  if (errors.empty()) {
    r["participants"] = std::move(pool.participants);
    if (origins != nullptr) *origins = std::move(pool.origins);
  }
  return errors;
}

}  // namespace veritrain
