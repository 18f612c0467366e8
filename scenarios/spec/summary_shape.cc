#include "scenarios/spec/summary_shape.h"

#include "scenarios/spec/market_spec.h"

#include <algorithm>
#include <set>

#include "scenarios/spec/closest_name.h"

namespace veritrain {
namespace {

using nlohmann::json;

// The shape of summary.json. Keep in step with runner/summary.cc,
// runner/money.cc and Run::WriteResults (a test checks real summaries
// against it), and with docs/scenarios.md.
constexpr const char* kShape = R"({
  "scenario": "string",
  "seed": "integer",
  "tasks": [{
    "task": "string", "outcome": "string", "reason": "string", "job": "string",
    "steps": "integer", "checkpoint_interval": "integer", "intervals": "integer",
    "mode": "string", "solver": "string", "reward": "integer",
    "verification": {"metrics": ["string"], "delta": {"*any": "number"},
                     "delta_source": "string", "reference": {"*any": "number"},
                     "hyperparameters": "string", "calibration": "open"},
    "verifiers": [{"name": "string", "accept": "boolean", "abstain": "boolean",
                   "disputed_interval": "integer",
                   "reason": "string", "steps_reexecuted": "integer", "intervals": ["open"]}],
    "availability_challenges": [{"challenger": "string", "index": "integer",
                                 "reason": "string", "state": "string",
                                 "failure": "string"}],
    "intervals_verified": "integer", "verifier_steps_reexecuted": "integer",
    "verifier_compute_ratio": "number",
    "trace_root": "string", "final_state_hash": "string", "num_checkpoints": "integer",
    "update_norms": ["number"], "test_accuracy": "number", "dataset_root": "string",
    "solver_behaviour": "string", "solver_trace_honest": "boolean", "checkpoint_bytes": "integer", "step_flops": "number",
    "solver_steps_computed": "integer", "solver_compute_ratio": "number",
    "verifier_over_solver_compute": "number", "attack": "open",
    "balances": {"*account": "integer"},
    "dispute": "open", "disputes": ["open"],
    "challenged": "boolean", "detected": "boolean", "false_positive": "boolean",
    "missed": "boolean", "escaped": "boolean", "max_distance": {"*any": "number"},
    "hyperparameter_mismatches": "integer",
    "economics": "open", "selected_verifiers": ["string"],
    "abstained": ["string"], "settlement": "open",
    "forced_error": "boolean", "forced_error_caught": "boolean",
    "forced_error_missed": "boolean", "jackpot": "integer", "transfers": "integer",
    "forced_round": {"trace_root": "string", "caught": ["string"], "lazy": ["string"],
                     "verifiers": ["open"]},
    "real_trace_root": "string",
    "compute_cost": {"*participant": "integer"}, "profit": {"*participant": "integer"},
    "timings": "open"
  }],
  "balances": {"*account": "integer"},
  "conservation": "boolean",
  "arbiter_shut_down": "boolean",
  "rejected_messages": {"*any": "integer"},
  "silent_participants": ["string"],
  "profit": {"*participant": "integer"},
  "jackpot": "integer",
  "burned": "integer",
  "supply": "integer",
  "forced_errors": {"raised": "integer", "caught": "integer", "missed": "integer",
                    "lazy_exposed": "integer", "fees_from_jackpot": "integer",
                    "fees_unpaid": "integer"},
  "lazy_exposed": {"*participant": "integer"},
  "slashed": {"*participant": "integer"},
  "outcomes": {"*any": "integer"},
  "refused_transfers": "integer",
  "ledger_audit": {"ok": "boolean", "entries": "integer", "supply": "integer",
                   "head": "string", "error": "string"},
  "rejected_messages_by_role": {"*participant": "open"},
  "network": {"faults_injected_by_role": {"*participant": "open"},
              "resends_by_role": {"*participant": "open"},
              "arbiter_silences_by_role": {"*participant": "open"}},
  "crashes": [{"participant": "string", "at": "string", "after": "integer",
               "restarted": "boolean", "run_seconds": "number"}],
  "curve_denials_by_role": {"*participant": "open"},
  "warnings": ["string"],
  "stopped_early": {"reason": "string", "tasks_planned": "integer"},
  "timings": {"wall_seconds": "number", "runner_peak_rss_bytes": "integer",
              "peak_rss_bytes": {"*participant": "integer"}},
  "market": {
    "assignment": "string",
    "tasks": {"posted": "integer", "unserved": "integer", "lost": "integer"},
    "clock": {"arrival_rate": "number", "service": "string", "arrived": "integer",
              "started": "integer", "lost": "integer", "unserved": "integer",
              "makespan": "number", "wait": {"mean": "number", "max": "number"},
              "queue": {"mean": "number", "max": "integer"},
              "in_flight": {"mean": "number", "max": "integer"},
              "utilisation": {"solver": "number", "verifier": "number"}},
    "initial": {"shares": {"solver": {"*any": "number"}, "verifier": {"*any": "number"}},
                "active": {"solver": "integer", "verifier": "integer"},
                "out": {"solver": "integer", "verifier": "integer"}},
    "final": {"shares": {"solver": {"*any": "number"}, "verifier": {"*any": "number"}},
              "active": {"solver": "integer", "verifier": "integer"},
              "out": {"solver": "integer", "verifier": "integer"}},
    "switches": "integer", "joins": "integer", "leaves": "integer", "exits": "integer",
    "forced_errors": {"raised": "integer", "caught": "integer", "missed": "integer"},
    "cheating": {"tasks": "integer", "caught": "integer", "missed": "integer"},
    "jackpot": {"initial": "integer", "final": "integer", "min": "integer",
                "short_payouts": "integer"},
    "security_cost": {"total": "integer", "per_task": "number", "fees": "integer",
                      "tax": "integer", "verifier_compute": "integer"},
    "participants": {"*participant": {"role": "string", "entry": "string", "strategy": "string",
                                      "active": "boolean", "out": "boolean", "balance": "integer",
                                      "profit": "integer", "plays": "integer",
                                      "switches": "integer", "joins": "integer",
                                      "leaves": "integer", "assigned": "integer",
                                      "paid": "integer"}}
  },
  "expectations": ["open"],
  "expectations_met": "boolean"
})";

