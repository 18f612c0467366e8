#include "scenarios/spec/summary_shape.h"

#include "scenarios/spec/market_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "core/protocol/settlement.h"
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
    "task": "string", "outcome": "outcome", "reason": "string", "job": "string",
    "steps": "integer", "checkpoint_interval": "integer", "intervals": "integer",
    "mode": "mode", "solver": "participant", "reward": "integer",
    "verification": {"metrics": ["string"], "delta": {"*any": "number"},
                     "delta_source": "delta_source", "reference": {"*any": "number"},
                     "hyperparameters": "string", "calibration": {"*any": "open"}},
    "verifiers": [{"name": "participant", "accept": "boolean", "abstain": "boolean",
                   "disputed_interval": "integer", "further_intervals": ["integer"],
                   "reason": "string", "steps_reexecuted": "integer",
                   "intervals": [{"*any": "open"}]}],
    "availability_challenges": [{"challenger": "participant", "index": "integer",
                                 "reason": "string", "state": "availability",
                                 "failure": "string"}],
    "intervals_verified": "integer", "intervals_covered": "integer",
    "verifier_steps_reexecuted": "integer",
    "verifier_compute_ratio": "number",
    "trace_root": "string", "final_state_hash": "string", "num_checkpoints": "integer",
    "update_norms": ["number"], "test_accuracy": "number", "dataset_root": "string",
    "solver_behaviour": "solver_behaviour", "solver_trace_honest": "boolean", "checkpoint_bytes": "integer", "checkpoint_file_bytes": "integer", "step_flops": "number",
    "solver_steps_computed": "integer", "solver_compute_ratio": "number",
    "verifier_over_solver_compute": "number", "attack": {"*any": "open"},
    "balances": {"*account": "integer"},
    "dispute": {"challenger": "participant", "game": "integer", "interval": "integer",
                "first_step": "integer", "interval_steps": "integer", "arity": "integer",
                "graph_nodes": "integer", "rounds": "integer", "rounds_phase1": "integer",
                "rounds_phase2": "integer", "expected_rounds": "integer", "winner": "side",
                "reason": "string", "trace": [{"*any": "open"}],
                "bytes": {"*participant": "integer"}, "rejected_moves": {"*any": "open"},
                "step": "integer", "node_index": "integer", "node": "game_node",
                "arbiter": {"*any": "open"}, "notes": [{"*any": "open"}],
                "initial_state_ruling": "boolean", "upheld": "boolean", "committed": "string",
                "initial_state": {"*any": "open"}},
    "disputes": "*dispute",
    "challenged": "boolean", "detected": "boolean", "false_positive": "boolean",
    "missed": "boolean", "escaped": "boolean", "diverged": "boolean", "max_distance": {"*any": "number"},
    "hyperparameter_mismatches": "integer",
    "economics": {"*any": "open"}, "selected_verifiers": ["participant"],
    "abstained": ["participant"],
    "settlement": {"outcome": "outcome", "forced_error": "boolean",
                   "slashed": [{"owner": "participant", "why": "slash_reason",
                                "winner": "slash_winner",
                                "amount": "integer", "to_winner": "integer",
                                "to_jackpot": "integer", "burned": "integer"}],
                   "lazy": ["participant"], "caught": ["participant"],
                   "silent": ["participant"], "abstained": ["participant"], "tax": "integer",
                   "whistleblower_paid": "integer", "fees_from_jackpot": "integer",
                   "fees_unpaid": "integer",
                   "forced_round": {"trace_root": "string", "selected": ["participant"],
                                    "slashed": [{"owner": "participant", "why": "slash_reason",
                                                 "winner": "slash_winner", "amount": "integer",
                                                 "to_winner": "integer", "to_jackpot": "integer",
                                                 "burned": "integer"}],
                                    "lazy": ["participant"], "caught": ["participant"],
                                    "silent": ["participant"], "abstained": ["participant"],
                                    "tax": "integer", "whistleblower_paid": "integer",
                                    "fees_from_jackpot": "integer", "fees_unpaid": "integer"}},
    "forced_error": "boolean", "forced_error_caught": "boolean",
    "forced_error_missed": "boolean", "forced_error_unjudged": "boolean", "jackpot": "integer", "transfers": "integer",
    "stakes_refused": {"*participant": "integer"},
    "forced_round": {"trace_root": "string", "caught": ["participant"], "lazy": ["participant"],
                     "verifiers": [{"*any": "open"}]},
    "real_trace_root": "string",
    "compute_cost": {"*participant": "integer"}, "profit": {"*participant": "integer"},
    "timings": {"*any": "open"}
  }],
  "balances": {"*account": "integer"},
  "conservation": "boolean",
  "arbiter_shut_down": "boolean",
  "rejected_messages": {"*any": "integer"},
  "silent_participants": ["participant"],
  "profit": {"*participant": "integer"},
  "jackpot": "integer",
  "jackpot_change": "integer",
  "burned": "integer",
  "supply": "integer",
  "forced_errors": {"raised": "integer", "caught": "integer", "missed": "integer",
                    "unjudged": "integer",
                    "lazy_exposed": "integer", "fees_from_jackpot": "integer",
                    "fees_unpaid": "integer"},
  "lazy_exposed": {"*participant": "integer"},
  "slashed": {"*participant": "integer"},
  "outcomes": {"*outcome": "integer"},
  "refused_transfers": "integer",
  "ledger_audit": {"ok": "boolean", "entries": "integer", "supply": "integer",
                   "head": "string", "error": "string"},
  "rejected_messages_by_role": {"*participant": "open"},
  "network": {"faults_injected_by_role": {"*participant": "open"},
              "resends_by_role": {"*participant": "open"},
              "arbiter_silences_by_role": {"*participant": "open"}},
  "crashes": [{"participant": "participant", "at": "string", "after": "integer",
               "restarted": "boolean", "run_seconds": "number"}],
  "curve_denials_by_role": {"*participant": "open"},
  "warnings": ["string"],
  "stopped_early": {"reason": "string", "tasks_planned": "integer"},
  "timings": {"wall_seconds": "number", "runner_peak_rss_bytes": "integer",
              "runner_rss_after_setup_bytes": "integer",
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
    "forced_errors": {"raised": "integer", "caught": "integer", "missed": "integer",
                      "unjudged": "integer"},
    "cheating": {"tasks": "integer", "caught": "integer", "missed": "integer"},
    "jackpot": {"initial": "integer", "final": "integer", "min": "integer",
                "short_payouts": "integer"},
    "security_cost": {"total": "integer", "per_task": "number", "fees": "integer",
                      "tax": "integer", "verifier_compute": "integer"},
    "participants": {"*participant": {"role": "string", "entry": "string", "strategy": "strategy",
                                      "active": "boolean", "out": "boolean", "balance": "integer",
                                      "profit": "integer", "plays": "integer",
                                      "switches": "integer", "joins": "integer",
                                      "leaves": "integer", "assigned": "integer",
                                      "paid": "integer"}}
  },
  "expectations": [{"*any": "open"}],
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
  // Every behaviour a solver of the scenario can train with (a switching
  // solver's strategies, a market entry's adapted one); empty when the
  // scenario names one it cannot tell (then any name is accepted).
  std::set<std::string> solver_behaviours;
  // Every strategy a market entry can play (its behaviour, and the one it
  // adapts to); empty outside a market, or when one cannot be told.
  std::set<std::string> strategies;
  // The nodes of the job's challenge game (the step graph's and
  // state.assemble), which a dispute can end on; empty when the caller
  // has not built the job (then any name is accepted).
  std::set<std::string> game_nodes;
  // Whether the run can be a market (summary.json's "market"), and
  // whether its tasks can have tolerance thresholds (verification/delta is
  // {} in exact mode).
  bool market = true;
  bool thresholds = true;
  // Whether a task can have a forced error: economics.forced_error_rate
  // above 0, or swept (each point is checked with its own rate).
  bool forced_errors = true;
  // Whether a sweep sets the number of tasks (each point is checked with
  // its own).
  bool tasks_swept = false;
  // A task's intervals (update_norms has one norm each) and the verifiers
  // selected for it; -1 when a market or a sweep can change them.
  int64_t intervals = -1;
  int64_t selected = -1;
};

