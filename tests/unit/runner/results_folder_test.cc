// Results folder names: time, seed and process id, one format for runs and
// sweeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "scenarios/runner/run.h"

namespace veritrain {
namespace {

TEST(ResultsFolderIdTest, NamesTimeSeedAndProcess) {
  const std::string id = ResultsFolderId(42);
  EXPECT_THAT(id, ::testing::MatchesRegex("[0-9]{8}-[0-9]{6}-seed42-[0-9]+"));
  EXPECT_THAT(id, ::testing::EndsWith("-" + std::to_string(::getpid())));
}

}  // namespace
}  // namespace veritrain
