// Many tasks in one run (roles as processes): what the arbiter publishes per
// task does not grow with the tasks before it — each task_settled lists the
// participants, the jackpot, burn and the accounts still holding tokens,
// never the emptied escrow and stake accounts of every earlier task — and
// every task settles as the first did. Memory and time per task over 1,000
// tasks are measured by the BM_ManyTasks benchmark (tests/bench), not here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

TEST(TasksTest, WhatEachTaskPublishesDoesNotGrowWithTheTasksBeforeIt) {
  const std::string tmp = test_support::MakeTestDir("vt_tasks_");
  ASSERT_FALSE(tmp.empty());
  json scenario = json::parse(test_support::ReadWholeFile(std::string(VERITRAIN_SOURCE_DIR) +
                                                          "/scenarios/synthetic.json"));
  const int tasks = 12;
  scenario["name"] = "many-tasks";
  scenario["tasks"] = tasks;
  scenario["job"]["steps"] = 60;  // 3 intervals: the top one and 2 at random
  scenario["economics"] = {{"reward", 10},
                           {"submitter_funds", 1000},
                           {"participant_funds", 100},
                           {"solver_stake", 5},
                           {"verifier_stake", 3}};
  scenario["expect"] = json::array({{{"path", "/conservation"}, {"equals", true}}});
  const std::string path = tmp + "/many.json";
  {
    std::ofstream out(path);
    out << scenario.dump(2);
  }
  const std::string out = tmp + "/run";
  test_support::CommandResult r = test_support::WaitVeritrain(
      test_support::SpawnVeritrain({"run", path, "--out", out}, tmp), tmp);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  std::vector<json> settled;
  std::istringstream events(test_support::ReadWholeFile(out + "/events.jsonl"));
  for (std::string line; std::getline(events, line);) {
    json e = json::parse(line);
    if (e["type"] == "task_settled") settled.push_back(e["data"]);
  }
  ASSERT_EQ(settled.size(), static_cast<size_t>(tasks));
  for (size_t i = 0; i < settled.size(); ++i) {
    EXPECT_EQ(settled[i]["outcome"], "accepted") << i;
    const json& balances = settled[i]["balances"];
    for (const auto& [account, amount] : balances.items()) {
      const bool held = account.rfind("escrow/", 0) == 0 || account.rfind("stake/", 0) == 0 ||
                        account.rfind("challenge/", 0) == 0;
      EXPECT_FALSE(held && amount == 0) << "task " << i << " lists the empty " << account;
    }
    // The same accounts after every task: submitter, solver, verifier,
    // jackpot, burn.
    EXPECT_EQ(balances.size(), settled[0]["balances"].size()) << balances.dump();
  }
  const json summary = json::parse(test_support::ReadWholeFile(out + "/summary.json"));
  EXPECT_EQ(summary["balances"]["solver-1"], 100 + tasks * 10);
  std::error_code ec;
  fs::remove_all(tmp, ec);
}

}  // namespace
}  // namespace veritrain