// What follows "/tasks/<i>" in `at` (a path walked so far): "" for the
// task itself, "/settlement" below it; nullopt outside a task.
std::optional<std::string> BelowTask(const std::string& at) {
  if (at.rfind("/tasks/", 0) != 0) return std::nullopt;
  const size_t slash = at.find('/', 7);
  return slash == std::string::npos ? std::string() : at.substr(slash);
}

// Whether `at` is "/tasks/<i>/<field>".
bool IsTaskField(const std::string& at, const std::string& field) {
  return BelowTask(at) == "/" + field;
}

// Fields of a task that only a forced error writes.
bool OnlyForcedErrorsWrite(const std::string& at, const std::string& field) {
  const std::optional<std::string> below = BelowTask(at);
  return (below == "" && (field == "forced_round" || field == "real_trace_root")) ||
         (below == "/settlement" && field == "forced_round");
}

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

// The values of a scalar type that has a fixed set of them in a scenario
// ("outcome", "mode", "availability", "side", "participant",
// "solver_behaviour"); empty for the other types, and for one the scenario
// does not fix.
std::vector<std::string> EnumValues(const std::string& type, const Known& known) {
  if (type == "outcome") {
    std::vector<std::string> names;
    for (SettlementOutcome o : kSettlementOutcomes) names.push_back(SettlementOutcomeName(o));
    names.push_back("unsettled");  // a task the run ended before it settled
    return names;
  }
  if (type == "mode") return {"exact", "tolerance"};
  if (type == "delta_source") return {"fixed", "calibrated"};
  if (type == "strategy") return {known.strategies.begin(), known.strategies.end()};
  if (type == "availability") return {"open", "delivered", "failed"};
  // A game's winner, by side (PartyName); "nobody" for a game undecided.
  if (type == "side") return {"solver", "challenger", "nobody"};
  if (type == "participant") return {known.participants.begin(), known.participants.end()};
  // Why a stake was slashed (core/protocol/settlement.h), and who was paid
  // its winner share: a participant, or "" when none was (the jackpot).
  if (type == "slash_reason") return {std::begin(kSlashReasons), std::end(kSlashReasons)};
  if (type == "slash_winner") {
    std::vector<std::string> names{""};
    names.insert(names.end(), known.participants.begin(), known.participants.end());
    return names;
  }
  if (type == "solver_behaviour") {
    return {known.solver_behaviours.begin(), known.solver_behaviours.end()};
  }
  if (type == "game_node") return {known.game_nodes.begin(), known.game_nodes.end()};
  return {};
}

