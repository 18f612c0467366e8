// The count of training steps a task cost its solver survives a restart:
// kept in the task's folder at every checkpoint and read back by the next
// process; a missing or damaged count is none, never a crash. A restart
// adopts only its own run's checkpoints of the task, in order.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "solver/checkpoint_recorder.h"
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

TensorMap ResumeStateAt(int64_t step) {
  TensorMap m;
  m["param/w"] = torch::full({3}, static_cast<float>(step));
  m["meta/step"] = torch::tensor(step, torch::kInt64);
  return m;
}

// Writes checkpoints 0..n-1 (interval 10) of `task` in run `run` with the
// metadata `meta` gives.
void WriteTrace(const std::string& dir, int64_t n,
                const std::function<nlohmann::json(int64_t)>& meta) {
  CheckpointRecorder r(dir, 1);
  for (int64_t i = 0; i < n; ++i) ASSERT_TRUE(r.Record(ResumeStateAt(i * 10), i, meta(i)).ok());
  ASSERT_TRUE(r.Finish().ok());
}

// Checkpoints another run left (a reused folder, a copy) are not this
// task's training, whatever task and position they record: a restart that
// adopted them committed another run's states and lost its dispute.
TEST(ResumeTest, OnlyThisRunsCheckpointsOfTheTaskAreAdopted) {
  auto meta = [](const nlohmann::json& run) {
    return [run](int64_t i) -> nlohmann::json {
      return {{"run", run}, {"task", "task-0001"}, {"index", i}, {"step", i * 10}};
    };
  };
  struct Case {
    std::function<nlohmann::json(int64_t)> meta;
    int64_t adopted;
  };
  const std::vector<Case> cases = {
      {meta("run-a"), 2},
      {meta("run-b"), -1},
      {meta(7), -1},  // a field of another type is not this run's, nor a crash
      {[](int64_t i) -> nlohmann::json {  // this run's 0, another's from 1
         return {{"run", i == 0 ? "run-a" : "run-b"}, {"task", "task-0001"}, {"index", i},
                 {"step", i * 10}};
       },
       0},
      {[](int64_t i) -> nlohmann::json {
         return {{"run", "run-a"}, {"task", 1}, {"index", i}, {"step", i * 10}};
       },
       -1},
      {[](int64_t) -> nlohmann::json { return nlohmann::json::array(); }, -1},
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    ScratchDir dir;
    WriteTrace(dir.path(), 3, cases[c].meta);
    CheckpointRecorder adopting(dir.path() + "/unused", 1);
    auto resumed = AdoptCheckpoints(dir.path(), "run-a", "task-0001", 10, 2, adopting);
    ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
    EXPECT_EQ(resumed->index, cases[c].adopted) << "case " << c;
    if (resumed->index >= 0) {
      EXPECT_EQ(resumed->state.at("meta/step").item<int64_t>(), resumed->index * 10);
    }
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
