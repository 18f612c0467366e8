#include "scenarios/runner/summary.h"

#include "scenarios/spec/real_value.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "core/protocol/events.h"
#include "core/protocol/settlement.h"
#include "scenarios/report/csv_field.h"
#include "scenarios/runner/money.h"

namespace veritrain {
namespace {

// The task's verification policy as the summary shows it: metrics, δ (and
// whether calibrated), reference normalisers, hyper-parameter source, and
// the calibration record.
nlohmann::json VerificationSummary(const nlohmann::json& spec) {
  const nlohmann::json v = spec.value("verification", nlohmann::json::object());
  const nlohmann::json calibration = v.value("calibration", nlohmann::json::object());
  nlohmann::json out = {{"metrics", v.value("metrics", nlohmann::json::array())},
                        {"delta", v.value("delta", nlohmann::json::object())},
                        {"delta_source", calibration.empty() ? "fixed" : "calibrated"},
                        {"reference", v.value("reference", nlohmann::json::object())},
                        {"hyperparameters", v.value("hyperparameters", std::string("task"))}};
  if (!calibration.empty()) out["calibration"] = calibration;
  return out;
}

// Per task: the largest distance per metric over every checked interval of
// every verifier ("max_distance"), and what the challenge (or its absence)
// means given the solver's behaviour: "detected" (a cheating solver was
// challenged, whether or not a challenge was upheld), "false_positive" (an
// honest one was), "missed" (a cheating one was not), "escaped" (a cheating
// one was paid). A cheat challenged only by challenges their challengers
// lost is detected and escaped both: caught means detected and not escaped
// (the sweep's detection rate, sweep/task_counts.h).
void AddDetection(nlohmann::json* task) {
  nlohmann::json& t = *task;
  nlohmann::json max = nlohmann::json::object();
  int64_t mismatches = 0;
  for (const auto& v : t["verifiers"]) {
    const nlohmann::json intervals = v.value("intervals", nlohmann::json::array());
    for (const auto& e : intervals) {
      const nlohmann::json mismatch = e.value("hyperparameter_mismatch", nlohmann::json::object());
      if (!mismatch.empty()) ++mismatches;
      const nlohmann::json distances = e.value("distances", nlohmann::json::object());
      // An infinite distance (a state the honest run never reaches) is
      // the largest; "nan" compares with nothing.
      for (const auto& [metric, d] : distances.items()) {
        const std::optional<double> x = RealValue(d);
        if (!x || std::isnan(*x)) continue;
        if (!max.contains(metric) || *x > *RealValue(max[metric])) max[metric] = RealJson(*x);
      }
    }
  }
  t["max_distance"] = max;
  // A trace whose update norms are not finite is a training gone to NaN or
  // infinity: it may be honest and be accepted, but what was trained is
  // no model, and nothing else in the summary says so.
  bool diverged = false;
  for (const auto& n : t.value("update_norms", nlohmann::json::array())) {
    const std::optional<double> x = RealValue(n);
    diverged = diverged || (x && !std::isfinite(*x));
  }
  t["diverged"] = diverged;
  // Checked intervals whose start checkpoint claims other hyper-parameters
  // than the task's (reported, never used unless the policy says "prover").
  t["hyperparameter_mismatches"] = mismatches;
  const std::string behaviour = t.value("solver_behaviour", std::string());
  const bool honest = behaviour.empty() || behaviour == "honest";
  // After a forced error, `verifiers` holds the verdicts on the solver's
  // real trace (those on the wrong trace it posted on the arbiter's order
  // are in forced_round): detection is judged on the real trace.
  // Judged by what the solver did, not its behaviour's name: a solver that
  // trains honestly and only stalls in disputes, or an attack that changed
  // nothing, committed the honest training, and a challenge of it is a
  // false positive. Withholding that the arbiter confirmed (outcome
  // withheld) is a detected misbehaviour whatever the trace.
  const bool trace_honest = t.value("solver_trace_honest", honest);
  const bool withheld = t.value("outcome", std::string()) == "withheld";
  const bool challenged = t.value("challenged", false);
  t["detected"] = challenged && (!trace_honest || withheld);
  t["false_positive"] = challenged && trace_honest && !withheld;
  // Missed: some verifier judged (accepted) and none challenged a trace
  // that was not the honest training (a solver that only withheld its
  // checkpoints, which the arbiter relayed, committed nothing to detect);
  // a task on which every verifier abstained was not verified at all.
  bool judged = false;
  for (const auto& v : t["verifiers"]) judged = judged || !v.value("abstain", false);
  t["missed"] = !challenged && !trace_honest && judged;
  // Escaped: a trace that was not the honest training and the task still
  // paid its solver. A challenge can be raised (detected) and the solver
  // paid all the same when every challenge played was lost by its
  // challenger (each challenge taken is played in turn until one is
  // upheld, so this takes a trace whose wrong interval no challenger
  // named).
  const std::string outcome = t.value("outcome", std::string());
  t["escaped"] = !trace_honest && PaysReward(SettlementOutcomeNamed(outcome));
  const int64_t steps = t.value("steps", int64_t{0});
  if (t.contains("solver_steps_computed") && steps > 0) {
    const int64_t computed = t["solver_steps_computed"].get<int64_t>();
    t["solver_compute_ratio"] = static_cast<double>(computed) / static_cast<double>(steps);
    // Verifier compute over what the solver actually computed (null when
    // the solver computed nothing).
    t["verifier_over_solver_compute"] =
        computed > 0 ? nlohmann::json(static_cast<double>(
                           t.value("verifier_steps_reexecuted", int64_t{0})) /
                                      static_cast<double>(computed))
                     : nlohmann::json();
  }
}

// Interval reports without their timing fields (those go to "timings").
nlohmann::json WithoutTimings(nlohmann::json intervals) {
  for (auto& e : intervals) {
    if (e.is_object()) e.erase("seconds");
  }
  return intervals;
}

// "  tolerance: l2 2.3e-07 <= δ 1.7e-06 (calibrated); solver honest, 40/40
// steps computed; accepted", or for exact mode the same with the distances
// of mismatching intervals; ends with what the verdicts mean.
std::string VerificationLine(const nlohmann::json& t) {
  // A task settled before any trace (a solver that timed out or gave up)
  // had nothing to verify.
  if (!t.contains("trace_root")) return "  no trace was committed: nothing was verified\n";
  const nlohmann::json v = t.value("verification", nlohmann::json::object());
  const nlohmann::json max = t.value("max_distance", nlohmann::json::object());
  const nlohmann::json delta = v.value("delta", nlohmann::json::object());
  const bool tolerance = t.value("mode", std::string()) == "tolerance";
  std::string line = "  " + t.value("mode", std::string()) + ":";
  char buf[160];
  std::vector<std::string> metrics;
  for (const auto& m : v.value("metrics", nlohmann::json::array())) metrics.push_back(m);
  if (!tolerance) metrics = {"l2"};
  bool any = false;
  for (const auto& m : metrics) {
    if (!max.contains(m)) continue;
    any = true;
    const double d = RealValue(max[m]).value_or(0);
    if (tolerance && delta.contains(m)) {
      const double limit = delta[m].get<double>();
      std::snprintf(buf, sizeof(buf), " %s %.3g %s δ %.3g;", m.c_str(), d,
                    d <= limit ? "<=" : ">", limit);
    } else {
      std::snprintf(buf, sizeof(buf), " %s %.3g;", m.c_str(), d);
    }
    line += buf;
  }
  // An interval can fail without a distance (checkpoint 0 not the task's
  // initial state, a wrong step counter): only all matches are bit-equal,
  // and only intervals actually checked count.
  int64_t mismatched = 0;
  int64_t checked = 0;
  std::string abstentions;
  for (const auto& verifier : t.value("verifiers", nlohmann::json::array())) {
    for (const auto& interval : verifier.value("intervals", nlohmann::json::array())) {
      if (!interval.value("checked", true)) continue;
      ++checked;
      if (interval.value("match", true) == false) ++mismatched;
    }
    if (verifier.value("abstain", false)) {
      abstentions += " " + verifier.value("name", std::string()) + " abstained (" +
                     verifier.value("reason", std::string()) + ");";
    }
  }
  if (checked == 0) {
    line += " no interval checked;";
  } else if (!any && mismatched > 0) {
    std::snprintf(buf, sizeof(buf), " %lld checked interval(s), %lld not matching;",
                  static_cast<long long>(checked), static_cast<long long>(mismatched));
    line += buf;
  } else if (!any) {
    std::snprintf(buf, sizeof(buf), " all %lld checked interval(s) %s;",
                  static_cast<long long>(checked), tolerance ? "matching" : "bit-equal");
    line += buf;
  }
  line += abstentions;
  if (tolerance) line += " δ " + v.value("delta_source", std::string("fixed")) + ",";
  if (v.value("hyperparameters", std::string("task")) == "prover") {
    line += " hyper-parameters from the prover,";
  }
  const std::string behaviour = t.value("solver_behaviour", std::string("?"));
  std::snprintf(buf, sizeof(buf), " solver %s (%lld/%lld steps computed): ", behaviour.c_str(),
                static_cast<long long>(t.value("solver_steps_computed", int64_t{0})),
                static_cast<long long>(t.value("steps", int64_t{0})));
  line += buf;
  return line + SolverVerdict(t) + "\n";
}

}  // namespace

namespace {

// A task's record as task_posted starts it.
nlohmann::json NewTaskRecord(const Event& e) {
  const nlohmann::json& d = e.data;
  const auto& spec = d.at("spec");
  const int64_t steps = spec.value("steps", int64_t{0});
  const int64_t k = spec.value("checkpoint_interval", int64_t{1});
  return {{"task", e.task},
          {"outcome", "unsettled"},
          {"reason", ""},
          {"job", spec.at("job").value("name", std::string())},
          {"steps", steps},
          {"checkpoint_interval", k},
          {"intervals", k > 0 ? steps / k : 0},
          {"mode", spec.value("mode", std::string())},
          {"verification", VerificationSummary(spec)},
          {"solver", spec.value("solver", std::string())},
          {"reward", spec.value("reward", int64_t{0})},
          {"verifiers", nlohmann::json::array()},
          {"availability_challenges", nlohmann::json::array()},
          {"intervals_verified", 0},
          {"intervals_covered", 0},
          {"verifier_steps_reexecuted", 0},
          {"timings", nlohmann::json::object()}};
}

// What one event after task_posted adds to task record `t`; task_settled
// also gives the balances after it (`balances`). `posted_ms`: when the task
// was posted.
void ApplyTaskEvent(const Event& e, int64_t posted_ms, nlohmann::json& t,
                    nlohmann::json* balances) {
  const nlohmann::json& d = e.data;
  if (e.type == TraceCommittedEvent::kType) {
    const auto& body = d.at("body");
    const auto& training = body.value("training", nlohmann::json::object());
    t["trace_root"] = body.value("trace_root", std::string());
    t["final_state_hash"] = body.value("final_state_hash", std::string());
    t["num_checkpoints"] = body.value("num_checkpoints", int64_t{0});
    t["update_norms"] = body.value("update_norms", nlohmann::json::array());
    t["test_accuracy"] = training.value("test_accuracy", 0.0);
    t["dataset_root"] = training.value("dataset_root", std::string());
    t["solver_behaviour"] = training.value("behaviour", std::string());
    const bool honest = t["solver_behaviour"] == "honest" || t["solver_behaviour"] == "";
    t["solver_trace_honest"] = training.value("trains_honestly", honest);
    t["checkpoint_bytes"] = training.value("checkpoint_bytes", int64_t{0});
    t["checkpoint_file_bytes"] = training.value("checkpoint_file_bytes", int64_t{0});
    t["step_flops"] = training.value("step_flops", 0.0);
    // What the solver actually computed (attacks compute less than T).
    t["solver_steps_computed"] = training.value("steps_computed", t["steps"].get<int64_t>());
    t["attack"] = training.value("attack", nlohmann::json::object());
    for (const char* f : {"seconds", "setup_seconds", "train_seconds", "hash_seconds",
                          "write_seconds"}) {
      if (training.contains(f)) t["timings"][std::string("solver_") + f] = training[f];
    }
    // One full training step, to set the arbiter's one-node time against.
    if (training.contains("train_seconds") && t["steps"].get<int64_t>() > 0) {
      t["timings"]["solver_step_seconds"] =
          training["train_seconds"].get<double>() / static_cast<double>(t["steps"].get<int64_t>());
    }
  } else if (e.type == TrainingFailedEvent::kType) {
    // A solver that gave up computed steps all the same: its compute cost
    // (money.h) is charged on them.
    t["solver_steps_computed"] = d.value("steps_computed", int64_t{0});
  } else if (e.type == SolverRecomputedEvent::kType) {
    // A restarted solver trained the task again after committing: what it
    // says it computed in all, earlier processes included.
    auto recomputed = SolverRecomputedEvent::FromJson(d);
    if (recomputed.ok()) {
      t["solver_steps_computed"] = std::max(t.value("solver_steps_computed", int64_t{0}),
                                            recomputed->steps_computed);
    }
  } else if (e.type == ForcedErrorSettlementEvent::kType) {
    // The arbiter had told the solver to post a wrong trace: the verdicts
    // so far are on it; the solver's real trace is verified next.
    t["forced_round"] = {{"trace_root", t.value("trace_root", std::string())},
                         {"verifiers", t["verifiers"]},
                         {"caught", d.value("caught", nlohmann::json::array())},
                         {"lazy", d.value("lazy", nlohmann::json::array())}};
    t["verifiers"] = nlohmann::json::array();
  } else if (e.type == RealTraceRevealedEvent::kType && d.value("opens", false)) {
    const auto& body = d.at("body");
    t["real_trace_root"] = body.value("trace_root", std::string());
    t["trace_root"] = t["real_trace_root"];
    t["final_state_hash"] = body.value("final_state_hash", std::string());
    t["update_norms"] = body.value("update_norms", nlohmann::json::array());
  } else if (e.type == VerdictEvent::kType) {
    const auto& body = d.at("body");
    const auto intervals = body.value("intervals", nlohmann::json::array());
    // A challenge's further intervals (Verdict::further), in the order the
    // arbiter plays them after the first.
    nlohmann::json further = nlohmann::json::array();
    if (const auto f = body.find("further"); f != body.end() && f->is_array()) {
      for (const auto& e : *f) further.push_back(e.value("interval", int64_t{-1}));
    }
    nlohmann::json v = {{"name", d.value("verifier", std::string())},
                        {"accept", body.value("accept", false)},
                        {"abstain", body.value("abstain", false)},
                        {"disputed_interval", body.value("disputed_interval", int64_t{-1})},
                        {"further_intervals", further},
                        {"reason", body.value("reason", std::string())},
                        {"steps_reexecuted", body.value("steps_reexecuted", int64_t{0})},
                        {"intervals", WithoutTimings(intervals)}};
    t["verifiers"].push_back(v);
    // An interval the verifier could not check (a checkpoint it could not
    // get, a failure of its own) is reported but not counted as verified.
    int64_t checked = 0;
    for (const auto& i : intervals) checked += i.value("checked", true) ? 1 : 0;
    t["intervals_verified"] = t["intervals_verified"].get<int64_t>() + checked;
    // The distinct intervals some verifier checked: two verifiers checking
    // one interval verify it twice but cover it once.
    std::set<int64_t> covered;
    for (const auto& other : t["verifiers"]) {
      for (const auto& i : other.value("intervals", nlohmann::json::array())) {
        if (i.value("checked", true) && i.contains("index")) covered.insert(i.value("index", int64_t{-1}));
      }
    }
    t["intervals_covered"] = static_cast<int64_t>(covered.size());
    t["verifier_steps_reexecuted"] = t["verifier_steps_reexecuted"].get<int64_t>() +
                                     v["steps_reexecuted"].get<int64_t>();
    t["timings"]["verifier_seconds"][v["name"].get<std::string>()] =
        body.value("seconds", 0.0);
  } else if (e.type == DisputeOpenedEvent::kType) {
    // A task's challenges are played one after another: each game's notes
    // are its own.
    t.erase("dispute_notes");
  } else if (e.type == DisputeResolvedEvent::kType) {
    // Every game played, in order (the last decided: it is `dispute`).
    nlohmann::json game = d;
    if (t.contains("dispute_notes")) game["notes"] = t["dispute_notes"];
    t["disputes"].push_back(game);
  } else if (e.type == InitialStateRulingEvent::kType) {
    // A challenge of checkpoint 0 as the task's initial state is ruled on
    // without a game, in its turn as a game is played (docs/protocol.md):
    // it is one of the games played, and the deciding one when it is the
    // last (task_settled then carries no game).
    const bool upheld = d.value("upheld", false);
    t["disputes"].push_back({{"challenger", d.value("challenger", std::string())},
                             {"initial_state_ruling", true},
                             {"interval", 0},
                             {"upheld", upheld},
                             {"winner", upheld ? "challenger" : "solver"},
                             {"committed", d.value("committed", std::string())},
                             {"initial_state", d.value("initial_state", nlohmann::json::object())}});
    t.erase("dispute_notes");
  } else if (e.type == GameMoveEvent::kType && d.contains("body") && d["body"].contains("note")) {
    // What a party put on the record with its move (a tolerance-mode
    // challenger's distances per sub-range, its node scan).
    t["dispute_notes"].push_back({{"move", d.value("move", int64_t{-1})},
                                  {"from", d.value("from", std::string())},
                                  {"note", d["body"]["note"]}});
  } else if (e.type == AvailabilityChallengeEvent::kType) {
    // A verifier asked the arbiter for a checkpoint the solver did not
    // serve it (docs/protocol.md, "Data-availability challenge").
    nlohmann::json c = {{"challenger", d.value("challenger", std::string())},
                        {"index", d.value("index", int64_t{-1})},
                        {"reason", d.value("reason", std::string())},
                        {"state", "open"}};
    // Joining a demand already decided (a failed one: the task waits for
    // every verifier before it settles) takes its outcome.
    for (const auto& earlier : t["availability_challenges"]) {
      if (earlier.value("index", int64_t{-2}) != c["index"] ||
          earlier.value("state", std::string()) == "open") {
        continue;
      }
      c["state"] = earlier["state"];
      if (earlier.contains("failure")) c["failure"] = earlier["failure"];
    }
    t["availability_challenges"].push_back(c);
  } else if (e.type == CheckpointDeliveredEvent::kType || e.type == AvailabilityFailedEvent::kType) {
    const bool delivered = e.type == CheckpointDeliveredEvent::kType && d.value("valid", false);
    for (auto& c : t["availability_challenges"]) {
      if (c.value("index", int64_t{-2}) != d.value("index", int64_t{-1})) continue;
      c["state"] = delivered ? "delivered" : "failed";
      if (!delivered) {
        c["failure"] = d.contains("reason") ? d["reason"] : d.value("error", nlohmann::json(""));
      }
    }
  } else if (e.type == NodeRulingEvent::kType) {
    const auto timings = d.value("timings", nlohmann::json::object());
    t["timings"]["arbiter_node_seconds"] = timings.value("node_seconds", 0.0);
    t["timings"]["arbiter_job_load_seconds"] = timings.value("job_load_seconds", 0.0);
  } else if (e.type == TaskSettledEvent::kType) {
    t["outcome"] = d.value("outcome", std::string());
    t["reason"] = d.value("reason", std::string());
    t["balances"] = d.value("balances", nlohmann::json::object());
    auto dispute = d.value("dispute", nlohmann::json::object());
    if (!dispute.empty()) {
      if (t.contains("dispute_notes")) dispute["notes"] = t["dispute_notes"];
      t["dispute"] = dispute;
    } else if (t.contains("disputes") && !t["disputes"].empty() &&
               t["disputes"].back().value("initial_state_ruling", false)) {
      // Decided by a ruling on checkpoint 0, played last.
      t["dispute"] = t["disputes"].back();
    }
    t.erase("dispute_notes");
    *balances = t["balances"];
    t["timings"]["time_to_resolution_s"] =
        static_cast<double>(e.time_ms - posted_ms) / 1000.0;
  }
}

// Task record `t` once every event is in: verifiers by name, who
// challenged and abstained, detection, the verifiers' compute.
void FinishTaskRecord(nlohmann::json& t) {
  // By name, not by arrival: several verifiers vote in any order.
  auto by_name = [](const nlohmann::json& list) {
    std::vector<nlohmann::json> sorted(list.begin(), list.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const nlohmann::json& a, const nlohmann::json& b) {
                       return a.value("name", std::string()) < b.value("name", std::string());
                     });
    return nlohmann::json(sorted);
  };
  t["verifiers"] = by_name(t["verifiers"]);
  if (t.contains("forced_round")) {
    t["forced_round"]["verifiers"] = by_name(t["forced_round"]["verifiers"]);
  }
  const int64_t steps = t["steps"].get<int64_t>();
  bool challenged = false;
  nlohmann::json abstained = nlohmann::json::array();
  for (const auto& v : t["verifiers"]) {
    const bool abstain = v.value("abstain", false);
    challenged = challenged || (!v.value("accept", true) && !abstain);
    if (abstain) abstained.push_back(v.value("name", std::string()));
  }
  // A solver that withheld a checkpoint the arbiter demanded was caught
  // as surely as by a game.
  challenged = challenged || t.value("outcome", std::string()) == "withheld";
  t["challenged"] = challenged;  // some verifier disputed an interval
  t["abstained"] = abstained;    // verifiers that could not verify
  AddDetection(&t);
  t["verifier_compute_ratio"] =
      steps > 0 ? static_cast<double>(t["verifier_steps_reexecuted"].get<int64_t>()) /
                      static_cast<double>(steps)
                : 0.0;
}

}  // namespace