// Whether `type` is a string type with named values (EnumValues).
bool IsNamedType(const std::string& type) {
  return type == "outcome" || type == "mode" || type == "availability" || type == "side" ||
         type == "participant" || type == "solver_behaviour" || type == "delta_source" ||
         type == "strategy" || type == "slash_reason" || type == "slash_winner" ||
         type == "game_node";
}

// What a value of the named type is called in an error.
std::string NamedTypeNoun(const std::string& type) {
  if (type == "side") return "a side of a game";
  if (type == "participant") return "a participant of the scenario";
  if (type == "solver_behaviour") return "a behaviour of the scenario's solvers";
  if (type == "delta_source") return "where a δ comes from";
  if (type == "strategy") return "a strategy of the market's entries";
  if (type == "slash_reason") return "a reason for a slash";
  if (type == "slash_winner") return "a participant of the scenario, or \"\" (no winner)";
  if (type == "game_node") return "a node of the job's challenge game";
  return (type == "outcome" ? "an " : "a ") + type;
}

std::string Quoted(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out;
}

// A value the enumerated type `type` does not have: why, with the closest
// name; "" when it has it (or the scenario does not fix the type's values).
std::string EnumProblem(const std::string& type, const std::string& value, const Known& known) {
  const std::vector<std::string> names = EnumValues(type, known);
  if (names.empty() || std::find(names.begin(), names.end(), value) != names.end()) return "";
  std::string why = "\"" + value + "\" is not " + NamedTypeNoun(type);
  const std::string best = ClosestName(value, names);
  if (!best.empty()) why += "; did you mean \"" + best + "\"?";
  if (type == "side" && known.participants.count(value)) {
    why += "; a game is won by a side, not by a participant";
  }
  if (names.size() > 12) return why;
  return why + " (" + (type == "side" ? "sides" : type == "participant" ? "participants"
                       : type == "solver_behaviour" ? "behaviours"
                       : type == "delta_source" ? "values"
                       : type == "strategy" ? "strategies"
                       : type == "slash_reason" ? "reasons"
                       : type == "slash_winner" ? "winners"
                       : type == "game_node" ? "nodes" : type + "s") +
         ": " + Quoted(names) + ")";
}

// Whether `value` is a value of the scalar type `type` ("integer",
// "number", "boolean", or a string type). A number that is not finite is
// written as "nan", "inf" or "-inf"; with `exact_integer`, an integer must
// be written as one (not 100.0).
bool ScalarFits(const std::string& type, const json& value, bool exact_integer) {
  if (type == "integer") {
    if (exact_integer) return value.is_number_integer() || value.is_number_unsigned();
    // Numerically: 100.0 is 100, but 1.5 is no integer's value.
    return value.is_number() && (!value.is_number_float() ||
                                 std::floor(value.get<double>()) == value.get<double>());
  }
  if (type == "number") {
    return value.is_number() || value == "nan" || value == "inf" || value == "-inf";
  }
  if (type == "boolean") return value.is_boolean();
  return value.is_string();
}

