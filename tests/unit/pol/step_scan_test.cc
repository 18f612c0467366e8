// The tolerance-mode challenger's scan of a disputed step (core/pol/
// step_scan.h): with the solver's own recorded outputs, an honest step
// passes every node; a corrupted node is found exactly, wherever it is; a
// committed step that does not produce the trace is found at
// state.assemble; malformed commitments are outside.
#include "core/pol/step_scan.h"

#include <gtest/gtest.h>

#include "core/train/node_arbitration.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using testing_util::MakeJobOrDie;
using testing_util::SyntheticJobJson;
using testing_util::TrainSteps;
using testing_util::UseTestProfile;

NodeHook AddTo(int64_t target, double magnitude) {
  return [target, magnitude](size_t index, const Node&, TensorMap& outputs) {
    if (static_cast<int64_t>(index) != target) return;
    for (auto& [name, t] : outputs) {
      if (t.is_floating_point()) t = t + magnitude;
    }
  };
}

class StepScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UseTestProfile();
    job_ = MakeJobOrDie(SyntheticJobJson());
    ASSERT_NE(job_, nullptr);
    state_ = TrainSteps(*job_, job_->InitialState(4), 3);
    auto batch = job_->Batch(3);
    ASSERT_TRUE(batch.ok());
    batch_ = *batch;
  }
  Result<StepScan> Scan(const StepTranscript& t, double tolerance) {
    return ScanStep(*job_, state_, batch_, t.outputs,
                    [tolerance](const std::string&) { return tolerance; }, t.next_state_hash);
  }
  std::unique_ptr<TrainingJob> job_;
  TensorMap state_;
  TensorMap batch_;
};

TEST_F(StepScanTest, AnHonestStepHasNoNodeOutside) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  auto scan = Scan(*t, 0.0);
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  EXPECT_EQ(scan->disputed, -1);
  EXPECT_EQ(static_cast<int64_t>(scan->checked.size()), GameNodeCount(*job_));
  EXPECT_EQ(scan->ToJson()["disputed"], -1);
}

TEST_F(StepScanTest, FindsEveryCorruptedNodeExactly) {
  const int64_t graph = static_cast<int64_t>(job_->graph().size());
  for (int64_t node = 0; node < graph; ++node) {
    if (job_->graph().nodes()[node].name == "loss.forward") continue;  // feeds nothing
    auto t = RecordStep(*job_, state_, AddTo(node, 1e-3));
    ASSERT_TRUE(t.ok());
    auto scan = Scan(*t, 1e-6);
    ASSERT_TRUE(scan.ok());
    EXPECT_EQ(scan->disputed, node) << job_->graph().nodes()[node].name;
    EXPECT_EQ(scan->chosen().name, job_->graph().nodes()[node].name);
    EXPECT_GT(scan->chosen().deviation, 1e-6);
    EXPECT_EQ(scan->ToJson()["node"], job_->graph().nodes()[node].name);
  }
}

// Rounding just past an early node's threshold, a corruption further on:
// the corrupted node is disputed, not the first outside (whose ruling would
// go to the solver).
TEST_F(StepScanTest, TheNodeFurthestOutsideIsDisputedNotTheFirst) {
  const int64_t graph = static_cast<int64_t>(job_->graph().size());
  int64_t pairs = 0;
  for (int64_t early = 0; early < graph; ++early) {
    for (int64_t late = early + 1; late < graph; ++late) {
      if (job_->graph().nodes()[early].name == "loss.forward" ||
          job_->graph().nodes()[late].name == "loss.forward") {
        continue;
      }
      NodeHook small = AddTo(early, 1e-5), large = AddTo(late, 1.0);
      auto t = RecordStep(*job_, state_, [&](size_t i, const Node& n, TensorMap& out) {
        small(i, n, out);
        large(i, n, out);
      });
      ASSERT_TRUE(t.ok());
      auto scan = Scan(*t, 1e-9);
      ASSERT_TRUE(scan.ok());
      ASSERT_TRUE(scan->checked[static_cast<size_t>(early)].outside());
      EXPECT_EQ(scan->disputed, late) << job_->graph().nodes()[early].name << " then "
                                      << job_->graph().nodes()[late].name;
      EXPECT_GT(scan->ToJson()["nodes_outside"].get<int64_t>(), 1);
      ++pairs;
    }
  }
  EXPECT_GT(pairs, 10);
}

TEST_F(StepScanTest, AThresholdAboveTheCorruptionLetsItPass) {
  auto t = RecordStep(*job_, state_, AddTo(0, 1e-9));
  ASSERT_TRUE(t.ok());
  auto strict = Scan(*t, 0.0);
  ASSERT_TRUE(strict.ok());
  EXPECT_EQ(strict->disputed, 0);
  auto loose = Scan(*t, 1e-3);
  ASSERT_TRUE(loose.ok());
  EXPECT_EQ(loose->disputed, -1);
}

TEST_F(StepScanTest, AStepThatIsNotTheTracesIsFoundAtAssemble) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  auto scan = ScanStep(*job_, state_, batch_, t->outputs, [](const std::string&) { return 0.0; },
                       Sha256Of("another trace"));
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->disputed, GameNodeCount(*job_) - 1);
  EXPECT_NE(scan->chosen().problem.find("trace"), std::string::npos);
}

TEST_F(StepScanTest, MalformedCommitmentsAreOutside) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  std::vector<TensorMap> outputs = t->outputs;
  outputs[2].clear();  // node 2's outputs are missing
  auto scan = ScanStep(*job_, state_, batch_, outputs, [](const std::string&) { return 1.0; },
                       t->next_state_hash);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->disputed, 2);
  EXPECT_FALSE(scan->chosen().problem.empty());
  // The wrong number of nodes is an error of the caller's.
  outputs.pop_back();
  EXPECT_FALSE(ScanStep(*job_, state_, batch_, outputs, [](const std::string&) { return 1.0; },
                        t->next_state_hash)
                   .ok());
}

}  // namespace
}  // namespace veritrain