Result<nlohmann::json> BuildSummary(const std::vector<Event>& events,
                                    const std::string& scenario, uint64_t seed) {
  std::map<std::string, nlohmann::json> tasks;
  std::vector<std::string> order;
  nlohmann::json balances = nlohmann::json::object();
  nlohmann::json rejected = nlohmann::json::object();
  bool conservation = false;
  bool shut_down = false;
  std::map<std::string, int64_t> posted_ms;
  // Participants the arbiter found silent (no message for silence_ms), in
  // the order it noticed, each once.
  nlohmann::json silent = nlohmann::json::array();

  for (const auto& e : events) {
    const nlohmann::json& d = e.data;
    if (e.type == ParticipantSilentEvent::kType) {
      const nlohmann::json name = d.value("name", std::string());
      if (std::find(silent.begin(), silent.end(), name) == silent.end()) silent.push_back(name);
      continue;
    }
    if (e.type == TaskPostedEvent::kType) {
      tasks[e.task] = NewTaskRecord(e);
      order.push_back(e.task);
      posted_ms[e.task] = e.time_ms;
      continue;
    }
    auto it = tasks.find(e.task);
    if (e.type == ShutdownEvent::kType) {
      conservation = d.value("conservation", false);
      rejected = d.value("rejected_messages", nlohmann::json::object());
      shut_down = true;
    }
    if (it == tasks.end()) continue;
    nlohmann::json& t = it->second;
    ApplyTaskEvent(e, posted_ms[e.task], t, &balances);
  }
  nlohmann::json out = {{"scenario", scenario},
                        {"seed", seed},
                        {"tasks", nlohmann::json::array()},
                        {"balances", balances},
                        {"conservation", conservation},
                        {"arbiter_shut_down", shut_down},
                        {"rejected_messages", rejected},
                        {"silent_participants", silent}};
  for (const auto& id : order) {
    nlohmann::json t = tasks[id];
    FinishTaskRecord(t);
    out["tasks"].push_back(t);
  }
  AddMoney(events, &out);
  return out;
}