// What a value of `shape` is called in an error: "a string", "a list", …
std::string KindOf(const json& shape) {
  if (shape.is_array()) return "a list";
  if (shape.is_object()) return "an object";
  const std::string type = shape.get<std::string>();
  if (IsNamedType(type)) return "a string (" + type + ")";
  return (type == "integer" ? "an " : "a ") + type;
}

// Walks `text` through the shape. Returns the shape at its end, or null
// with *problem set when no summary of the scenario can hold the path; an
// invalid pointer (reported by the scenario check) or one into an "open"
// object returns the "open" shape.
const json* ResolvePath(const std::string& text, const Known& known, std::string* problem) {
  static const json* open = new json("open");
  json::json_pointer pointer;
  try {
    pointer = json::json_pointer(text);
  } catch (const json::exception&) {
    return open;  // the scenario check reports invalid pointers
  }
  const std::vector<std::string> tokens = Tokens(pointer);
  const json* shape = &SummaryShape();
  std::string at;  // the path walked so far
  auto fail = [&](const std::string& why) -> const json* {
    *problem = why;
    return nullptr;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    const std::string here = at.empty() ? "summary.json" : at;
    if (shape->is_string()) {
      if (shape->get<std::string>() == "open") return open;
      return fail(here + " is " + KindOf(*shape) + ", which has no field \"" + t + "\"");
    }
    if (shape->is_array()) {
      if (!IsArrayIndex(t)) return fail(here + " is a list: \"" + t + "\" is not an index (0, 1, …)");
      const int64_t index = std::stoll(t);
      if (at == "/tasks" && index >= known.tasks && !known.tasks_swept) {
        return fail("task " + t + " does not exist: the scenario posts " +
                    std::to_string(known.tasks) + " task(s), /tasks/0 to /tasks/" +
                    std::to_string(known.tasks - 1));
      }
      if (at.size() > 9 && at.compare(at.size() - 10, 10, "/verifiers") == 0 &&
          index >= known.verifiers) {
        return fail("verifier " + t + " does not exist: the scenario has " +
                    std::to_string(known.verifiers) + " verifier(s)");
      }
      if (IsTaskField(at, "update_norms") && known.intervals >= 0 && index >= known.intervals) {
        return fail("update norm " + t + " does not exist: a task has " +
                    std::to_string(known.intervals) + " interval(s), one norm each");
      }
      if (IsTaskField(at, "selected_verifiers") && known.selected >= 0 &&
          index >= known.selected) {
        return fail("selected verifier " + t + " does not exist: " +
                    std::to_string(known.selected) + " verifier(s) are selected for a task");
      }
      shape = &(*shape)[0];
      at += "/" + t;
      continue;
    }
    // An object: fixed fields, or a map.
    if (shape->contains("*participant")) {
      if (!known.participants.count(t)) {
        return fail("\"" + t + "\" in " + here + " is not a participant of the scenario (" +
                    Names(known.participants) + ")");
      }
      shape = &(*shape)["*participant"];
    } else if (shape->contains("*account")) {
      if (!IsAccount(known, t)) {
        return fail("\"" + t + "\" in " + here + " is not an account of the run (" +
                    Names(known.participants) + ", jackpot, burn, escrow/…, stake/…)");
      }
      shape = &(*shape)["*account"];
    } else if (shape->contains("*outcome")) {
      const std::string why = EnumProblem("outcome", t, known);
      if (!why.empty()) return fail("in " + here + ", " + why);
      shape = &(*shape)["*outcome"];
    } else if (shape->contains("*any")) {
      if (!known.thresholds && BelowTask(at) == "/verification/delta") {
        return fail("the scenario is in exact mode, which compares hashes: verification/delta "
                    "is {} and has no \"" + t + "\"");
      }
      const std::string below = BelowTask(at).value_or("");
      const bool ruling = below == "/dispute/arbiter" ||
                          (below.rfind("/disputes/", 0) == 0 && below.size() > 8 &&
                           below.compare(below.size() - 8, 8, "/arbiter") == 0);
      if (!known.thresholds && ruling && (t == "deviation" || t == "tolerance")) {
        return fail("the scenario is in exact mode, whose ruling compares hashes: the "
                    "arbiter's ruling reports no \"" + t + "\"");
      }
      shape = &(*shape)["*any"];
    } else if (shape->contains(t)) {
      if (!known.forced_errors && OnlyForcedErrorsWrite(at, t)) {
        return fail(t + " is written only for a forced error, and no task of the scenario can "
                    "have one: economics.forced_error_rate is 0");
      }
      if (!known.market && at.empty() && t == "market") {
        return fail("market is written only for a market scenario, and this one has no "
                    "\"market\" block");
      }
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
      return fail(why);
    }
    at += "/" + t;
  }
  return shape;
}

