#include "scenarios/spec/crash_timeout.h"

#include <cstdio>
#include <map>
#include <string>

namespace veritrain {
namespace {

using nlohmann::json;

// Seconds as written: "120", "0.5".
std::string SecondsText(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", s);
  return buf;
}

}  // namespace

std::vector<ScenarioError> CrashTimeoutErrors(const json& r) {
  std::vector<ScenarioError> errors;
  if (r.contains("market")) return errors;  // a market has no crashes
  std::map<std::string, std::string> role_of;
  int64_t verifiers = 0;
  for (const json& p : r["participants"]) {
    role_of[p["name"].get<std::string>()] = p["role"].get<std::string>();
    if (p["role"] == "verifier") ++verifiers;
  }
  const double timeout = r["timeout_s"].get<double>();
  const int64_t tasks = r["tasks"].get<int64_t>();
  const json& deadlines = r["protocol"]["deadlines"];
  const json& economics = r["economics"];
  const int64_t per_task = economics["verifiers_per_task"].get<int64_t>();
  const bool every_verifier_drawn = per_task == 0 || per_task >= verifiers;
  // A forced error's real trace is verified in a second round.
  const int64_t rounds = economics["forced_error_rate"].get<double>() >= 1 ? 2 : 1;
  // "the task" or "each of the run's 3 tasks".
  const std::string each_task =
      tasks == 1 ? "the task" : "each of the run's " + std::to_string(tasks) + " tasks";

  // A solver that never posts a trace leaves nothing to verify.
  bool solver_gone_in_training = false;
  for (const json& c : r["crashes"]) {
    const auto who = role_of.find(c["participant"].get<std::string>());
    solver_gone_in_training |= who != role_of.end() && who->second == "solver" &&
                               c["at"] == "training" && !c["restart"].get<bool>();
  }

  const json& crashes = r["crashes"];
  for (size_t i = 0; i < crashes.size(); ++i) {
    const json& c = crashes[i];
    if (c["restart"].get<bool>()) continue;
    const std::string name = c["participant"].get<std::string>();
    const auto who = role_of.find(name);
    if (who == role_of.end()) continue;  // CrashErrors names it
    const std::string at = c["at"].get<std::string>();
    const std::string crash = name + "'s crash at " + at + " (/crashes/" + std::to_string(i) +
                              ", after " + c["after"].dump() + ", no restart)";
    double wait = 0;
    std::string why;
    std::string deadline;
    if (who->second == "solver" && at == "training") {
      const double training = deadlines["training_s"].get<double>();
      wait = static_cast<double>(tasks) * training;
      deadline = "protocol.deadlines.training_s";
      why = "the solver posts no trace, so " + each_task +
            (tasks > 1 ? " (the crash comes in the first, and the later ones are assigned to "
                         "it too)"
                       : "") +
            " waits out " + deadline + " = " + SecondsText(training) +
            " s and settles as solver_timeout";
    } else if (who->second == "verifier" && at == "verification" && every_verifier_drawn &&
               !solver_gone_in_training) {
      const double verification = deadlines["verification_s"].get<double>();
      wait = static_cast<double>(tasks * rounds) * verification;
      deadline = "protocol.deadlines.verification_s";
      why = name + " is drawn for every task and posts no verdict, so " + each_task +
            (rounds == 2 ? " (verified twice: a forced error at rate 1, whose real trace is "
                           "verified again)"
                         : "") +
            " waits out " + deadline + " = " + SecondsText(verification) + " s for it" +
            (rounds == 2 ? " each time" : "");
    } else {
      continue;  // no wait that is sure to come
    }
    if (tasks * (who->second == "verifier" ? rounds : 1) > 1) {
      why += ", " + SecondsText(wait) + " s in all";
    }
    if (wait < timeout) continue;
    errors.push_back(
        {"/timeout_s",
         SecondsText(timeout) + " s is not enough for " + crash + ": " + why +
             ". The run cannot end before " + SecondsText(wait) +
             " s, and at timeout_s the runner stops it unfinished, with no summary. Raise "
             "timeout_s above " + SecondsText(wait) + " s (with time for the run's own work), "
             "lower " + deadline + ", or set the crash's restart"});
  }
  return errors;
}

}  // namespace veritrain
