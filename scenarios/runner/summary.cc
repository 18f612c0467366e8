#include "scenarios/runner/summary.h"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace veritrain {
namespace {

std::string CsvField(const nlohmann::json& v) {
  std::string s;
  if (v.is_null()) return "";
  if (v.is_string()) {
    s = v.get<std::string>();
  } else if (v.is_boolean()) {
    return v.get<bool>() ? "true" : "false";
  } else {
    s = v.dump();
  }
  if (s.find_first_of(",\"\n\r") != std::string::npos) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  }
  return s;
}

// Interval reports without their timing fields (those go to "timings").
nlohmann::json WithoutTimings(nlohmann::json intervals) {
  for (auto& e : intervals) {
    if (e.is_object()) e.erase("seconds");
  }
  return intervals;
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

  for (const auto& e : events) {
    const nlohmann::json& d = e.data;
    if (e.type == "task_posted") {
      const auto& spec = d.at("spec");
      const int64_t steps = spec.value("steps", int64_t{0});
      const int64_t k = spec.value("checkpoint_interval", int64_t{1});
      tasks[e.task] = {{"task", e.task},
                       {"outcome", "unsettled"},
                       {"reason", ""},
                       {"job", spec.at("job").value("name", std::string())},
                       {"steps", steps},
                       {"checkpoint_interval", k},
                       {"intervals", k > 0 ? steps / k : 0},
                       {"mode", spec.value("mode", std::string())},
                       {"solver", spec.value("solver", std::string())},
                       {"reward", spec.value("reward", int64_t{0})},
                       {"verifiers", nlohmann::json::array()},
                       {"intervals_verified", 0},
                       {"verifier_steps_reexecuted", 0},
                       {"timings", nlohmann::json::object()}};
      order.push_back(e.task);
      posted_ms[e.task] = e.time_ms;
      continue;
    }
    auto it = tasks.find(e.task);
    if (e.type == "shutdown") {
      conservation = d.value("conservation", false);
      rejected = d.value("rejected_messages", nlohmann::json::object());
      shut_down = true;
    }
    if (it == tasks.end()) continue;
    nlohmann::json& t = it->second;
    if (e.type == "trace_committed") {
      const auto& body = d.at("body");
      const auto& training = body.value("training", nlohmann::json::object());
      t["trace_root"] = body.value("trace_root", std::string());
      t["final_state_hash"] = body.value("final_state_hash", std::string());
      t["num_checkpoints"] = body.value("num_checkpoints", int64_t{0});
      t["update_norms"] = body.value("update_norms", nlohmann::json::array());
      t["test_accuracy"] = training.value("test_accuracy", 0.0);
      t["dataset_root"] = training.value("dataset_root", std::string());
      t["solver_behaviour"] = training.value("behaviour", std::string());
      t["checkpoint_bytes"] = training.value("checkpoint_bytes", int64_t{0});
      t["step_flops"] = training.value("step_flops", 0.0);
      for (const char* f : {"seconds", "setup_seconds", "train_seconds", "hash_seconds",
                            "write_seconds"}) {
        if (training.contains(f)) t["timings"][std::string("solver_") + f] = training[f];
      }
    } else if (e.type == "verdict") {
      const auto& body = d.at("body");
      const auto intervals = body.value("intervals", nlohmann::json::array());
      nlohmann::json v = {{"name", d.value("verifier", std::string())},
                          {"accept", body.value("accept", false)},
                          {"disputed_interval", body.value("disputed_interval", int64_t{-1})},
                          {"reason", body.value("reason", std::string())},
                          {"steps_reexecuted", body.value("steps_reexecuted", int64_t{0})},
                          {"intervals", WithoutTimings(intervals)}};
      t["verifiers"].push_back(v);
      t["intervals_verified"] = t["intervals_verified"].get<int64_t>() +
                                static_cast<int64_t>(intervals.size());
      t["verifier_steps_reexecuted"] = t["verifier_steps_reexecuted"].get<int64_t>() +
                                       v["steps_reexecuted"].get<int64_t>();
      t["timings"]["verifier_seconds"][v["name"].get<std::string>()] =
          body.value("seconds", 0.0);
    } else if (e.type == "node_ruling") {
      const auto timings = d.value("timings", nlohmann::json::object());
      t["timings"]["arbiter_node_seconds"] = timings.value("node_seconds", 0.0);
      t["timings"]["arbiter_job_load_seconds"] = timings.value("job_load_seconds", 0.0);
    } else if (e.type == "task_settled") {
      t["outcome"] = d.value("outcome", std::string());
      t["reason"] = d.value("reason", std::string());
      t["balances"] = d.value("balances", nlohmann::json::object());
      const auto dispute = d.value("dispute", nlohmann::json::object());
      if (!dispute.empty()) t["dispute"] = dispute;
      balances = t["balances"];
      t["timings"]["time_to_resolution_s"] =
          static_cast<double>(e.time_ms - posted_ms[e.task]) / 1000.0;
    }
  }
  nlohmann::json out = {{"scenario", scenario},
                        {"seed", seed},
                        {"tasks", nlohmann::json::array()},
                        {"balances", balances},
                        {"conservation", conservation},
                        {"arbiter_shut_down", shut_down},
                        {"rejected_messages", rejected}};
  for (const auto& id : order) {
    nlohmann::json t = tasks[id];
    const int64_t steps = t["steps"].get<int64_t>();
    bool challenged = false;
    for (const auto& v : t["verifiers"]) challenged = challenged || !v.value("accept", true);
    t["challenged"] = challenged;  // some verifier disputed an interval
    t["verifier_compute_ratio"] =
        steps > 0 ? static_cast<double>(t["verifier_steps_reexecuted"].get<int64_t>()) /
                        static_cast<double>(steps)
                  : 0.0;
    out["tasks"].push_back(t);
  }
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
                                    "intervals_verified", "verifier_steps_reexecuted",
                                    "verifier_compute_ratio", "test_accuracy",
                                    "checkpoint_bytes"};
  // Dispute columns: empty for tasks without a dispute.
  const std::vector<std::string> dispute_cols = {"interval", "step", "node", "rounds",
                                                 "rounds_phase1", "rounds_phase2", "winner"};
  std::ostringstream out;
  for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i];
  for (const auto& c : dispute_cols) out << ",dispute_" << c;
  for (const auto& a : accounts) out << "," << CsvField("balance:" + a);
  out << ",time_to_resolution_s,solver_train_s\n";
  for (const auto& t : summary.at("tasks")) {
    for (size_t i = 0; i < cols.size(); ++i) {
      out << (i ? "," : "") << CsvField(t.value(cols[i], nlohmann::json()));
    }
    const auto dispute = t.value("dispute", nlohmann::json::object());
    for (const auto& c : dispute_cols) out << "," << CsvField(dispute.value(c, nlohmann::json()));
    const auto balances = t.value("balances", nlohmann::json::object());
    for (const auto& a : accounts) out << "," << CsvField(balances.value(a, nlohmann::json()));
    const auto timings = t.value("timings", nlohmann::json::object());
    out << "," << CsvField(timings.value("time_to_resolution_s", nlohmann::json()));
    out << "," << CsvField(timings.value("solver_train_seconds", nlohmann::json())) << "\n";
  }
  return out.str();
}