// Why `value` can never be the value `shape` describes (an "equals" or
// "not_equals" that is always false or always true); "" when it can be.
// null only where a summary writes it, for a figure not known (a number:
// a ratio over nothing) or in an "open" field; a number can be "nan",
// "inf" or "-inf". A list or an object is checked element by element and
// field by field: ["Verifier-1"] can never be a list of the scenario's
// participants.
std::string ValueProblem(const json& shape, const json& value, const Known& known) {
  if (shape.is_string() && shape.get<std::string>() == "open") return "";
  if (value.is_null()) {
    if (shape.is_string() && shape.get<std::string>() == "number") return "";
    return "the value there is " + KindOf(shape) + ", never null";
  }
  bool fits = false;
  if (shape.is_array()) {
    fits = value.is_array();
    for (size_t i = 0; fits && i < value.size(); ++i) {
      const std::string why = ValueProblem(shape[0], value[i], known);
      if (!why.empty()) return "its element " + std::to_string(i) + " can never be " +
                               value[i].dump() + ": " + why;
    }
  } else if (shape.is_object()) {
    fits = value.is_object();
    for (auto it = fits ? value.begin() : value.end(); it != value.end(); ++it) {
      const std::string& key = it.key();
      const json* sub = nullptr;
      std::string why;
      if (shape.contains("*participant")) {
        if (!known.participants.count(key)) why = EnumProblem("participant", key, known);
        sub = &shape["*participant"];
      } else if (shape.contains("*account")) {
        if (!IsAccount(known, key)) why = "\"" + key + "\" is not an account of the run";
        sub = &shape["*account"];
      } else if (shape.contains("*outcome")) {
        why = EnumProblem("outcome", key, known);
        sub = &shape["*outcome"];
      } else if (shape.contains("*any")) {
        sub = &shape["*any"];
      } else if (shape.contains(key)) {
        sub = &shape[key];
      } else {
        why = "it has no field \"" + key + "\"";
      }
      if (why.empty()) why = ValueProblem(*sub, *it, known);
      if (!why.empty()) return "its field \"" + key + "\": " + why;
    }
  } else {
    const std::string type = shape.get<std::string>();
    // An expectation compares numbers numerically: 100.0 equals 100.
    fits = ScalarFits(type, value, /*exact_integer=*/false);
    if (fits && value.is_string() && IsNamedType(type)) {
      return EnumProblem(type, value.get<std::string>(), known);
    }
  }
  if (fits) return "";
  return "the value there is " + KindOf(shape) + ", never " + value.dump();
}

// Whether a value of `shape` can be compared as a number.
bool NumericShape(const json& shape) {
  if (!shape.is_string()) return false;
  const std::string type = shape.get<std::string>();
  return type == "integer" || type == "number" || type == "open";
}

}  // namespace

const json& SummaryShape() {
  static const json* shape = [] {
    json* s = new json(json::parse(kShape));
    // Every game played has the shape of the deciding one.
    json& task = (*s)["tasks"][0];
    task["disputes"] = json::array();
    task["disputes"].push_back(task["dispute"]);
    return s;
  }();
  return *shape;
}

namespace {

// What `value` is, in an error: "a number", "an object", …
std::string ValueKind(const json& value) {
  switch (value.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "a list";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "null";
  }
}

void WalkShape(const json& shape, const json& value, const std::string& at,
               std::vector<std::string>* out, size_t limit) {
  if (out->size() >= limit || value.is_null()) return;
  const std::string here = at.empty() ? "/" : at;
  if (shape.is_string()) {
    const std::string type = shape.get<std::string>();
    if (type == "open") return;
    if (!ScalarFits(type, value, /*exact_integer=*/true)) out->push_back(here + ": " + ValueKind(value) + ", where summary.json has " + KindOf(shape));
    return;
  }
  if (shape.is_array()) {
    if (!value.is_array()) {
      out->push_back(here + ": " + ValueKind(value) + ", where summary.json has a list");
      return;
    }
    for (size_t i = 0; i < value.size(); ++i) {
      WalkShape(shape[0], value[i], at + "/" + std::to_string(i), out, limit);
    }
    return;
  }
  if (!value.is_object()) {
    out->push_back(here + ": " + ValueKind(value) + ", where summary.json has an object");
    return;
  }
  const json* any = nullptr;
  for (const char* wildcard : {"*participant", "*account", "*outcome", "*any"}) {
    if (shape.contains(wildcard)) any = &shape[wildcard];
  }
  for (const auto& [key, v] : value.items()) {
    const json* sub = any != nullptr ? any : (shape.contains(key) ? &shape[key] : nullptr);
    if (sub != nullptr) {
      WalkShape(*sub, v, (json::json_pointer(at) / key).to_string(), out, limit);
    }
  }
}

}  // namespace