std::vector<std::string> Tokens(const json::json_pointer& pointer) {
  std::vector<std::string> out;
  json::json_pointer p = pointer;
  while (!p.empty()) {
    out.push_back(p.back());
    p = p.parent_pointer();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

bool IsArrayIndex(const std::string& token) {
  return !token.empty() && token.size() <= 9 &&
         token.find_first_not_of("0123456789") == std::string::npos &&
         (token == "0" || token[0] != '0');
}

// What the scenario tells about the keys a summary can have.
struct Known {
  int64_t tasks = 1;
  int64_t verifiers = 0;
  std::set<std::string> participants;  // roles and parties with an account
};

bool IsAccount(const Known& k, const std::string& key) {
  if (k.participants.count(key) || key == "jackpot" || key == "burn") return true;
  for (const char* held : {"escrow/", "stake/", "challenge/"}) {
    if (key.rfind(held, 0) == 0) return true;
  }
  return false;
}

std::string Names(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// "" when `pointer` can exist in the summary; else why not.
std::string PathProblem(const std::string& text, const Known& known) {
  json::json_pointer pointer;
  try {
    pointer = json::json_pointer(text);
  } catch (const json::exception&) {
    return "";  // the scenario check reports invalid pointers
  }
  const std::vector<std::string> tokens = Tokens(pointer);
  const json* shape = &SummaryShape();
  std::string at;  // the path walked so far
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    const std::string here = at.empty() ? "summary.json" : at;
    if (shape->is_string()) {
      const std::string type = shape->get<std::string>();
      if (type == "open") return "";
      return here + " is a " + type + ", which has no field \"" + t + "\"";
    }
    if (shape->is_array()) {
      if (!IsArrayIndex(t)) return here + " is a list: \"" + t + "\" is not an index (0, 1, …)";
      const int64_t index = std::stoll(t);
      if (at == "/tasks" && index >= known.tasks) {
        return "task " + t + " does not exist: the scenario posts " +
               std::to_string(known.tasks) + " task(s), /tasks/0 to /tasks/" +
               std::to_string(known.tasks - 1);
      }
      if (at.size() > 9 && at.compare(at.size() - 10, 10, "/verifiers") == 0 &&
          index >= known.verifiers) {
        return "verifier " + t + " does not exist: the scenario has " +
               std::to_string(known.verifiers) + " verifier(s)";
      }
      shape = &(*shape)[0];
      at += "/" + t;
      continue;
    }
    // An object: fixed fields, or a map.
    if (shape->contains("*participant")) {
      if (!known.participants.count(t)) {
        return "\"" + t + "\" in " + here + " is not a participant of the scenario (" +
               Names(known.participants) + ")";
      }
      shape = &(*shape)["*participant"];
    } else if (shape->contains("*account")) {
      if (!IsAccount(known, t)) {
        return "\"" + t + "\" in " + here + " is not an account of the run (" +
               Names(known.participants) + ", jackpot, burn, escrow/…, stake/…)";
      }
      shape = &(*shape)["*account"];
    } else if (shape->contains("*any")) {
      shape = &(*shape)["*any"];
    } else if (shape->contains(t)) {
      shape = &(*shape)[t];
    } else {
      std::vector<std::string> fields;
      for (const auto& [name, unused] : shape->items()) fields.push_back(name);
      const std::string best = ClosestName(t, fields);
      std::string why = here + " has no field \"" + t + "\"";
      if (!best.empty()) why += "; did you mean \"" + best + "\"?";
      if (best.empty() || shape->size() <= 12) {
        std::set<std::string> names;
        for (const auto& [name, unused] : shape->items()) names.insert(name);
        why += " (fields: " + Names(names) + ")";
      }
      return why;
    }
    at += "/" + t;
  }
  return "";
}

}  // namespace

const json& SummaryShape() {
  static const json* shape = new json(json::parse(kShape));
  return *shape;
}

std::vector<ScenarioError> CheckExpectPaths(const json& resolved) {
  Known known;
  known.tasks = resolved.value("tasks", int64_t{1});
  known.participants = {"arbiter", "submitter"};
  for (const auto& p : resolved.value("participants", json::array())) {
    if (!p.is_object()) continue;
    known.participants.insert(p.value("name", std::string()));
    if (p.value("role", std::string()) == "verifier") ++known.verifiers;
  }
  // A market document not yet expanded: its participants from the pool.
  const json market = resolved.value("market", json::object());
  if (!resolved.contains("participants") && market.is_object()) {
    for (const char* role : {"solvers", "verifiers"}) {
      for (const auto& e : market.value(role, json::array())) {
        if (!e.is_object() || !e.value("count", json(1)).is_number_integer()) continue;
        MarketEntry entry;
        entry.name = e.value("name", std::string());
        entry.count = std::min<int64_t>(e.value("count", int64_t{1}), 1000);
        for (const std::string& n : entry.Names()) known.participants.insert(n);
        if (std::string(role) == "verifiers") known.verifiers += std::max<int64_t>(entry.count, 0);
      }
    }
  }
  std::vector<ScenarioError> errors;
  const json expect = resolved.value("expect", json::array());
  for (size_t i = 0; i < expect.size(); ++i) {
    if (!expect[i].is_object()) continue;
    for (const char* field : {"path", "greater_than", "less_than"}) {
      const json v = expect[i].value(field, json());
      if (!v.is_string()) continue;
      const std::string why = PathProblem(v.get<std::string>(), known);
      if (!why.empty()) {
        errors.push_back({"/expect/" + std::to_string(i) + "/" + field,
                          "\"" + v.get<std::string>() + "\" names nothing summary.json can "
                          "hold: " + why});
      }
    }
  }
  return errors;
}

}  // namespace veritrain