std::string HumanSummary(const nlohmann::json& summary, double wall_seconds) {
  std::ostringstream out;
  char buf[512];
  for (const auto& t : summary.at("tasks")) {
    std::snprintf(buf, sizeof(buf),
                  "%s: %s — %lld steps of %s, test accuracy %.4f; %lld intervals verified "
                  "(%lld steps re-executed, %.1f%% of training)\n",
                  t.value("task", std::string()).c_str(),
                  t.value("outcome", std::string()).c_str(),
                  static_cast<long long>(t.value("steps", int64_t{0})),
                  t.value("job", std::string()).c_str(), t.value("test_accuracy", 0.0),
                  static_cast<long long>(t.value("intervals_verified", int64_t{0})),
                  static_cast<long long>(t.value("verifier_steps_reexecuted", int64_t{0})),
                  100.0 * t.value("verifier_compute_ratio", 0.0));
    out << buf;
    if (!t.value("reason", std::string()).empty()) {
      out << "  " << t.value("reason", std::string()) << "\n";
    }
  }
  std::snprintf(buf, sizeof(buf), "ledger conserved: %s; wall time %.1f s\n",
                summary.value("conservation", false) ? "yes" : "NO", wall_seconds);
  out << buf;
  return out.str();
}

}  // namespace veritrain