std::vector<std::string> SummaryShapeMismatches(const json& summary, size_t limit) {
  std::vector<std::string> out;
  WalkShape(SummaryShape(), summary, "", &out, limit);
  return out;
}

namespace {

// Adds the behaviours a solver set up with `behaviour` and `params` trains
// with to *out: the behaviour, or a switching solver's strategies. False
// when they cannot be told (a switching solver without its strategies).
bool AddSolverBehaviours(const json& behaviour, const json& params, std::set<std::string>* out) {
  const std::string name = behaviour.is_string() ? behaviour.get<std::string>() : "honest";
  if (name != "switching") {
    out->insert(name);
    return true;
  }
  if (!params.is_object() || !params.contains("strategies") ||
      !params["strategies"].is_object()) {
    return false;
  }
  for (const auto& [strategy, unused] : params["strategies"].items()) out->insert(strategy);
  return true;
}

// Every behaviour the solvers of `resolved` can train with (participants
// and market entries, with an entry's adapted behaviour); empty when one
// cannot be told.
std::set<std::string> SolverBehavioursOf(const json& resolved) {
  std::set<std::string> out;
  for (const auto& p : resolved.value("participants", json::array())) {
    if (!p.is_object() || p.value("role", std::string()) != "solver") continue;
    if (!AddSolverBehaviours(p.value("behaviour", json()), p.value("params", json::object()),
                             &out)) {
      return {};
    }
  }
  const json market = resolved.value("market", json::object());
  if (market.is_object()) {
    for (const auto& e : market.value("solvers", json::array())) {
      if (!e.is_object()) continue;
      if (!AddSolverBehaviours(e.value("behaviour", json()), e.value("params", json::object()),
                               &out)) {
        return {};
      }
      const json adapt = e.value("adapt", json::object());
      if (adapt.is_object() && adapt.contains("to") &&
          !AddSolverBehaviours(adapt["to"], adapt.value("params", json::object()), &out)) {
        return {};
      }
    }
  }
  return out;
}

// Every strategy the market's entries can play: each entry's behaviour
// ("honest" when it names none) and the one it adapts to; empty outside a
// market or when an entry names one in a form that cannot be told.
std::set<std::string> MarketStrategiesOf(const json& resolved) {
  const json market = resolved.value("market", json::object());
  if (!market.is_object() || market.empty()) return {};
  std::set<std::string> out;
  for (const char* role : {"solvers", "verifiers"}) {
    for (const auto& e : market.value(role, json::array())) {
      if (!e.is_object()) continue;
      const json behaviour = e.value("behaviour", json("honest"));
      if (!behaviour.is_string()) return {};
      out.insert(behaviour.get<std::string>());
      const json adapt = e.value("adapt", json::object());
      if (!adapt.is_object() || !adapt.contains("to")) continue;
      if (!adapt["to"].is_string()) return {};
      out.insert(adapt["to"].get<std::string>());
    }
  }
  return out;
}

// Whether sweeping `swept` can change the scenario's field at `field`
// (both JSON pointers): it is the field or an object holding it.
bool SweepChanges(const std::set<std::string>& swept, const std::string& field) {
  for (const std::string& p : swept) {
    if (field == p || field.rfind(p + "/", 0) == 0) return true;
  }
  return false;
}

// The value summary.json has at `path` in every run of the scenario, and
// the scenario field that fixes it: a task's mode, job, steps, interval,
// and where its δ comes from; the scenario's name. Null when the path is
// not such a field, or a market or a sweep can change it.
std::pair<json, std::string> FixedValue(const std::string& path, const json& resolved,
                                        const std::set<std::string>& swept) {
  std::vector<std::string> t;
  try {
    t = Tokens(json::json_pointer(path));
  } catch (const json::exception&) {
    return {};
  }
  if (t == std::vector<std::string>{"scenario"}) return {resolved.value("name", json()), "name"};
  if (t.size() < 3 || t[0] != "tasks" || !IsArrayIndex(t[1]) ||
      resolved.contains("market")) {
    return {};
  }
  const json protocol = resolved.value("protocol", json::object());
  const json job = resolved.value("job", json::object());
  std::string field;
  std::string by;  // how the scenario fixes it, when not `field` itself
  json value;
  if (t.size() == 3 && t[2] == "mode") {
    field = "/protocol/mode", value = protocol.value("mode", json());
  } else if (t.size() == 3 && t[2] == "job") {
    field = "/job/name", value = job.value("name", json());
  } else if (t.size() == 3 && t[2] == "steps") {
    field = "/job/steps", value = job.value("steps", json());
  } else if (t.size() == 3 && t[2] == "checkpoint_interval") {
    field = "/protocol/checkpoint_interval", value = protocol.value("checkpoint_interval", json());
  } else if (t.size() == 3 && t[2] == "task") {
    // Tasks are numbered in posting order: task-0001, task-0002, …
    char id[32];
    std::snprintf(id, sizeof(id), "task-%04lld", std::stoll(t[1]) + 1);
    field = "/tasks", value = id, by = "tasks are numbered task-0001, task-0002, … as posted";
  } else if (t.size() == 3 && t[2] == "reward") {
    field = "/economics/reward", value = resolved.value("economics", json::object()).value(
                                     "reward", json());
  } else if (t.size() == 3 && (t[2] == "intervals" || t[2] == "num_checkpoints")) {
    const json steps = job.value("steps", json());
    const json k = protocol.value("checkpoint_interval", json());
    if (!steps.is_number_integer() || !k.is_number_integer() || k.get<int64_t>() <= 0 ||
        SweepChanges(swept, "/job/steps")) {
      return {};
    }
    field = "/protocol/checkpoint_interval";
    const int64_t intervals = steps.get<int64_t>() / k.get<int64_t>();
    value = t[2] == "intervals" ? intervals : intervals + 1;
    by = std::string("job.steps / protocol.checkpoint_interval") +
         (t[2] == "intervals" ? "" : " + 1");
  } else if (t.size() == 4 && t[2] == "economics" &&
             (t[3] == "verifier_fee" || t[3] == "solver_stake" || t[3] == "verifier_stake" ||
              t[3] == "challenge_stake")) {
    field = "/economics/" + t[3];
    value = resolved.value("economics", json::object()).value(t[3], json());
  } else if (t.size() == 4 && t[2] == "verification" && t[3] == "delta_source") {
    field = "/protocol/calibration";
    value = protocol.contains("calibration") && protocol["calibration"].is_object()
                ? "calibrated" : "fixed";
  } else {
    return {};
  }
  if (value.is_null() || SweepChanges(swept, field)) return {};
  if (!by.empty()) return {value, by};
  std::string dotted = field.substr(1);
  std::replace(dotted.begin(), dotted.end(), '/', '.');
  return {value, dotted};
}

}  // namespace

