// Scenario parsing: JSON syntax, the embedded JSON Schema, defaults from the
// schema, semantic checks, then the typed Scenario.
#include "scenarios/spec/scenario.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "core/protocol/participant_name.h"
#include "core/util/json_depth.h"
#include "core/wire/messages/task_economics.h"
#include "core/wire/messages/task_spec.h"
#include "core/wire/messages/verdict.h"
#include "core/util/json_keys.h"
#include "scenarios/spec/checked_amount.h"
#include "scenarios/spec/compute_cost_bound.h"
#include "scenarios/spec/crash_timeout.h"
#include "scenarios/spec/market_spec.h"
#include "scenarios/spec/schema_validate.h"
#include "scenarios/spec/summary_shape.h"
#include "scenarios/spec/trace_limits.h"

namespace veritrain {
namespace {

using nlohmann::json;

// The parsed schema, built once. Its failure is a build defect.
const Result<JsonSchema>& TheSchema() {
  static const Result<JsonSchema> schema = []() -> Result<JsonSchema> {
    json j = json::parse(ScenarioSchemaText(), nullptr, false);
    if (j.is_discarded()) {
      return Status::Internal("the embedded scenario schema is not JSON");
    }
    return JsonSchema::Create(std::move(j));
  }();
  return schema;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// True when every task surely pays the solver its reward out of the
// submitter's funds: the solver is honest and does not crash for good, and
// every verifier votes (no "stall"), so no task ends unverified or in a
// solver timeout (the two outcomes that return the reward; accepted,
// challenge rejected and forced error all pay it).
bool EveryTaskPaysItsReward(const json& r) {
  std::set<std::string> crashed_for_good;
  for (const json& c : r["crashes"]) {
    if (!c["restart"].get<bool>()) crashed_for_good.insert(c["participant"].get<std::string>());
  }
  for (const json& p : r["participants"]) {
    const std::string role = p["role"].get<std::string>();
    const std::string behaviour = p["behaviour"].get<std::string>();
    if (role == "solver" && (behaviour != "honest" ||
                             crashed_for_good.count(p["name"].get<std::string>()) > 0)) {
      return false;
    }
    if (role == "verifier" && behaviour == "stall") return false;
  }
  return true;
}

// Money the ledger could not hold or the submitter could not pay, known
// before anything runs. REQUIRES: as SemanticErrors.
std::vector<ScenarioError> MoneyErrors(const json& r, int64_t verifiers) {
  std::vector<ScenarioError> errors;
  const json& e = r["economics"];
  const int64_t funds = e["submitter_funds"].get<int64_t>();
  const int64_t reward = e["reward"].get<int64_t>();
  const int64_t fee = e["verifier_fee"].get<int64_t>();
  const int64_t per_task = e["verifiers_per_task"].get<int64_t>();
  const int64_t tasks = r["tasks"].get<int64_t>();
  const int64_t participants = static_cast<int64_t>(r["participants"].size());
  const std::string kTooLarge = "more than the ledger can hold (2^63 - 1 token units)";
  // The ledger mints every account at genesis; its total must fit int64.
  const auto supply = CheckedAdd(
      CheckedAdd(funds, CheckedMul(participants, e["participant_funds"].get<int64_t>())),
      e["jackpot_initial"].get<int64_t>());
  // Every balance is at most the supply: within 2^53 - 1, each is exact in
  // every JSON reader (jq and JavaScript hold numbers as doubles).
  if (!supply || *supply > TaskEconomics::kMaxAmount) {
    errors.push_back({"/economics", "submitter_funds + " + std::to_string(participants) +
                                        " participants × participant_funds + jackpot_initial "
                                        "is " + (supply ? std::to_string(*supply) + ", " : "") +
                                        "more than the largest token amount (2^53 - 1): a "
                                        "balance past it is not exact in JSON readers that "
                                        "hold numbers as doubles (jq, JavaScript)"});
  }
  if (auto cost = ComputeCostError(r, r["job"]["steps"].get<int64_t>(), supply)) {
    errors.push_back(std::move(*cost));
  }
  // Each task escrows its reward and a fee for every selected verifier.
  const int64_t selected = per_task > 0 ? per_task : verifiers;
  const auto fees = CheckedMul(fee, selected);
  const auto escrow = CheckedAdd(reward, fees);
  const std::string escrow_text = "reward " + std::to_string(reward) + " + verifier_fee " +
                                  std::to_string(fee) + " × " + std::to_string(selected) +
                                  " selected verifiers";
  if (!escrow) {
    errors.push_back({"/economics", escrow_text + " is " + kTooLarge});
    return errors;
  }
  if (*escrow > funds) {
    errors.push_back({"/economics/submitter_funds",
                      std::to_string(funds) + " cannot fund one task: it escrows " + escrow_text +
                          " = " + std::to_string(*escrow)});
    return errors;
  }
  // Tasks are posted one after another; when each surely pays its reward
  // (and its verifiers, who vote, their fees), the last one is posted after
  // (tasks - 1) escrows have been paid out, and needs its own.
  if (tasks > 1 && EveryTaskPaysItsReward(r)) {
    const auto needed = CheckedMul(tasks, *escrow);
    if (!needed || *needed > funds) {
      errors.push_back(
          {"/economics/submitter_funds",
           std::to_string(funds) + " cannot fund " + std::to_string(tasks) +
               " tasks: the honest solver is paid the reward of every task and each selected "
               "verifier its fee, so the last one is posted after " +
               std::to_string(tasks - 1) + " × (" + escrow_text + " = " +
               std::to_string(*escrow) + ") has been paid and escrows as much again: " +
               (needed ? std::to_string(*needed) : kTooLarge) + " needed"});
    }
  }
  return errors;
}

// The protocol block: intervals, samples, tolerance-mode deltas.
void ProtocolErrors(const json& r, std::vector<ScenarioError>& errors) {
  const json& protocol = r["protocol"];
  const int64_t steps = r["job"]["steps"].get<int64_t>();
  const int64_t k = protocol["checkpoint_interval"].get<int64_t>();
  const int64_t top_q = protocol["top_q"].get<int64_t>();
  const int64_t random_samples = protocol["random_samples"].get<int64_t>();
  if (steps % k != 0) {
    errors.push_back({"/protocol/checkpoint_interval",
                      std::to_string(k) + " does not divide job.steps = " +
                          std::to_string(steps)});
  }
  if (top_q == 0 && random_samples == 0) {  // both >= 0 by the schema
    errors.push_back({"/protocol",
                      "top_q + random_samples must be at least "
                      "1 (got " +
                          std::to_string(top_q) + " + " +
                          std::to_string(random_samples) + ")"});
  }
  if (steps % k == 0) {
    if (auto too_many = TraceIntervalsError(steps, k)) {
      errors.push_back({"/protocol/checkpoint_interval", *too_many});
    }
  }
  if (steps % k == 0) {
    const int64_t intervals = steps / k;
    const std::string limit =
        " exceeds the number of intervals (" + std::to_string(intervals) +
        " = job.steps / checkpoint_interval = " + std::to_string(steps) +
        " / " + std::to_string(k) + ")";
    if (top_q > intervals) {
      errors.push_back({"/protocol/top_q", std::to_string(top_q) + limit});
    }
    if (random_samples > intervals) {
      errors.push_back(
          {"/protocol/random_samples", std::to_string(random_samples) + limit});
    }
    if (SamplesFitIntervals(top_q, random_samples, intervals) &&
        top_q + random_samples > Verdict::kMaxCheckedIntervals) {
      errors.push_back(
          {"/protocol", "top_q + random_samples = " + std::to_string(top_q) + " + " +
                            std::to_string(random_samples) + " is more than the " +
                            std::to_string(Verdict::kMaxCheckedIntervals) +
                            " intervals a verifier's verdict can report (each interval checked "
                            "is reported in it, in a message header of at most 1 MiB): the "
                            "arbiter would refuse the verdict and the task never settle"});
    }
    if (top_q <= intervals && random_samples <= intervals &&
        !SamplesFitIntervals(top_q, random_samples, intervals)) {
      errors.push_back({"/protocol", "top_q + random_samples = " + std::to_string(top_q) +
                                         " + " + std::to_string(random_samples) + limit +
                                         ": the arbiter refuses a task that samples more "
                                         "intervals than it has"});
    }
    if (protocol.contains("calibration") && protocol["calibration"].contains("intervals") &&
        protocol["calibration"]["intervals"].get<int64_t>() > intervals) {
      errors.push_back({"/protocol/calibration/intervals",
                        protocol["calibration"]["intervals"].dump() + limit});
    }
  }
  // An interval has k steps to sample nodes at; more would be the same k
  // (and the file would claim more samples than were taken).
  if (protocol.contains("calibration") && protocol["calibration"].contains("node_steps") &&
      protocol["calibration"]["node_steps"].get<int64_t>() > k) {
    errors.push_back({"/protocol/calibration/node_steps",
                      protocol["calibration"]["node_steps"].dump() +
                          " exceeds the steps of an interval (checkpoint_interval = " +
                          std::to_string(k) + "): at most every step is sampled"});
  }
  // Tolerance mode: a delta per metric, from the file or from calibration.
  const json& delta = protocol["delta"];
  const bool calibrated = protocol.contains("calibration");
  if (protocol["mode"] == "exact") {
    // Exact mode compares state hashes; a threshold would change nothing
    // but be reported as applied (summary.json's delta and delta_source),
    // so a sweep over it would look like a measurement.
    for (const char* field : {"delta", "reference", "calibration"}) {
      if (!protocol.contains(field)) continue;
      // delta and reference default to {}; calibration is absent unless given.
      const json& value = protocol[field];
      if (value.is_object() && value.empty() && std::string(field) != "calibration") continue;
      {
        errors.push_back({std::string("/protocol/") + field,
                          std::string("protocol.") + field +
                              " applies in tolerance mode only; mode is exact, which "
                              "compares state hashes bit for bit. Remove it, or set "
                              "protocol.mode to \"tolerance\""});
      }
    }
    // The same for the game's node threshold (its default 0 is exact).
    const json& game = protocol.value("game", json::object());
    if (game.is_object() && game.contains("node_tolerance") &&
        game["node_tolerance"].is_number() && game["node_tolerance"].get<double>() != 0) {
      errors.push_back({"/protocol/game/node_tolerance",
                        "protocol.game.node_tolerance applies in tolerance mode only; mode is "
                        "exact, whose game compares node outputs bit for bit. Remove it, or "
                        "set protocol.mode to \"tolerance\""});
    }
    return;
  }
  if (calibrated && !delta.empty()) {
    errors.push_back({"/protocol/delta",
                      "give either delta or calibration, not both (calibration "
                      "sets delta)"});
  }
  // Calibration sets a threshold for every node of the graph, so a
  // node_tolerance beside it would be accepted and never applied (0, the
  // default every resolved scenario has, asks for nothing).
  if (const json& game = protocol.value("game", json::object());
      calibrated && game.is_object() && game.contains("node_tolerance") &&
      game["node_tolerance"].is_number() && game["node_tolerance"].get<double>() != 0) {
    errors.push_back({"/protocol/game/node_tolerance",
                      "has no effect with protocol.calibration, which sets every node's "
                      "threshold (protocol.calibration.node_quantile and node_margin tune "
                      "them); remove it, or remove protocol.calibration"});
  }
  // A threshold or reference for a metric that is not measured would be
  // reported as applied (summary.json's verification) and never compared:
  // a strict linf bound that lets every cheat through.
  std::set<std::string> measured;
  for (const json& m : protocol["metrics"]) measured.insert(m.get<std::string>());
  for (const char* field : {"delta", "reference"}) {
    if (!protocol.contains(field) || !protocol[field].is_object()) continue;
    for (const auto& [metric, unused] : protocol[field].items()) {
      if (measured.count(metric)) continue;
      std::string listed;
      for (const std::string& m : measured) listed += (listed.empty() ? "\"" : ", \"") + m + "\"";
      errors.push_back({std::string("/protocol/") + field + "/" + metric,
                        std::string("protocol.") + field + " names metric \"" + metric +
                            "\", which protocol.metrics does not measure (" + listed +
                            "): it would be reported as applied and never compared. Add \"" +
                            metric + "\" to protocol.metrics, or remove it here"});
    }
  }
  // The cosine distance is at most 2 (opposite directions), so a δ at or
  // above 2 (over its reference normaliser, when one is given) is never
  // exceeded: every interval passes on it, whatever was trained.
  if (delta.is_object() && delta.contains("cosine") && delta["cosine"].is_number()) {
    const double d = delta["cosine"].get<double>();
    const json& reference = protocol["reference"];
    const double ref = reference.is_object() && reference.contains("cosine") &&
                               reference["cosine"].is_number()
                           ? reference["cosine"].get<double>()
                           : 1.0;
    if (ref > 0 && d * ref >= 2) {
      char bound[64];
      std::snprintf(bound, sizeof(bound), "%.17g", 2 / ref);
      errors.push_back({"/protocol/delta/cosine",
                        "the cosine distance is at most 2 (opposite directions)" +
                            std::string(ref != 1.0 ? ", " + std::string(bound) +
                                                         " over protocol.reference.cosine"
                                                   : "") +
                            ": a delta of " + delta["cosine"].dump() +
                            " is never exceeded, so no interval could be challenged on it. "
                            "Give a delta below " + bound});
    }
  }
  if (protocol["mode"] == "tolerance" && !calibrated) {
    for (const json& m : protocol["metrics"]) {
      if (!delta.contains(m.get<std::string>())) {
        errors.push_back({"/protocol/delta",
                          "tolerance mode needs a delta for metric " + m.dump() +
                              " (or a calibration block to set it)"});
      }
    }
  }

}

// The scenario's name, which results/runs/<name>/ and results/sweeps/<name>/
// are built from: the schema's pattern holds the character set, and "."
// and ".." would name the folder itself or its parent.
void ScenarioNameErrors(const json& r, std::vector<ScenarioError>& errors) {
  const std::string name = r["name"].get<std::string>();
  if (name == "." || name == "..") {
    errors.push_back({"/name", "\"" + name + "\" is not a name: results/runs/" + name +
                                   "/ is " +
                                   (name == "." ? "results/runs/ itself"
                                                : "results/, outside results/runs/")});
  }
}

// Keys of job.params that the task sets itself: the job's own fields, the
// participants' precision and the scenario's seeds. Each would be
// overwritten without a word, so that "dtype": "float64" or "steps": 20
// there would run another experiment than the one written.
void JobParamsErrors(const json& r, std::vector<ScenarioError>& errors) {
  const json& params = r["job"].value("params", json::object());
  if (!params.is_object()) return;  // the schema says so
  static const std::vector<std::pair<std::string, std::string>> kSetElsewhere = {
      {"name", "the job's own field (/job/name)"},
      {"steps", "the job's own field (/job/steps)"},
      {"batch_size", "the job's own field (/job/batch_size)"},
      {"dtype", "each participant's profile.dtype"},
      {"init_seed", "derived from the scenario's seed"},
      {"data_seed", "derived from the scenario's seed"},
  };
  for (const auto& entry : kSetElsewhere) {
    if (params.contains(entry.first)) {
      errors.push_back({"/job/params/" + entry.first,
                        "is not a job parameter: it is " + entry.second +
                            ", and a value here would be ignored"});
    }
  }
}

// The job's name: built in, or from a plug-in.
void JobNameErrors(const json& r, std::vector<ScenarioError>& errors) {
  const std::string job_name = r["job"]["name"].get<std::string>();
  const std::vector<std::string>& builtin = KnownBuiltinJobs();
  if (r["plugins"].empty() &&
      std::find(builtin.begin(), builtin.end(), job_name) == builtin.end()) {
    std::string names;
    for (const std::string& n : builtin) names += (names.empty() ? "\"" : ", \"") + n + "\"";
    errors.push_back({"/job/name", "\"" + job_name + "\" is not one of: " + names +
                                       " (a job from a plug-in needs \"plugins\" or "
                                       "--plugin PATH)"});
  }

}

// Participants: names, roles, behaviours, the solver's dtype. Returns
// the number of verifiers; `first_use` maps each name to its index.
int ParticipantErrors(const json& r, std::map<std::string, size_t>& first_use,
                      std::vector<ScenarioError>& errors) {
  const json& participants = r["participants"];
  int solvers = 0;
  int verifiers = 0;
  // Each name in lower case, with its first index.
  std::map<std::string, size_t> folded_use;
  for (size_t i = 0; i < participants.size(); ++i) {
    const json& p = participants[i];
    const std::string at = "/participants/" + std::to_string(i);
    const std::string name = p["name"].get<std::string>();
    const std::string role = p["role"].get<std::string>();
    const std::string behaviour = p["behaviour"].get<std::string>();
    if (role == "solver") ++solvers;
    if (role == "verifier") ++verifiers;
    // The schema's pattern holds the character set; the reserved names
    // are refused here, each with what it is reserved for.
    if (Status safe = CheckParticipantName(name); !safe.ok()) {
      errors.push_back({at + "/name", safe.message()});
    }
    auto [it, inserted] = first_use.emplace(name, i);
    if (!inserted) {
      errors.push_back({at + "/name", "duplicate participant name '" + name +
                                          "' (also /participants/" +
                                          std::to_string(it->second) + ")"});
    }
    // A name is a file and folder name of the run (<work>/<name>/,
    // <work>/<name>.json, keys/<name>.key, logs/<name>.log): on a
    // case-insensitive file system (macOS, Windows) two names that differ
    // only in case are the same file, and one participant's would
    // overwrite the other's.
    auto [same, fresh] = folded_use.emplace(FoldedParticipantName(name), i);
    if (inserted && !fresh) {
      const std::string other = participants[same->second]["name"].get<std::string>();
      errors.push_back(
          {at + "/name", "participant name '" + name + "' differs from '" + other +
                             "' (/participants/" + std::to_string(same->second) +
                             ") only in case: on a case-insensitive file system (macOS, "
                             "Windows) both name the same files of the run (its work folder, "
                             "config, key and log: <work>/<name>/, keys/<name>.key, "
                             "logs/<name>.log), one overwriting the other's, and a report "
                             "read without regard to case mixes them up; rename one"});
    }
    const std::vector<std::string>& known = KnownBehaviours(role);
    if (std::find(known.begin(), known.end(), behaviour) == known.end()) {
      errors.push_back(
          {at + "/behaviour", "unknown " + role + " behaviour '" + behaviour +
                                  "' (known: " + Join(known) + ")"});
    }
  }
  const bool market = r.contains("market");
  if (solvers != 1 && !market) {
    errors.push_back({"/participants", "need exactly one solver (found " +
                                           std::to_string(solvers) + ")"});
  }
  if (verifiers < 1) {
    errors.push_back({"/participants", "need at least one verifier (found " +
                                           std::to_string(verifiers) + ")"});
  }
  // Exact mode compares bits, and bits of one precision cannot be
  // reproduced in another: every verifier computes in the solver's dtype.
  std::string solver_dtype;
  for (const json& p : participants) {
    if (p["role"] == "solver") solver_dtype = p["profile"]["dtype"].get<std::string>();
  }
  if (r["protocol"]["mode"] == "exact" && !solver_dtype.empty()) {
    for (size_t i = 0; i < participants.size(); ++i) {
      const json& p = participants[i];
      const std::string dtype = p["profile"]["dtype"].get<std::string>();
      if (p["role"] == "verifier" && dtype != solver_dtype) {
        errors.push_back({"/participants/" + std::to_string(i) + "/profile/dtype",
                          "\"" + dtype + "\" differs from the solver's \"" + solver_dtype +
                              "\": exact mode compares state hashes bit for bit, which "
                              "another precision cannot reproduce; use the solver's dtype, "
                              "or protocol.mode \"tolerance\""});
      }
    }
  }

  return verifiers;
}

// Economics the schema cannot express.
void EconomicsErrors(const json& r, int verifiers, std::vector<ScenarioError>& errors) {
  const json& economics = r["economics"];
  const json& split = economics["slash_split"];
  const int64_t split_sum = split["winner_bps"].get<int64_t>() +
                            split["jackpot_bps"].get<int64_t>() +
                            split["burn_bps"].get<int64_t>();
  if (split_sum != 10000) {
    errors.push_back({"/economics/slash_split",
                      "winner_bps + jackpot_bps + burn_bps = " + std::to_string(split_sum) +
                          ", must be 10000 (the whole stake)"});
  }
  const int64_t per_task = economics["verifiers_per_task"].get<int64_t>();
  if (per_task > verifiers) {
    errors.push_back({"/economics/verifiers_per_task",
                      std::to_string(per_task) + " exceeds the number of verifiers (" +
                          std::to_string(verifiers) + ")"});
  }

  // A market checks its money itself (market_spec.h): funds per entry.
  if (!r.contains("market")) {
    for (ScenarioError& e : MoneyErrors(r, verifiers)) errors.push_back(std::move(e));
  }

}

// Whether `host` is a dotted IPv4 address or a host name (RFC 1123: dot
// separated labels of letters, digits and '-', neither starting nor ending
// with '-', at most 63 characters each and 253 in all), the forms the tcp
// endpoints take. All digits and dots is an IPv4 address or nothing.
bool IsHostName(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  in_addr v4;
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return true;
  if (host.find_first_not_of("0123456789.") == std::string::npos) return false;
  size_t start = 0;
  while (start <= host.size()) {
    const size_t end = std::min(host.find('.', start), host.size());
    const std::string label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

// Network faults and retries, and the tcp host.
void NetworkErrors(const json& r, std::vector<ScenarioError>& errors) {
  const std::string host = r["network"]["host"].get<std::string>();
  if (!IsHostName(host)) {
    errors.push_back({"/network/host",
                      json(host).dump() + " is neither an IPv4 address (four numbers 0 to "
                      "255: \"127.0.0.1\") nor a network interface's name (letters, digits, '-' "
                      "and '.': \"lo\"); the tcp endpoints could not bind to it"});
  }
  const json& faults = r["network"]["faults"];
  const double rates = faults["drop"].get<double>() + faults["duplicate"].get<double>() +
                       faults["reorder"].get<double>() + faults["delay"].get<double>();
  if (rates > 1 + 1e-12) {
    errors.push_back({"/network/faults", "drop + duplicate + reorder + delay = " +
                                             json(rates).dump() + ", must be at most 1"});
  }
  const json& retry = r["network"]["retry"];
  if (retry["max_ms"].get<int64_t>() < retry["initial_ms"].get<int64_t>()) {
    errors.push_back({"/network/retry/max_ms", retry["max_ms"].dump() +
                                                   " is below initial_ms = " +
                                                   retry["initial_ms"].dump()});
  }

}

// Crashes: of a known solver or verifier, once each, at a point it reaches.
void CrashErrors(const json& r, const std::map<std::string, size_t>& first_use,
                 int verifiers, std::vector<ScenarioError>& errors) {
  const json& participants = r["participants"];
  const json& protocol = r["protocol"];
  const int64_t steps = r["job"]["steps"].get<int64_t>();
  const int64_t k = protocol["checkpoint_interval"].get<int64_t>();
  const int64_t top_q = protocol["top_q"].get<int64_t>();
  const int64_t random_samples = protocol["random_samples"].get<int64_t>();
  const json& crashes = r["crashes"];
  std::set<std::string> crashed;
  for (size_t i = 0; i < crashes.size(); ++i) {
    const std::string at = "/crashes/" + std::to_string(i);
    const std::string name = crashes[i]["participant"].get<std::string>();
    const std::string point = crashes[i]["at"].get<std::string>();
    const int64_t after = crashes[i]["after"].get<int64_t>();
    auto who = first_use.find(name);
    if (who == first_use.end() && name != "arbiter") {
      errors.push_back({at + "/participant", "'" + name + "' is not a participant"});
      continue;
    }
    if (!crashed.insert(name).second) {
      errors.push_back({at + "/participant", "'" + name + "' already has a crash"});
    }
    const std::string role =
        name == "arbiter" ? "arbiter" : participants[who->second]["role"].get<std::string>();
    if (role == "arbiter" && point == "training") {
      errors.push_back({at + "/at", "the arbiter crashes at \"verification\" (after `after` "
                                    "verdicts) or \"dispute\" (after `after` game moves)"});
      continue;  // the rules below are about participants
    }
    if (role == "arbiter" && !crashes[i]["restart"].get<bool>()) {
      errors.push_back({at + "/restart", "an arbiter that crashes must restart: only the "
                                         "arbiter enforces the deadlines, so without it no "
                                         "task could settle and the run could only time out"});
    }
    if (point == "training" && role != "solver") {
      errors.push_back({at + "/at", "only the solver trains; '" + name + "' is a " + role});
    }
    if (point == "verification" && role != "verifier" && role != "arbiter") {
      errors.push_back({at + "/at", "only verifiers verify; '" + name + "' is a " + role});
    }
    if (point == "training" && steps % k == 0 && (after < 1 || after > steps / k)) {
      errors.push_back({at + "/after", "checkpoint " + std::to_string(after) +
                                           " is not one training writes (1.." +
                                           std::to_string(steps / k) + ")"});
    }
    // Crash points that can be seen never to fire (the others are warned
    // about in the run's summary when they do not).
    const int64_t per_task = r["economics"]["verifiers_per_task"].get<int64_t>();
    // A forced error's task is verified twice (the posted trace, then the
    // solver's real one).
    const bool forced = r["economics"]["forced_error_rate"].get<double>() > 0;
    const int64_t voters = (per_task > 0 ? per_task : verifiers) * r["tasks"].get<int64_t>() *
                           (forced ? 2 : 1);
    if (role == "arbiter" && point == "verification" && after > voters) {
      errors.push_back({at + "/after", "the arbiter crashes after verdict " +
                                           std::to_string(after) + ", but the run has at most " +
                                           std::to_string(voters) +
                                           (forced ? " (tasks × verifiers selected per task × 2 "
                                                     "traces of a forced error)"
                                                   : " (tasks × verifiers selected per task)") +
                                           ": the crash would never happen"});
    }
    const int64_t checked = top_q + random_samples;
    if (role == "verifier" && point == "verification" && after >= checked) {
      errors.push_back({at + "/after", "a verifier crashes once it has re-executed `after` "
                                       "intervals and before the next, but it re-executes "
                                       "top_q + random_samples = " +
                                           std::to_string(checked) + " per task: " +
                                           std::to_string(after) + " would never happen (0.." +
                                           std::to_string(checked - 1) + ")"});
    }
  }

}

// Disk faults: of a known solver (only solvers write checkpoints), once each.
void DiskFaultErrors(const json& r, const std::map<std::string, size_t>& first_use,
                     std::vector<ScenarioError>& errors) {
  const json& participants = r["participants"];
  const json& disks = r["disk_faults"];
  std::set<std::string> full;
  for (size_t i = 0; i < disks.size(); ++i) {
    const std::string at = "/disk_faults/" + std::to_string(i) + "/participant";
    const std::string name = disks[i]["participant"].get<std::string>();
    auto who = first_use.find(name);
    if (who == first_use.end()) {
      errors.push_back({at, "'" + name + "' is not a participant"});
      continue;
    }
    const std::string role = participants[who->second]["role"].get<std::string>();
    if (role != "solver") {
      errors.push_back({at, "only solvers write checkpoints; '" + name + "' is a " + role});
    }
    if (!full.insert(name).second) {
      errors.push_back({at, "'" + name + "' already has a disk fault"});
    }
  }

}

// `expect` paths: valid JSON pointers to something a summary can hold.
void ExpectErrors(const json& r, std::vector<ScenarioError>& errors) {
  const json& expect = r["expect"];
  for (size_t i = 0; i < expect.size(); ++i) {
    const std::string path = expect[i]["path"].get<std::string>();
    try {
      json::json_pointer pointer(path);
    } catch (const json::exception&) {
      errors.push_back({"/expect/" + std::to_string(i) + "/path",
                        "\"" + path +
                            "\" is not a valid JSON pointer ('~' "
                            "must be followed by 0 or 1)"});
    }
  }
  // Paths that no summary.json of this scenario can hold (summary_shape.h).
  for (auto& e : CheckExpectPaths(r)) errors.push_back(std::move(e));
  // A range that no value is in.
  for (size_t i = 0; i < expect.size(); ++i) {
    const json& e = expect[i];
    if (e.contains("min") && e.contains("max") &&
        e["min"].get<long double>() > e["max"].get<long double>()) {
      errors.push_back({"/expect/" + std::to_string(i),
                        "min " + e["min"].dump() + " is above max " + e["max"].dump() +
                            ": no value is in that range, so the expectation could never "
                            "hold"});
    }
  }
}

// Errors the schema cannot express. REQUIRES: `r` conforms to the schema
// and has its defaults filled in.
std::vector<ScenarioError> SemanticErrors(const json& r) {
  std::vector<ScenarioError> errors;
  ScenarioNameErrors(r, errors);
  ProtocolErrors(r, errors);
  JobNameErrors(r, errors);
  JobParamsErrors(r, errors);
  std::map<std::string, size_t> first_use;
  const int verifiers = ParticipantErrors(r, first_use, errors);
  EconomicsErrors(r, verifiers, errors);
  NetworkErrors(r, errors);
  CrashErrors(r, first_use, verifiers, errors);
  for (ScenarioError& e : CrashTimeoutErrors(r)) errors.push_back(std::move(e));
  DiskFaultErrors(r, first_use, errors);
  ExpectErrors(r, errors);
  return errors;
}

// Validates `j`; on success `*resolved` is `j` with defaults filled in.
std::vector<ScenarioError> Check(const json& j, json* resolved) {
  const Result<JsonSchema>& schema = TheSchema();
  if (!schema.ok()) return {{"", schema.status().ToString()}};
  std::vector<ScenarioError> errors;
  for (SchemaViolation& v : schema->Validate(j)) {
    errors.push_back({std::move(v.path), std::move(v.message)});
  }
  if (!errors.empty()) return errors;
  *resolved = j;
  schema->ApplyDefaults(resolved);
  if (!resolved->contains("participants") && !resolved->contains("market")) {
    return {{"", "missing required field 'participants' (or a \"market\" to generate them)"}};
  }
  // A market's participants are generated before the checks of
  // participants see them.
  std::vector<std::string> origins;
  std::vector<ScenarioError> market = ExpandMarket(resolved, &origins);
  if (!market.empty()) return market;
  std::vector<ScenarioError> semantic = SemanticErrors(*resolved);
  // A generated participant is named by the entry that generated it: a
  // market has no "participants" to point at.
  for (ScenarioError& e : semantic) {
    if (e.path.rfind("/participants/", 0) != 0) continue;
    const size_t begin = std::string("/participants/").size();
    const size_t end = e.path.find('/', begin);
    size_t index = 0;
    const std::string digits = e.path.substr(begin, end == std::string::npos ? end : end - begin);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    index = std::stoul(digits);
    if (index >= origins.size()) continue;
    e.path = origins[index] + (end == std::string::npos ? "" : e.path.substr(end));
  }
  return semantic;
}

ProfileSpec ProfileFromJson(const json& j) {
  ProfileSpec p;
  p.threads = j["threads"].get<int>();
  p.dtype = j["dtype"].get<std::string>();
  p.deterministic = j["deterministic"].get<bool>();
  p.device = j["device"].get<std::string>();
  return p;
}

// REQUIRES: `r` passed Check().
Scenario FromResolved(json r) {
  Scenario s;
  s.name = r["name"].get<std::string>();
  s.description = r["description"].get<std::string>();
  s.seed = r["seed"].get<uint64_t>();
  s.job = r["job"];
  const json& protocol = r["protocol"];
  s.protocol.checkpoint_interval =
      protocol["checkpoint_interval"].get<int64_t>();
  s.protocol.mode = protocol["mode"].get<std::string>();
  s.protocol.top_q = protocol["top_q"].get<int64_t>();
  s.protocol.random_samples = protocol["random_samples"].get<int64_t>();
  s.protocol.metrics = protocol["metrics"].get<std::vector<std::string>>();
  s.protocol.delta = protocol["delta"].get<std::map<std::string, double>>();
  s.protocol.reference = protocol["reference"].get<std::map<std::string, double>>();
  s.protocol.hyperparameters = protocol["hyperparameters"].get<std::string>();
  if (protocol.contains("calibration")) s.protocol.calibration = protocol["calibration"];
  s.protocol.training_deadline_s =
      protocol["deadlines"]["training_s"].get<double>();
  s.protocol.verification_deadline_s =
      protocol["deadlines"]["verification_s"].get<double>();
  s.protocol.arity = protocol["game"]["arity"].get<int64_t>();
  s.protocol.game_clock_s = protocol["game"]["clock_s"].get<double>();
  s.protocol.node_tolerance = protocol["game"]["node_tolerance"].get<double>();
  s.economics.reward = r["economics"]["reward"].get<int64_t>();
  s.economics.submitter_funds =
      r["economics"]["submitter_funds"].get<int64_t>();
  const json& e = r["economics"];
  s.economics.participant_funds = e["participant_funds"].get<int64_t>();
  s.economics.jackpot_initial = e["jackpot_initial"].get<int64_t>();
  TaskEconomics& t = s.economics.task;
  t.verifier_fee = e["verifier_fee"].get<int64_t>();
  t.solver_stake = e["solver_stake"].get<int64_t>();
  t.verifier_stake = e["verifier_stake"].get<int64_t>();
  t.challenge_stake = e["challenge_stake"].get<int64_t>();
  t.slash_winner_bps = e["slash_split"]["winner_bps"].get<int64_t>();
  t.slash_jackpot_bps = e["slash_split"]["jackpot_bps"].get<int64_t>();
  t.slash_burn_bps = e["slash_split"]["burn_bps"].get<int64_t>();
  t.jackpot_tax_bps = e["jackpot_tax_bps"].get<int64_t>();
  t.forced_error_rate = e["forced_error_rate"].get<double>();
  t.whistleblower_reward = e["whistleblower_reward"].get<int64_t>();
  t.slash_lazy = e["slash_lazy"].get<bool>();
  t.verifiers_per_task = e["verifiers_per_task"].get<int64_t>();
  t.compute_cost_per_step = e["compute_cost_per_step"].get<int64_t>();
  s.tasks = r["tasks"].get<int64_t>();
  for (const json& p : r["participants"]) {
    ParticipantSpec spec;
    spec.name = p["name"].get<std::string>();
    spec.role = p["role"].get<std::string>();
    spec.behaviour = p["behaviour"].get<std::string>();
    spec.params = p["params"];
    spec.profile = ProfileFromJson(p["profile"]);
    s.participants.push_back(std::move(spec));
  }
  s.network.transport = r["network"]["transport"].get<std::string>();
  s.network.host = r["network"]["host"].get<std::string>();
  s.network.curve.enabled = r["network"]["curve"]["enabled"].get<bool>();
  s.network.curve.keys = r["network"]["curve"]["keys"].get<std::string>();
  s.network.faults = r["network"]["faults"];
  s.network.retry = r["network"]["retry"];
  for (const json& c : r["crashes"]) {
    s.crashes.push_back({c["participant"].get<std::string>(), c["at"].get<std::string>(),
                         c["after"].get<int64_t>(), c["restart"].get<bool>()});
  }
  for (const json& d : r["disk_faults"]) {
    s.disk_free_bytes[d["participant"].get<std::string>()] = d["free_bytes"].get<int64_t>();
  }
  if (r.contains("market")) s.market = MarketSpec::FromResolved(r);
  s.timeout_s = r["timeout_s"].get<double>();
  s.expect = r["expect"];
  s.plugins = r["plugins"].get<std::vector<std::string>>();
  s.resolved = std::move(r);
  return s;
}

// "line 3, column 7" of the 1-based byte position `byte` in `text`.
std::string LineColumn(std::string_view text, size_t byte) {
  size_t index = byte == 0 ? 0 : byte - 1;
  if (index > text.size()) index = text.size();
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < index; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " +
         std::to_string(index - line_start + 1);
}

// nlohmann's parse error text without its "[json.exception...] parse error
// at line L, column C: " prefix.
std::string ParseErrorReason(const std::string& what) {
  size_t at = what.find("syntax error");
  if (at != std::string::npos) return what.substr(at);
  at = what.find("] ");
  return at == std::string::npos ? what : what.substr(at + 2);
}

// The 1-based byte where json::parse failed with an error that carries no
// position — a number beyond the range of a double ("1e999", out_of_range
// 406) — found by a SAX pass over `text` that stops at the error: the first
// byte of the offending token. 0 when the pass finds no error.
size_t FailureByte(std::string_view text) {
  struct Locator : json::json_sax_t {
    size_t byte = 0;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string& token,
                     const nlohmann::detail::exception&) override {
      // `position` counts the bytes read, the token's last included.
      byte = position >= token.size() ? position - token.size() + 1 : 1;
      return false;
    }
  } locator;
  json::sax_parse(text.begin(), text.end(), &locator);
  return locator.byte;
}

}  // namespace

nlohmann::json ProfileSpec::ToJson() const {
  return {{"threads", threads},
          {"dtype", dtype},
          {"deterministic", deterministic},
          {"device", device}};
}

nlohmann::json CrashSpec::ToJson() const {
  return {{"participant", participant}, {"at", at}, {"after", after}, {"restart", restart}};
}

const CrashSpec* Scenario::CrashOf(const std::string& name) const {
  for (const CrashSpec& c : crashes) {
    if (c.participant == name) return &c;
  }
  return nullptr;
}

std::vector<const ParticipantSpec*> Scenario::solvers() const {
  std::vector<const ParticipantSpec*> out;
  for (const ParticipantSpec& p : participants) {
    if (p.role == "solver") out.push_back(&p);
  }
  return out;
}

std::vector<const ParticipantSpec*> Scenario::verifiers() const {
  std::vector<const ParticipantSpec*> out;
  for (const ParticipantSpec& p : participants) {
    if (p.role == "verifier") out.push_back(&p);
  }
  return out;
}

int64_t Scenario::intervals() const {
  auto steps = job.find("steps");
  if (steps == job.end() || !steps->is_number_integer() ||
      protocol.checkpoint_interval <= 0) {
    return 0;
  }
  return steps->get<int64_t>() / protocol.checkpoint_interval;
}

const std::vector<std::string>& KnownBehaviours(const std::string& role) {
  static const std::vector<std::string> kSolver = {
      "honest", "corrupt-node", "stall", "withhold",
      // Proof-of-learning spoofs (solver/behaviours/).
      "lazy", "random-weights", "replay", "interpolate", "infinitesimal",
      "blindfold-topq", "data-substitution", "precision-downgrade"};
  static const std::vector<std::string> kVerifier = {"honest", "false-challenge", "stall",
                                                     "lazy-approve", "colluding"};
  static const std::vector<std::string> kNone;
  if (role == "solver") return kSolver;
  if (role == "verifier") return kVerifier;
  return kNone;
}

std::vector<ScenarioError> CheckScenarioJson(const nlohmann::json& j) {
  json resolved;
  try {
    return Check(j, &resolved);
  } catch (const std::exception& e) {
    return {{"", std::string("internal error while checking: ") + e.what()}};
  }
}

Result<Scenario> ParseScenario(std::string_view json_text,
                               const std::string& source_name) {
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(json_text, source_name));
  json j;
  std::vector<std::string> duplicates;
  try {
    j = ParseNotingDuplicateKeys(json_text, &duplicates);
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument(source_name + ": invalid JSON at " +
                                   LineColumn(json_text, e.byte) + ": " +
                                   ParseErrorReason(e.what()));
  } catch (const json::out_of_range& e) {
    // A number no double holds; the exception does not say where.
    const size_t byte = FailureByte(json_text);
    return Status::InvalidArgument(
        source_name + ": invalid JSON" + (byte > 0 ? " at " + LineColumn(json_text, byte) : "") +
        ": " + ParseErrorReason(e.what()) +
        " (beyond the largest number a double holds, about 1.8e308)");
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source_name + ": invalid JSON: " + e.what());
  }
  if (!duplicates.empty()) {
    // Refused like an unknown field: a value that silently does not count.
    std::string message;
    for (const std::string& pointer : duplicates) {
      const std::string key = json::json_pointer(pointer).back();
      message += (message.empty() ? "" : "\n") + source_name + ": " + pointer +
                 ": duplicate key \"" + key +
                 "\": a key may appear once in an object (otherwise only its last value "
                 "would count)";
    }
    return Status::InvalidArgument(message);
  }
  try {
    json resolved;
    std::vector<ScenarioError> errors = Check(j, &resolved);
    if (!errors.empty()) {
      std::string message;
      for (const ScenarioError& e : errors) {
        if (!message.empty()) message += "\n";
        message += source_name + ": " + (e.path.empty() ? "(root)" : e.path) +
                   ": " + e.message;
      }
      return Status::InvalidArgument(message);
    }
    return FromResolved(std::move(resolved));
  } catch (const std::exception& e) {
    return Status::Internal(source_name + ": unexpected error: " + e.what());
  }
}

std::string Scenario::ParticipantPath(size_t i) const {
  const std::string fallback = "/participants/" + std::to_string(i);
  if (!market) return fallback;
  const std::string& name = participants[i].name;
  size_t solvers = 0, verifiers = 0;
  for (const MarketEntry& e : market->entries) {
    const bool solver = e.role == "solver";
    const size_t j = solver ? solvers++ : verifiers++;
    const std::vector<std::string> names = e.Names();
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return std::string("/market/") + (solver ? "solvers/" : "verifiers/") + std::to_string(j);
    }
  }
  return fallback;
}