std::string MetricsCsv(const nlohmann::json& summary) {
  std::set<std::string> accounts;
  for (const auto& t : summary.at("tasks")) {
    const nlohmann::json balances = t.value("balances", nlohmann::json::object());
    for (const auto& [name, v] : balances.items()) accounts.insert(name);
  }
  std::vector<std::string> cols = {"task", "outcome", "challenged", "job", "steps",
                                    "checkpoint_interval", "intervals", "mode",
                                    "intervals_verified", "intervals_covered",
                                    "verifier_steps_reexecuted", "verifier_compute_ratio", "test_accuracy",
                                    "checkpoint_bytes", "solver_behaviour",
                                    "solver_steps_computed", "solver_trace_honest", "detected",
                                    "false_positive", "missed", "escaped", "diverged"};
  // Proof-of-learning columns: the largest distance per metric over the
  // checked intervals, and the task's δ (empty where not set).
  const std::vector<std::string> metric_names = {"l1", "l2", "linf", "cosine"};
  // Dispute columns: empty for tasks without a dispute.
  const std::vector<std::string> dispute_cols = {"interval", "step", "node", "rounds",
                                                 "rounds_phase1", "rounds_phase2", "winner"};
  std::ostringstream out;
  for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i];
  for (const auto& c : dispute_cols) out << ",dispute." << c;
  for (const auto& m : metric_names) out << ",max_distance." << m << ",delta." << m;
  for (const auto& a : accounts) out << "," << CsvField("balance." + a);
  // Money columns (scenarios/runner/money.h).
  const std::vector<std::string> money_cols = {"forced_error", "forced_error_caught",
                                               "forced_error_missed", "forced_error_unjudged",
                                               "jackpot"};
  for (const auto& c : money_cols) out << "," << c;
  std::set<std::string> earners;
  for (const auto& t : summary.at("tasks")) {
    auto profit = t.find("profit");
    if (profit == t.end() || !profit->is_object()) continue;
    for (auto p = profit->begin(); p != profit->end(); ++p) earners.insert(p.key());
  }
  for (const auto& p : earners) out << "," << CsvField("profit." + p);
  out << ",time_to_resolution_s,solver_train_s\n";
  for (const auto& t : summary.at("tasks")) {
    for (size_t i = 0; i < cols.size(); ++i) {
      out << (i ? "," : "") << CsvField(t.value(cols[i], nlohmann::json()));
    }
    const auto dispute = t.value("dispute", nlohmann::json::object());
    for (const auto& c : dispute_cols) out << "," << CsvField(dispute.value(c, nlohmann::json()));
    const auto max = t.value("max_distance", nlohmann::json::object());
    const auto delta =
        t.value("verification", nlohmann::json::object()).value("delta", nlohmann::json::object());
    for (const auto& m : metric_names) {
      out << "," << CsvField(max.value(m, nlohmann::json())) << ","
          << CsvField(delta.value(m, nlohmann::json()));
    }
    const auto balances = t.value("balances", nlohmann::json::object());
    for (const auto& a : accounts) out << "," << CsvField(balances.value(a, nlohmann::json()));
    for (const auto& c : money_cols) out << "," << CsvField(t.value(c, nlohmann::json()));
    const auto profit = t.value("profit", nlohmann::json::object());
    for (const auto& p : earners) out << "," << CsvField(profit.value(p, nlohmann::json()));
    const auto timings = t.value("timings", nlohmann::json::object());
    out << "," << CsvField(timings.value("time_to_resolution_s", nlohmann::json()));
    out << "," << CsvField(timings.value("solver_train_seconds", nlohmann::json())) << "\n";
  }
  return out.str();
}