std::vector<ScenarioError> CheckExpectPaths(const json& resolved,
                                            const std::vector<std::string>& game_nodes) {
  Known known;
  known.game_nodes.insert(game_nodes.begin(), game_nodes.end());
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
  // A sweep's points are checked each with its own values; the base is
  // not refused for what a point sets.
  std::set<std::string> swept;
  const json sweep = resolved.value("sweep", json::object());
  if (sweep.is_object()) {
    for (const auto& p : sweep.value("parameters", json::array())) {
      if (!p.is_object() || !p.value("path", json()).is_string()) continue;
      std::string path = p["path"].get<std::string>();
      if (path.rfind('/', 0) != 0) {  // dotted: "economics.forced_error_rate"
        std::replace(path.begin(), path.end(), '.', '/');
        path = "/" + path;
      }
      swept.insert(path);
    }
  }
  known.tasks_swept = swept.count("/tasks") > 0;
  known.market = resolved.contains("market");
  const json mode = resolved.value("protocol", json::object()).value("mode", json("exact"));
  known.thresholds = mode != "exact" || SweepChanges(swept, "/protocol/mode");
  const json economics = resolved.value("economics", json::object());
  const json rate = economics.is_object() ? economics.value("forced_error_rate", json(0))
                                          : json(0);
  known.forced_errors = !rate.is_number() || rate.get<double>() > 0 ||
                        swept.count("/economics/forced_error_rate") > 0 ||
                        swept.count("/economics") > 0;
  const json protocol = resolved.value("protocol", json::object());
  const json job = resolved.value("job", json::object());
  if (!resolved.contains("market") && job.is_object() && protocol.is_object() &&
      job.value("steps", json()).is_number_integer() &&
      protocol.value("checkpoint_interval", json()).is_number_integer() &&
      !SweepChanges(swept, "/job/steps") && !SweepChanges(swept, "/protocol/checkpoint_interval")) {
    const int64_t k = protocol["checkpoint_interval"].get<int64_t>();
    if (k > 0) known.intervals = job["steps"].get<int64_t>() / k;
  }
  const json per_task = economics.is_object() ? economics.value("verifiers_per_task", json(0))
                                              : json(0);
  if (!resolved.contains("market") && per_task.is_number_integer() &&
      !SweepChanges(swept, "/economics/verifiers_per_task") && !SweepChanges(swept, "/participants")) {
    const int64_t n = per_task.get<int64_t>();
    known.selected = n > 0 ? std::min(n, known.verifiers) : known.verifiers;
  }
  known.solver_behaviours = SolverBehavioursOf(resolved);
  known.strategies = MarketStrategiesOf(resolved);
  std::vector<ScenarioError> errors;
  const json expect = resolved.value("expect", json::array());
  for (size_t i = 0; i < expect.size(); ++i) {
    if (!expect[i].is_object()) continue;
    const std::string at = "/expect/" + std::to_string(i);
    const json* path_shape = nullptr;
    for (const char* field : {"path", "greater_than", "less_than"}) {
      const json v = expect[i].value(field, json());
      if (!v.is_string()) continue;
      std::string why;
      const std::string text = v.get<std::string>();
      for (const char* late : {"/expectations_met", "/expectations"}) {
        const std::string prefix(late);
        if (text == prefix || text.rfind(prefix + "/", 0) == 0) {
          why = prefix.substr(1) + " is written after the expectations are evaluated: no "
                "expectation can read it";
          break;
        }
      }
      const json* shape = why.empty() ? ResolvePath(text, known, &why) : nullptr;
      if (shape == nullptr) {
        errors.push_back({at + "/" + field, "\"" + v.get<std::string>() +
                                                "\" names nothing summary.json can hold: " + why});
        continue;
      }
      if (std::string(field) == "path") path_shape = shape;
      // A figure against itself: greater_than never holds, nor less_than.
      if (std::string(field) != "path" && expect[i].value("path", json()) == v) {
        errors.push_back({at + "/" + field, "\"" + text + "\" is the expectation's own path: "
                                                "a figure is never " +
                                                (std::string(field) == "greater_than"
                                                     ? "greater"
                                                     : "less") +
                                                " than itself"});
        continue;
      }
      // One figure compared against another: both must be numbers.
      if (std::string(field) != "path" && !NumericShape(*shape)) {
        errors.push_back({at + "/" + field, "\"" + v.get<std::string>() + "\" is " +
                                                KindOf(*shape) +
                                                ", which cannot be compared as a number"});
      }
    }
    if (path_shape == nullptr) continue;
    const std::string path = expect[i].value("path", std::string());
    // A comparison whose value the path can never hold is always false
    // (equals) or always true (not_equals): a typo that passes silently.
    for (const char* field : {"equals", "not_equals"}) {
      if (!expect[i].contains(field)) continue;
      // "not_equals": null says the field is there (a missing one fails).
      if (std::string(field) == "not_equals" && expect[i][field].is_null()) continue;
      const std::string why = ValueProblem(*path_shape, expect[i][field], known);
      if (!why.empty()) {
        errors.push_back({at + "/" + field, "\"" + path + "\" can never be " +
                                                expect[i][field].dump() + ": " + why});
        continue;
      }
      // A dispute's node_index is the index of a node of the job's game.
      const json& v = expect[i][field];
      const size_t n = known.game_nodes.size();
      if (n > 0 && path.size() > 11 && path.compare(path.size() - 11, 11, "/node_index") == 0 &&
          v.is_number() && !(v.get<double>() >= 0 && v.get<double>() < static_cast<double>(n) &&
                             v.get<double>() == std::floor(v.get<double>()))) {
        errors.push_back({at + "/" + field, "\"" + path + "\" can never be " + v.dump() +
                                                ": the job's challenge game has " +
                                                std::to_string(n) + " nodes, 0 to " +
                                                std::to_string(n - 1)});
        continue;
      }
      // A field the scenario fixes: an equals with another value can
      // never pass, a not_equals never fail or never pass. (An equals with
      // the scenario's own value checks what the run records: kept.)
      const auto [fixed, by] = FixedValue(path, resolved, swept);
      if (fixed.is_null() || expect[i][field].is_null()) continue;
      const bool same = fixed == expect[i][field];
      const bool equals = std::string(field) == "equals";
      if (equals && same) continue;
      errors.push_back({at + "/" + field,
                        "\"" + path + "\" " + (equals ? "==" : "!=") + " " +
                            expect[i][field].dump() + " " +
                            (same == equals ? "always holds" : "can never hold") +
                            ": the scenario fixes it at " + fixed.dump() + " (" + by + ")"});
    }
    const bool ordered = expect[i].contains("min") || expect[i].contains("max") ||
                         expect[i].contains("greater_than") || expect[i].contains("less_than");
    if (ordered && !NumericShape(*path_shape)) {
      errors.push_back({at + "/path", "\"" + path + "\" is " + KindOf(*path_shape) +
                                          ", which min, max, greater_than and less_than cannot "
                                          "compare: use equals or not_equals"});
    }
  }
  return errors;
}

}  // namespace veritrain
