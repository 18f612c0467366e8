#include "scenarios/runner/market_replay.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/protocol/events.h"
#include "core/util/json_depth.h"
#include "scenarios/runner/market_clock.h"
#include "scenarios/runner/run.h"

namespace veritrain {

MarketBook NewMarketBook(const Scenario& scenario) {
  return MarketBook(*scenario.market, scenario.economics.task, scenario.economics.jackpot_initial,
                    scenario.seed);
}

Result<MarketResults> ReplayMarket(const Scenario& scenario, const std::vector<Event>& events) {
  MarketBook book = NewMarketBook(scenario);
  std::vector<std::string> posted;
  std::map<std::string, std::vector<Event>> by_task;
  for (const Event& e : events) {
    if (e.task.empty()) continue;
    if (e.type == TaskPostedEvent::kType) posted.push_back(e.task);
    by_task[e.task].push_back(e);
  }
  size_t next = 0;
  if (scenario.market->arrivals) {
    // The tasks were posted in the order they started on the clock.
    MarketClock clock(*scenario.market, scenario.tasks, scenario.seed);
    auto execute = [&](const MarketPlan&) -> Result<std::optional<MarketTaskRecord>> {
      if (next == posted.size()) return std::optional<MarketTaskRecord>();  // the run ended here
      const std::string& id = posted[next++];
      auto record = MarketTaskFromEvents(by_task[id], id);
      if (!record.ok()) return std::optional<MarketTaskRecord>();  // still open: interrupted
      return std::optional<MarketTaskRecord>(std::move(*record));
    };
    VT_RETURN_IF_ERROR(clock.Run(&book, execute));
    return MarketResults{book.Summary(), book.ParticipantsCsv(), book.TasksCsv()};
  }
  for (int64_t i = 0; i < scenario.tasks; ++i) {
    const MarketPlan plan = book.Plan(i);
    if (!plan.post) {
      VT_RETURN_IF_ERROR(book.Observe(plan, nullptr));
      continue;
    }
    if (next == posted.size()) break;  // the run ended here
    const std::string& id = posted[next++];
    auto record = MarketTaskFromEvents(by_task[id], id);
    // A task still open when the run ended (interrupted): not replayed.
    if (!record.ok()) break;
    VT_RETURN_IF_ERROR(book.Observe(plan, &*record));
  }
  return MarketResults{book.Summary(), book.ParticipantsCsv(), book.TasksCsv()};
}

Result<std::optional<MarketResults>> ReplayMarketOfFolder(const std::string& dir,
                                                          const std::vector<Event>& events) {
  const std::string path = dir + "/manifest.json";
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(text.str(), path));
  const nlohmann::json manifest = nlohmann::json::parse(text.str(), nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return Status::InvalidArgument(path + " is not a JSON object");
  }
  const nlohmann::json scenario = manifest.value("scenario", nlohmann::json::object());
  if (!scenario.is_object() || !scenario.contains("market")) return std::optional<MarketResults>();
  VT_ASSIGN_OR_RETURN(Scenario parsed, ParseScenario(scenario.dump(), path + " (scenario)"));
  VT_ASSIGN_OR_RETURN(MarketResults results, ReplayMarket(parsed, events));
  return std::optional<MarketResults>(std::move(results));
}

TaskSpec MarketTaskSpec(const Scenario& scenario, const MarketPlan& plan) {
  TaskSpec spec = TaskSpecForScenario(scenario, plan.index);
  spec.solver = plan.solver;
  spec.verifiers = plan.verifiers;
  spec.steps = plan.steps;
  spec.job["steps"] = plan.steps;
  spec.reward = plan.reward;
  return spec;
}

std::map<std::string, int64_t> MarketGenesisFunds(const Scenario& scenario) {
  std::map<std::string, int64_t> funds;
  for (const MarketEntry& e : scenario.market->entries) {
    for (const std::string& name : e.Names()) funds[name] = e.funds;
  }
  return funds;
}

nlohmann::json MarketSwitchingParams(const Scenario& scenario, const std::string& name,
                                     const std::string& strategy_file) {
  for (const MarketEntry& e : scenario.market->entries) {
    if (!e.adapt) continue;
    const std::vector<std::string> names = e.Names();
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    return {{"strategies", {{e.behaviour, e.params}, {e.adapt->to, e.adapt->params}}},
            {"initial", e.behaviour},
            {"file", strategy_file}};
  }
  return nullptr;
}

}  // namespace veritrain
