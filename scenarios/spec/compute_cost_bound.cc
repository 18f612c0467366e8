#include "scenarios/spec/compute_cost_bound.h"

#include <algorithm>
#include <string>

#include "scenarios/spec/checked_amount.h"

namespace veritrain {

std::optional<ScenarioError> ComputeCostError(const nlohmann::json& resolved, int64_t most_steps,
                                              std::optional<int64_t> supply, int64_t parties) {
  const nlohmann::json& e = resolved["economics"];
  const int64_t cost_per_step = e["compute_cost_per_step"].get<int64_t>();
  const int64_t tasks = resolved["tasks"].get<int64_t>();
  const bool forced = e["forced_error_rate"].get<double>() > 0;
  const int64_t traces = forced ? 2 : 1;
  // A solver or verifier started again after its crash redoes at most its
  // work on the task it crashed in (solver_steps_computed counts it).
  int64_t restarts = 0;
  for (const auto& c : resolved.value("crashes", nlohmann::json::array())) {
    if (c.value("restart", false) && c.value("participant", std::string()) != "arbiter") {
      ++restarts;
    }
  }
  if (cost_per_step == 0 || !supply || *supply > TaskEconomics::kMaxAmount) return std::nullopt;
  const std::optional<int64_t> cost =
      CheckedMul(CheckedMul(CheckedMul(CheckedMul(cost_per_step, most_steps), traces),
                            CheckedAdd(tasks, restarts)),
                 std::max<int64_t>(1, parties));
  const std::optional<int64_t> with_supply = CheckedAdd(cost, supply);
  if (with_supply && *with_supply <= TaskEconomics::kMaxAmount) return std::nullopt;
  const std::string product = std::to_string(cost_per_step) + " × " +
                              std::to_string(most_steps) + " steps" +
                              (forced ? " × 2 traces (forced errors are on)" : "") + " × " +
                              (restarts > 0 ? "(" + std::to_string(tasks) + " task(s) + " +
                                                  std::to_string(restarts) +
                                                  " restarted crash(es), each redoing a task)"
                                            : std::to_string(tasks) + " task(s)") +
                              (parties > 1 ? " × " + std::to_string(parties) +
                                                 " verifiers a task (the market's security "
                                                 "cost sums their compute)"
                                           : "");
  return ScenarioError{
      "/economics/compute_cost_per_step",
      product + (!cost ? " is past the int64 range" : " = " + std::to_string(*cost)) +
          (parties > 1 ? ": the compute the verifiers can be charged over the run"
                       : ": the compute a party can be charged over the run") +
          ", added to the genesis supply (" +
          std::to_string(*supply) +
          ", the most a ledger flow can be), is more than the largest token amount (2^53 - "
          "1), so a cost or profit in summary.json would not be exact in JSON readers that "
          "hold numbers as doubles (jq, JavaScript). Lower compute_cost_per_step, the steps "
          "or the tasks."};
}

}  // namespace veritrain