const std::vector<std::string>& KnownBuiltinJobs() {
  static const std::vector<std::string> kJobs = {"mlp", "synthetic", "cnn",
                                                 "torchscript", "transformer"};
  return kJobs;
}

Result<Scenario> LoadScenario(const std::string& path,
                              const std::vector<std::string>& extra_plugins) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("scenario file not found: " + path);
  }
  if (std::filesystem::is_directory(path, ec)) {
    return Status::IOError(path + ": is a directory, not a scenario file");
  }
  // A device never ends (/dev/zero would be read until memory runs out); a
  // pipe does (`veritrain check <(jq … base.json)`), and is read like a file.
  const auto type = std::filesystem::status(path, ec).type();
  if (type == std::filesystem::file_type::character ||
      type == std::filesystem::file_type::block || type == std::filesystem::file_type::socket) {
    return Status::IOError(path + ": is a device or a socket, not a scenario file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  }
  // Scenario files are a few KB; what is far larger is not one, and is not
  // read into memory whole.
  constexpr size_t kMaxScenarioBytes = size_t{16} << 20;
  std::string source;
  char chunk[65536];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    source.append(chunk, static_cast<size_t>(in.gcount()));
    if (source.size() > kMaxScenarioBytes) {
      return Status::InvalidArgument(path + ": larger than 16 MiB, not a scenario file");
    }
  }
  if (in.bad()) {
    return Status::IOError(path + ": read failed: " + std::strerror(errno));
  }
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(source, path));
  if (!extra_plugins.empty()) {
    // Added before checking, so a plug-in job named only by --plugin passes.
    // Re-serialising would drop a duplicate key: such a file is left as it
    // is, for ParseScenario to refuse.
    std::vector<std::string> duplicates;
    json j;
    try {
      j = ParseNotingDuplicateKeys(source, &duplicates);
    } catch (const json::exception&) {
      j = json();  // ParseScenario reports it
    }
    if (j.is_object() && duplicates.empty()) {
      if (!j.contains("plugins")) j["plugins"] = json::array();
      if (j["plugins"].is_array()) {
        for (const std::string& p : extra_plugins) {
          j["plugins"].push_back(std::filesystem::absolute(p, ec).string());
        }
        source = j.dump(2);
      }
    }
  }
  Result<Scenario> sc = ParseScenario(source, path);
  if (sc.ok()) {
    sc->source_dir =
        std::filesystem::absolute(path, ec).parent_path().lexically_normal().string();
  }
  return sc;
}

}  // namespace veritrain
