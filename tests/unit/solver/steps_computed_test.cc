// The count of training steps a task cost its solver survives a restart:
// kept in the task's folder at every checkpoint and read back by the next
// process; a missing or damaged count is none, never a crash.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
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

// A restarted solver's simulated full disk starts from what the earlier
// processes left on it: the checkpoint files of every task, a temporary
// one included, and nothing else.
TEST(StepsComputedTest, CheckpointBytesOnDiskCountCheckpointFilesOnly) {
  ScratchDir dir;
  EXPECT_EQ(CheckpointBytesOnDisk(dir.path() + "/absent"), 0);
  std::filesystem::create_directories(dir.path() + "/task-0000/real");
  std::filesystem::create_directories(dir.path() + "/task-0001");
  std::ofstream(dir.path() + "/task-0000/ckpt-000000.vtc") << std::string(100, 'a');
  std::ofstream(dir.path() + "/task-0000/real/ckpt-000001.vtc") << std::string(30, 'b');
  std::ofstream(dir.path() + "/task-0001/ckpt-000000.vtc.tmp.12.0") << std::string(7, 'c');
  KeepStepsComputed(dir.path() + "/task-0000", 1200);  // not a checkpoint
  EXPECT_EQ(CheckpointBytesOnDisk(dir.path()), 137);
}

TEST(StepsComputedTest, TheSumSaturates) {
  EXPECT_EQ(StepsComputedInAll(800, 1200), 2000);
  EXPECT_EQ(StepsComputedInAll(INT64_MAX, 1), INT64_MAX);
}

}  // namespace
}  // namespace veritrain