std::string SolverVerdict(const nlohmann::json& t) {
  std::string line;
  if (t.contains("forced_round")) {
    const auto caught = t["forced_round"].value("caught", nlohmann::json::array());
    line += !caught.empty()                            ? "a forced error, caught; its real trace "
            : t.value("forced_error_unjudged", false) ? "a forced error, unjudged (every verifier "
                                                        "abstained or was silent); its real trace "
                                                      : "a forced error, MISSED; its real trace ";
  }
  if (t.contains("forced_round") && !t.contains("real_trace_root")) {
    line += "never opened";
  } else if (t.value("detected", false) && t.value("escaped", false)) {
    line += "detected, yet PAID (every dispute played was lost by its challenger)";
  } else if (t.value("detected", false)) {
    line += "detected";
  } else if (t.value("false_positive", false)) {
    line += "challenged although honest (a false positive)";
  } else if (t.value("missed", false)) {
    line += "NOT detected";
  } else if (!t.value("challenged", false) && t.value("solver_trace_honest", false) &&
             t.value("solver_behaviour", std::string("?")) != "honest") {
    line += "not challenged (its trace is the honest training)";
  } else {
    line += t.value("challenged", false) ? "challenged" : "not challenged";
  }
  return line;
}

bool SolverVerdictIsSound(const nlohmann::json& t) {
  if (t.contains("forced_round") &&
      t["forced_round"].value("caught", nlohmann::json::array()).empty()) {
    return false;  // missed, or unjudged: no verifier caught it either way
  }
  if (t.value("escaped", false) || t.value("missed", false) ||
      t.value("false_positive", false)) {
    return false;
  }
  return !(t.value("solver_trace_honest", true) == false && !t.value("detected", false));
}

