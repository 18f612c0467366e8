// The count of training steps a task cost its solver survives a restart:
// kept in the task's folder at every checkpoint and read back by the next
// process; a missing or damaged count is none, never a crash.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "solver/resume.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ScratchDir;

TEST(StepsComputedTest, AKeptCountIsReadBackByTheNextProcess) {
  ScratchDir dir;
  EXPECT_EQ(StepsComputedBefore(dir.path()), 0);
  KeepStepsComputed(dir.path(), 800);
  EXPECT_EQ(StepsComputedBefore(dir.path()), 800);
  KeepStepsComputed(dir.path(), 1200);  // replaced, not appended
  EXPECT_EQ(StepsComputedBefore(dir.path()), 1200);
}

TEST(StepsComputedTest, ADamagedCountIsNone) {
  for (const std::string text : {"", "12x", "-5", "99999999999999999999999", "1e3", " 7"}) {
    ScratchDir dir;
    std::ofstream(dir.path() + "/steps-computed") << text;
    EXPECT_EQ(StepsComputedBefore(dir.path()), 0) << "'" << text << "'";
  }
}

TEST(StepsComputedTest, TheSumSaturates) {
  EXPECT_EQ(StepsComputedInAll(800, 1200), 2000);
  EXPECT_EQ(StepsComputedInAll(INT64_MAX, 1), INT64_MAX);
}

}  // namespace
}  // namespace veritrain
