// The results of a market run (docs/market.md) from its event log: the
// "market" block of summary.json, market.csv and market_tasks.csv.
//
// The market's rules are a deterministic function of the scenario and of
// what happened to each task, so the results are rebuilt by replaying the
// event log through a MarketBook: the runner writes them so at the end of
// a run, and `veritrain audit` rebuilds them the same way and compares.
// The runner's own book, which made the decisions during the run, must
// agree with the replay; the run fails if it does not.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/protocol/event_log.h"
#include "core/util/status.h"
#include "core/wire/messages/task_spec.h"
#include "scenarios/runner/market_book.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

struct MarketResults {
  nlohmann::json summary;        // summary.json's "market"
  std::string participants_csv;  // market.csv
  std::string tasks_csv;         // market_tasks.csv
};

// The book of `scenario` (REQUIRES: scenario.market) at genesis.
MarketBook NewMarketBook(const Scenario& scenario);

// Replays `events` (the whole log of a run of `scenario`): plan i is matched
// with the i-th posted task. A log that ends early (a refused post) replays
// the tasks it has. FailedPrecondition when a posted task is not the one
// planned or its participants did not play their strategies.
Result<MarketResults> ReplayMarket(const Scenario& scenario, const std::vector<Event>& events);

// The market results of the run folder `dir` whose log is `events`: nullopt
// when its manifest's scenario has no market. Errors name the manifest when
// its scenario cannot be read back.
Result<std::optional<MarketResults>> ReplayMarketOfFolder(const std::string& dir,
                                                          const std::vector<Event>& events);

// The task the submitter posts for `plan`: the scenario's task `plan.index`
// with the plan's solver, verifier pool, steps and reward.
// REQUIRES: plan.post.
TaskSpec MarketTaskSpec(const Scenario& scenario, const MarketPlan& plan);

// Each market participant's balance at genesis (the arbiter's "funds").
std::map<std::string, int64_t> MarketGenesisFunds(const Scenario& scenario);

// The "switching" behaviour params (solver/behaviours/switching.h,
// verifier/behaviours/switching.h) of participant `name` when it is
// adaptive, reading its strategy from `strategy_file`; null otherwise.
nlohmann::json MarketSwitchingParams(const Scenario& scenario, const std::string& name,
                                     const std::string& strategy_file);

}  // namespace veritrain
