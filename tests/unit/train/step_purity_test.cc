// Two static and dynamic properties of a step graph that `veritrain check`
// relies on: which nodes can change the state after the step (a corrupt-node
// target must), and whether the step is a pure function of its inputs (an
// honest solver must be reproducible).
#include "core/train/step_purity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/crypto/merkle.h"
#include "core/train/op_job.h"
#include "core/train/state_reach.h"
#include "tests/unit/train/replay_util.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using Tensors = std::vector<torch::Tensor>;

TEST(StateReachTest, OnlyTheLossValueIsUnreadOnTheWayToTheState) {
  testing_util::UseTestProfile();
  for (const nlohmann::json& j :
       {testing_util::SyntheticJobJson(), testing_util::SmallMlpJobJson()}) {
    auto job = testing_util::MakeJobOrDie(j);
    ASSERT_NE(job, nullptr);
    const std::vector<bool> reach = NodesReachingState(job->graph());
    ASSERT_EQ(reach.size(), job->graph().size());
    for (size_t i = 0; i < reach.size(); ++i) {
      const std::string& name = job->graph().nodes()[i].name;
      EXPECT_EQ(reach[i], name != "loss.forward") << j["name"] << ": " << name;
    }
  }
}

Node FakeReachNode(const std::string& name, std::vector<std::string> in,
                   std::vector<std::string> out) {
  Node n;
  n.name = name;
  n.kind = NodeKind::kForward;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.fn = [](const TensorMap&) { return TensorMap(); };
  return n;
}

TEST(StateReachTest, FollowsValuesThroughLaterNodes) {
  StepGraph g;
  ASSERT_TRUE(g.Add(FakeReachNode("a", {"data/x"}, {"act/a"})).ok());
  // Read by nobody.
  ASSERT_TRUE(g.Add(FakeReachNode("probe", {"act/a"}, {"probe"})).ok());
  ASSERT_TRUE(g.Add(FakeReachNode("b", {"act/a"}, {"act/b"})).ok());
  // Reads the probe only.
  ASSERT_TRUE(g.Add(FakeReachNode("side", {"probe"}, {"side"})).ok());
  ASSERT_TRUE(
      g.Add(FakeReachNode("opt", {"act/b", "param/w"}, {"next/param/w"})).ok());
  EXPECT_THAT(NodesReachingState(g),
              ::testing::ElementsAre(true, false, true, false, true));
}

Dataset PurityData() {
  Dataset d;
  d.x = torch::linspace(-1, 1, 80).reshape({20, 4});
  d.y = torch::arange(20, torch::kInt64).remainder(3);
  d.tree = std::make_shared<const MerkleTree>(std::vector<Digest>(20));
  d.root = d.tree->root();
  return d;
}

// A one-op job: y = x W^T, then `after` applied to y.
Result<std::unique_ptr<TrainingJob>> PurityHeadJob(
    const std::string& name, std::function<torch::Tensor(const torch::Tensor&)> after) {
  Op op;
  op.name = "head";
  op.inputs = {"data/x"};
  op.params = {{"weight", {3, 4}, ParamInit::kUniform, 0.5}};
  op.forward = [after](const Tensors& x, const Tensors& p) {
    return after(torch::matmul(x[0], p[0].t()));
  };
  JobConfig config;
  config.name = name;
  config.batch_size = 8;
  OpJobSpec spec;
  spec.ops = {op};
  spec.train = PurityData();
  spec.test = PurityData();
  return MakeOpJob(config, spec);
}

Result<std::unique_ptr<TrainingJob>> PurityLinearJob(bool noisy) {
  if (!noisy) return PurityHeadJob("plain", [](const torch::Tensor& y) { return y; });
  return PurityHeadJob("noisy",
                       [](const torch::Tensor& y) { return y + 1e-3 * torch::randn_like(y); });
}

TEST(StepPurityTest, ADeterministicStepIsPure) {
  testing_util::UseTestProfile();
  auto job = PurityLinearJob(false);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_TRUE(CheckStepIsPure(**job, 1).ok());
  auto synthetic = testing_util::MakeJobOrDie(testing_util::SyntheticJobJson());
  ASSERT_NE(synthetic, nullptr);
  EXPECT_TRUE(CheckStepIsPure(*synthetic, 1).ok());
}