std::string HumanSummary(const nlohmann::json& summary, double wall_seconds) {
  std::ostringstream out;
  char buf[512];
  for (const auto& t : summary.at("tasks")) {
    // A task with no trained result (a solver that timed out) has no
    // accuracy, which is not an accuracy of 0.
    char accuracy[64] = "no test accuracy";
    if (t.contains("test_accuracy") && t["test_accuracy"].is_number()) {
      std::snprintf(accuracy, sizeof(accuracy), "test accuracy %.4f",
                    t["test_accuracy"].get<double>());
    }
    std::snprintf(buf, sizeof(buf),
                  "%s: %s — %lld steps of %s, %s; %lld intervals verified "
                  "(%lld steps re-executed, %.1f%% of training)\n",
                  t.value("task", std::string()).c_str(),
                  t.value("outcome", std::string()).c_str(),
                  static_cast<long long>(t.value("steps", int64_t{0})),
                  t.value("job", std::string()).c_str(), accuracy,
                  static_cast<long long>(t.value("intervals_verified", int64_t{0})),
                  static_cast<long long>(t.value("verifier_steps_reexecuted", int64_t{0})),
                  100.0 * t.value("verifier_compute_ratio", 0.0));
    out << buf;
    if (!t.value("reason", std::string()).empty()) {
      out << "  " << t.value("reason", std::string()) << "\n";
    }
    if (t.value("diverged", false)) {
      out << "  the training diverged: an update norm is not finite (update_norms), so the "
             "trace, however verified, trained no usable model\n";
    }
    out << VerificationLine(t);
    // A stake the terms ask for and the ledger could not lock: the task
    // went on without it, so slashing it took nothing.
    const nlohmann::json stakes_refused = t.value("stakes_refused", nlohmann::json::object());
    for (const auto& [who, amount] : stakes_refused.items()) {
      out << "  " << who << " locked no stake of " << amount.dump()
          << ": its funds could not cover it, and the task went on without it (a slash of it "
             "takes nothing)\n";
    }
  }
  // Money: profit per participant over the run, the jackpot, forced errors.
  if (summary.contains("profit")) {
    std::string line = "money: profit";
    for (const auto& [name, v] : summary["profit"].items()) {
      line += " " + name + " " + (v.get<int64_t>() > 0 ? "+" : "") + v.dump() + ",";
    }
    const auto fe = summary.value("forced_errors", nlohmann::json::object());
    // The jackpot's change over the run beside the profits, then its
    // balance (which includes what it began with).
    const int64_t change = summary.value("jackpot_change", int64_t{0});
    std::snprintf(buf, sizeof(buf),
                  " jackpot %s%lld (now %lld), burned %lld; forced errors %lld raised, %lld "
                  "caught, %lld missed",
                  change > 0 ? "+" : "", static_cast<long long>(change),
                  static_cast<long long>(summary.value("jackpot", int64_t{0})),
                  static_cast<long long>(summary.value("burned", int64_t{0})),
                  static_cast<long long>(fe.value("raised", int64_t{0})),
                  static_cast<long long>(fe.value("caught", int64_t{0})),
                  static_cast<long long>(fe.value("missed", int64_t{0})));
    out << line << buf;
    const int64_t unjudged = fe.value("unjudged", int64_t{0});
    if (unjudged > 0) out << ", " << unjudged << " unjudged (the task ended before its verifiers' round, or every "
                                          "verifier abstained in it)";
    out << "\n";
    const int64_t unpaid = fe.value("fees_unpaid", int64_t{0});
    if (unpaid > 0) {
      out << "  " << unpaid
          << " token(s) of verifier fees on forced errors' real traces "
             "unpaid: the jackpot could not cover them (tasks' settlement "
             "fees_unpaid)\n";
    }
    const int64_t refused = summary.value("refused_transfers", int64_t{0});
    if (refused > 0) {
      out << "  " << refused
          << " ledger transfer(s) refused (they would have overdrawn an account; see "
             "transfer_refused in events.jsonl)\n";
    }
  }
  // A market's tasks that never ran: not in `tasks`, so said here.
  const nlohmann::json market_tasks =
      summary.value("market", nlohmann::json::object()).value("tasks", nlohmann::json::object());
  const int64_t unserved = market_tasks.value("unserved", int64_t{0});
  const int64_t lost = market_tasks.value("lost", int64_t{0});
  if (unserved > 0 || lost > 0) {
    const int64_t posted = market_tasks.value("posted", int64_t{0});
    out << "market: " << posted << " of " << posted + unserved + lost << " task(s) posted";
    if (unserved > 0) {
      out << "; " << unserved
          << " unserved (no active solver, or fewer active verifiers than verifiers_per_task)";
    }
    if (lost > 0) out << "; " << lost << " lost (waited past max_wait)";
    out << "\n";
  }
  // The arbiter checks conservation as it shuts down; without its shutdown
  // there is no answer, which is not a NO.
  const char* conserved = !summary.value("arbiter_shut_down", true) ? "not checked (the arbiter "
                                                                      "did not shut down)"
                          : summary.value("conservation", false) ? "yes"
                                                                 : "NO";
  std::snprintf(buf, sizeof(buf), "ledger conserved: %s; wall time %.1f s\n", conserved,
                wall_seconds);
  out << buf;
  return out.str();
}

}  // namespace veritrain
