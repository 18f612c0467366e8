// Tests for the cnn job: layout, initialisation range, determinism, node
// evaluation matching the full step, learning, and bad fields.
#include "core/train/cnn_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include "core/train/torch_bridge.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using testing_util::MakeJobOrDie;
using testing_util::TrainSteps;

nlohmann::json CnnJson() {
  return {
      {"name", "cnn"},     {"batch_size", 32},
      {"data_seed", 3},    {"train_limit", 1000},
      {"test_limit", 500}, {"channels", {4, 8}},
      {"hidden", {32}},    {"optimizer", {{"name", "adam"}, {"lr", 0.002}}}};
}

class CnnJobTest : public ::testing::Test {
 protected:
  void SetUp() override { testing_util::UseTestProfile(); }
};

TEST_F(CnnJobTest, LayoutAndInitialisation) {
  auto job = MakeJobOrDie(CnnJson());
  ASSERT_NE(job, nullptr);
  TensorMap s = job->InitialState(1);
  std::vector<std::string> names;
  for (const auto& [k, v] : s) names.push_back(k);
  EXPECT_EQ(job->StateNames(), names);
  EXPECT_EQ(job->StateLayout(), LayoutOf(s));
  // 28 -> conv5 -> 24 -> pool -> 12 -> conv5 -> 8 -> pool -> 4: 8*4*4 = 128.
  EXPECT_EQ(s.at("param/conv1.weight").sizes(),
            torch::IntArrayRef({4, 1, 5, 5}));
  EXPECT_EQ(s.at("param/conv2.weight").sizes(),
            torch::IntArrayRef({8, 4, 5, 5}));
  EXPECT_EQ(s.at("param/fc1.weight").sizes(), torch::IntArrayRef({32, 128}));
  EXPECT_EQ(s.at("param/fc2.weight").sizes(), torch::IntArrayRef({10, 32}));
  // torch.nn.Conv2d's init range: 1/sqrt(in * k * k) = 1/sqrt(100) for conv2.
  const double max2 = s.at("param/conv2.weight").abs().max().item<double>();
  EXPECT_LT(max2, 0.1);
  EXPECT_GT(max2, 0.09);
  std::vector<std::string> nodes;
  for (const auto& n : job->graph().nodes()) nodes.push_back(n.name);
  EXPECT_THAT(nodes, ::testing::Contains("conv1.forward"));
  EXPECT_THAT(nodes, ::testing::Contains("pool2.backward"));
  EXPECT_THAT(nodes, ::testing::Contains("adam.conv1.weight"));
  // conv1 reads data: no gradient is computed for its input.
  auto conv1 = job->graph().Find("conv1.backward");
  ASSERT_TRUE(conv1.ok());
  EXPECT_THAT(job->graph().nodes()[*conv1].outputs,
              ::testing::ElementsAre("grad/param/conv1.weight",
                                     "grad/param/conv1.bias"));
}

TEST_F(CnnJobTest, DeterministicAndNodesMatchTheStep) {
  auto job = MakeJobOrDie(CnnJson());
  ASSERT_NE(job, nullptr);
  TensorMap a = TrainSteps(*job, job->InitialState(2), 3);
  TensorMap b = TrainSteps(*job, job->InitialState(2), 3);
  EXPECT_TRUE(BitEqual(a, b));
  // Every node evaluated alone from its recorded inputs gives the bits it
  // had inside the step.
  std::vector<NodeRecord> record;
  auto batch = job->Batch(3);
  ASSERT_TRUE(batch.ok());
  auto next = RunStepGraph(job->graph(), a, *batch, &record);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_EQ(record.size(), job->graph().size());
  for (size_t i = 0; i < record.size(); ++i) {
    auto alone = EvaluateNode(job->graph(), i, record[i].inputs);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    EXPECT_TRUE(BitEqual(*alone, record[i].outputs))
        << job->graph().nodes()[i].name;
  }
}

TEST_F(CnnJobTest, Learns) {
  auto job = MakeJobOrDie(CnnJson());
  ASSERT_NE(job, nullptr);
  TensorMap s = TrainSteps(*job, job->InitialState(3), 60);
  auto accuracy = job->TestAccuracy(s);
  ASSERT_TRUE(accuracy.ok());
  EXPECT_GT(*accuracy, 0.5);  // chance is 0.1
}

TEST_F(CnnJobTest, BadFieldsAreNamed) {
  auto config = [](nlohmann::json patch) {
    nlohmann::json j = CnnJson();
    j.merge_patch(patch);
    return JobConfig::FromJson(j);
  };
  auto unknown = config({{"filters", 3}});
  ASSERT_TRUE(unknown.ok());
  auto job = MakeJob(*unknown);
  ASSERT_FALSE(job.ok());
  EXPECT_THAT(job.status().message(), HasSubstr("job.filters"));

  auto too_deep = config({{"channels", {4, 4, 4}}});
  ASSERT_TRUE(too_deep.ok());
  job = MakeJob(*too_deep);
  ASSERT_FALSE(job.ok());
  EXPECT_THAT(job.status().message(), HasSubstr("conv block 3 does not fit"));

  auto zero = config({{"channels", {0}}});
  ASSERT_TRUE(zero.ok());
  job = MakeJob(*zero);
  ASSERT_FALSE(job.ok());
  EXPECT_THAT(job.status().message(), HasSubstr("job.channels[0]"));
}

}  // namespace
}  // namespace veritrain