TEST(StepPurityTest, RandomnessInAForwardNamesTheNode) {
  testing_util::UseTestProfile();
  auto job = PurityLinearJob(true);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  Status s = CheckStepIsPure(**job, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(s.message(),
              HasSubstr("node 'head.forward' gave two different values of "
                        "'act/head' for the same inputs"));
}

// A head that gives other values on its 5th call only: as a race between
// threads that shows now and then.
Result<std::unique_ptr<TrainingJob>> SometimesOffJob() {
  auto calls = std::make_shared<int>(0);
  return PurityHeadJob("sometimes-off", [calls](const torch::Tensor& y) {
    return ++*calls == 5 ? y + 1e-3 : y;
  });
}

TEST(StepPurityTest, ABudgetOfMoreEvaluationsFindsWhatShowsOnlySometimes) {
  testing_util::UseTestProfile();
  // Two evaluations (the default) see nothing; the budget's minimum of 6
  // reaches the fifth call (one step calls the head once forward and once
  // in its backward's recomputation or tape: the count is what it is, so
  // the test asks only that more evaluations find it and say how many).
  auto job = SometimesOffJob();
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  int done = 0;
  EXPECT_TRUE(CheckStepIsPure(**job, 1, {}, &done).ok());
  EXPECT_EQ(done, 2);
  job = SometimesOffJob();
  ASSERT_TRUE(job.ok());
  Status s = CheckStepIsPure(**job, 1, {6, 64, 0.0}, &done);
  ASSERT_FALSE(s.ok());
  EXPECT_LE(done, 5);
  EXPECT_THAT(s.message(), HasSubstr("node 'head.forward' gave two different values"));
  EXPECT_THAT(s.message(), HasSubstr("(step 0 evaluated " + std::to_string(done) + " times)"));
  // A pure step runs to the budget's time, within its bounds.
  auto plain = PurityLinearJob(false);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(CheckStepIsPure(**plain, 1, {3, 7, 60.0}, &done).ok());
  EXPECT_EQ(done, 7);
  EXPECT_TRUE(CheckStepIsPure(**plain, 1, {3, 7, 0.0}, &done).ok());
  EXPECT_EQ(done, 3);
}

// A job of three nodes: "make" writes act/make into memory whose release
// `freed` shows, "use" reads it last, and "look" notes in `freed_at_look`
// whether it was gone by then.
class WatchedValueJob final : public TrainingJob {
 public:
  WatchedValueJob() {
    config_.name = "watched";
    Node make = FakeReachNode("make", {"data/x"}, {"act/make"});
    make.fn = [freed = freed_](const TensorMap&) {
      *freed = false;
      auto* values = new float[2]{1, 2};
      auto release = [freed](void* p) {
        delete[] static_cast<float*>(p);
        *freed = true;
      };
      return TensorMap{{"act/make", torch::from_blob(values, {2}, release, torch::kFloat32)}};
    };
    Node use = FakeReachNode("use", {"act/make"}, {"act/use"});
    use.fn = [](const TensorMap& in) { return TensorMap{{"act/use", in.at("act/make") * 2}}; };
    Node look = FakeReachNode("look", {"act/use"}, {"act/look"});
    look.fn = [freed = freed_, seen = freed_at_look_](const TensorMap& in) {
      seen->push_back(*freed);
      return TensorMap{{"act/look", in.at("act/use") + 1}};
    };
    for (Node* n : {&make, &use, &look}) EXPECT_TRUE(graph_.Add(std::move(*n)).ok());
  }
  const std::string& name() const override { return config_.name; }
  const JobConfig& config() const override { return config_; }
  TensorMap InitialState(uint64_t) const override {
    return {{"meta/step", torch::zeros({}, torch::kInt64)}};
  }
  Result<TensorMap> Batch(int64_t) const override {
    return TensorMap{{"data/x", torch::ones({2})}};
  }
  const StepGraph& graph() const override { return graph_; }
  Result<double> TestAccuracy(const TensorMap&) const override { return 0.0; }
  Digest DatasetRoot() const override { return Digest{}; }
  // Whether act/make was freed when "look" ran, one entry per evaluation.
  const std::vector<bool>& freed_at_look() const { return *freed_at_look_; }

 private:
  JobConfig config_;
  StepGraph graph_;
  std::shared_ptr<bool> freed_ = std::make_shared<bool>(false);
  std::shared_ptr<std::vector<bool>> freed_at_look_ = std::make_shared<std::vector<bool>>();
};

TEST(StepPurityTest, TheCheckKeepsNoRecordOfTheStepsValues) {
  // Each evaluation frees a value once its last reader has run, as training
  // does: the check of a large model holds about one step's memory, not two
  // records of every value.
  WatchedValueJob job;
  ASSERT_TRUE(CheckStepIsPure(job, 1).ok());
  EXPECT_THAT(job.freed_at_look(), ::testing::ElementsAre(true, true));
}

}  // namespace
}  // namespace veritrain
