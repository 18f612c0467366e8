// The switching verifier: it decides with the strategy its file names;
// the strategy that decided also plays the dispute; a file naming another
// strategy is an error (the role abstains and says why), never a fallback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/util/strategy_file.h"
#include "tests/support/files.h"
#include "verifier/behaviour.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;

TEST(SwitchingVerifier, DecidesWithTheStrategyItsFileNames) {
  testing_util::ScratchDir dir;
  const std::string file = dir.path() + "/v.json";
  auto b = MakeVerifierBehaviour(
      "switching", {{"strategies", {{"honest", nlohmann::json::object()},
                                    {"stall", {{"after_moves", 0}}}, {"lazy-approve", nlohmann::json::object()}}},
                    {"initial", "honest"},
                    {"file", file}});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  int checks = 0;
  auto check = [&]() -> Result<Verdict> {
    ++checks;
    Verdict v;
    v.accept = true;
    v.steps_reexecuted = 20;
    return v;
  };
  auto honest = (*b)->Decide("s", check, VerifierTools{});
  ASSERT_TRUE(honest.ok());
  EXPECT_EQ(checks, 1);
  EXPECT_EQ((*b)->name(), "honest");
  std::ofstream(file) << StrategyFileText("lazy-approve");
  auto lazy = (*b)->Decide("s", check, VerifierTools{});
  ASSERT_TRUE(lazy.ok());
  EXPECT_EQ(checks, 1);
  EXPECT_EQ(lazy->steps_reexecuted, 0);
  EXPECT_EQ((*b)->name(), "lazy-approve");
  std::ofstream(file) << StrategyFileText("colluding");
  EXPECT_THAT((*b)->Decide("s", check, VerifierTools{}).status().message(),
              HasSubstr("names 'colluding', which is not one of"));
  EXPECT_EQ(checks, 1);
}

TEST(SwitchingVerifier, BadParametersAreRefused) {
  EXPECT_THAT(MakeVerifierBehaviour("switching", {{"strategies", {{"honest", nullptr}}},
                                                  {"initial", "honest"},
                                                  {"file", "/x"}})
                  .status()
                  .message(),
              HasSubstr("at least two"));
  EXPECT_THAT(MakeVerifierBehaviour("switching",
                                    {{"strategies", {{"honest", nullptr}, {"colluding", nullptr}}},
                                     {"initial", "honest"},
                                     {"file", "/x"}})
                  .status()
                  .message(),
              HasSubstr("switching.strategies.colluding"));
}

}  // namespace
}  // namespace veritrain
