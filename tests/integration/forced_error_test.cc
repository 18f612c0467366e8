// Truebit's dual commitment beyond the presets: whatever the solver does,
// a forced error is caught, the lazy verifier exposed, and then the
// solver's real trace is verified — the honest solver paid, every cheater
// slashed, corrupt-node pinpointed at its step and node, and a real trace
// never opened settled as withheld.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

TEST(ForcedErrorTest, EverySolversRealTraceIsVerifiedAfterAForcedError) {
  const std::string dir = test_support::MakeTestDir("vt-forced-");
  ASSERT_FALSE(dir.empty());
  const std::string out = dir + "/sweep";
  const std::string sweep =
      std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/sweeps/forced-error-any-solver.json";
  test_support::CommandResult r = test_support::RunVeritrain({"sweep", sweep, "--out", out}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  int runs = 0, honest = 0, withheld = 0, pinpointed = 0;
  for (const auto& entry : fs::directory_iterator(out + "/runs")) {
    const std::string run = entry.path().string();
    SCOPED_TRACE(run);
    ++runs;
    const json manifest = json::parse(test_support::ReadWholeFile(run + "/manifest.json"));
    const json summary = json::parse(test_support::ReadWholeFile(run + "/summary.json"));
    const json& solver = manifest.at("scenario").at("participants").at(0);
    const json params = solver.value("params", json::object());
    const json& task = summary.at("tasks").at(0);
    const int64_t stake = manifest.at("scenario").at("economics").at("solver_stake").get<int64_t>();
    // The posted trace: a forced error, caught by the honest verifier and
    // approved by the lazy one, whatever the solver.
    ASSERT_EQ(task.at("forced_error"), true) << task.dump(2);
    EXPECT_EQ(task.at("forced_round").at("caught"), json::array({"verifier-honest"}));
    EXPECT_EQ(task.at("forced_round").at("lazy"), json::array({"verifier-lazy"}));
    // The real trace decides what the solver gets.
    if (solver.at("behaviour") == "honest") {
      ++honest;
      EXPECT_EQ(task.at("outcome"), "accepted");
      EXPECT_EQ(task.at("real_trace_root"), task.at("trace_root"));
      EXPECT_NE(task.at("forced_round").at("trace_root"), task.at("trace_root"));
      EXPECT_EQ(summary.at("slashed").at("solver-1"), 0);
      EXPECT_GT(summary.at("profit").at("solver-1").get<int64_t>(), 0);
      continue;
    }
    EXPECT_EQ(summary.at("slashed").at("solver-1").get<int64_t>(), stake);
    EXPECT_LT(summary.at("profit").at("solver-1").get<int64_t>(), 0);
    if (params.value("real_trace", "open") == "withhold") {
      ++withheld;
      EXPECT_EQ(task.at("outcome"), "withheld");
      EXPECT_FALSE(task.contains("real_trace_root"));
      continue;
    }
    EXPECT_EQ(task.at("outcome"), "challenge_upheld");
    // The game was played on the real trace, not on the forced one.
    EXPECT_EQ(task.at("real_trace_root"), task.at("trace_root"));
    EXPECT_NE(task.at("forced_round").at("trace_root"), task.at("trace_root"));
    EXPECT_EQ(task.at("detected"), true);
    EXPECT_EQ(task.at("dispute").at("winner"), "challenger");
    if (solver.at("behaviour") == "corrupt-node") {
      ++pinpointed;
      EXPECT_EQ(task.at("dispute").at("step"), params.at("step"));
      EXPECT_EQ(task.at("dispute").at("node"), params.at("node"));
    }
  }
  // 6 solvers × 2 repetitions.
  EXPECT_EQ(runs, 12);
  EXPECT_EQ(honest, 2);
  EXPECT_EQ(withheld, 2);
  EXPECT_EQ(pinpointed, 4);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace veritrain
