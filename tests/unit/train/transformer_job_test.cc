// Tests for the transformer job and its synthetic copy task.
#include "core/train/transformer_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>

#include "core/train/job.h"
#include "core/train/sequence_task.h"
#include "tests/unit/train/replay_util.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::NodeNames;

nlohmann::json TransformerJson() {
  return {{"name", "transformer"}, {"batch_size", 16}, {"data_seed", 9},
          {"init_seed", 2}};
}

class TransformerJobTest : public ::testing::Test {
 protected:
  void SetUp() override { testing_util::UseTestProfile(); }
};

TEST(SequenceTaskTest, SecondHalfCopiesTheFirstAndOnlyCopiesAreScored) {
  SequenceTaskSpec spec;
  spec.vocab = 7;
  spec.seq_len = 8;
  spec.train_size = 50;
  Dataset d = MakeSequenceDataset(spec, 3, true);
  ASSERT_EQ(d.x.sizes(), torch::IntArrayRef({50, 8}));
  ASSERT_EQ(d.y.sizes(), torch::IntArrayRef({50, 8}));
  for (int64_t i = 0; i < 50; ++i) {
    for (int64_t t = 0; t < 4; ++t) {
      const int64_t tok = d.x[i][t].item<int64_t>();
      EXPECT_GE(tok, 1);
      EXPECT_LT(tok, 7);
      EXPECT_EQ(d.x[i][t + 4].item<int64_t>(), tok);
    }
    for (int64_t t = 0; t < 8; ++t) {
      const int64_t want = (t >= 3 && t < 7) ? d.x[i][t + 1].item<int64_t>() : -100;
      EXPECT_EQ(d.y[i][t].item<int64_t>(), want) << "sample " << i << " t " << t;
    }
  }
  // Same seed, same data and root; another seed or the test split differ.
  Dataset again = MakeSequenceDataset(spec, 3, true);
  EXPECT_TRUE(BitEqual(again.x, d.x));
  EXPECT_EQ(again.root, d.root);
  EXPECT_NE(MakeSequenceDataset(spec, 4, true).root, d.root);
  EXPECT_NE(MakeSequenceDataset(spec, 3, false).root, d.root);
}

TEST_F(TransformerJobTest, StateLayoutIsTheInitialStatesWithoutBuildingOne) {
  for (const nlohmann::json& opt : {nlohmann::json{{"name", "adam"}, {"lr", 0.001}},
                                    nlohmann::json{{"name", "sgd"}, {"lr", 0.1}}}) {
    auto j = TransformerJson();
    j["optimizer"] = opt;
    auto job = testing_util::MakeJobOrDie(j);
    ASSERT_NE(job, nullptr);
    const TensorMap initial = job->InitialState(5);
    EXPECT_EQ(job->StateLayout(), LayoutOf(initial)) << j.dump();
    EXPECT_EQ(job->StateNames().size(), initial.size()) << j.dump();
  }
}

TEST_F(TransformerJobTest, EveryPieceIsItsOwnNode) {
  auto job = testing_util::MakeJobOrDie(TransformerJson());
  ASSERT_NE(job, nullptr);
  const auto names = NodeNames(*job);
  for (const std::string op :
       {"embed", "block1.ln1", "block1.qkv", "block1.scores", "block1.softmax",
        "block1.context", "block1.proj", "block1.res1", "block1.ln2",
        "block1.fc1", "block1.gelu", "block1.fc2", "block1.res2", "block2.res2",
        "ln_f", "head"}) {
    EXPECT_THAT(names, Contains(op + ".forward"));
    EXPECT_THAT(names, Contains(op + ".backward"));
  }
  // A value read by two ops gets its gradient summed from both.
  for (const std::string sum :
       {"embed.grad_sum", "block1.qkv.grad_sum", "block1.res1.grad_sum",
        "block1.res2.grad_sum", "block2.qkv.grad_sum", "block2.res1.grad_sum"}) {
    EXPECT_THAT(names, Contains(sum));
  }
  EXPECT_THAT(names, Not(Contains("block2.res2.grad_sum")));
  auto sum = job->graph().Find("embed.grad_sum");
  ASSERT_TRUE(sum.ok());
  EXPECT_THAT(job->graph().nodes()[*sum].inputs,
              ::testing::ElementsAre("grad/act/embed@block1.ln1",
                                     "grad/act/embed@block1.res1"));
  // The sum comes right before the backward of the op that made the value.
  EXPECT_EQ(job->graph().nodes()[*sum + 1].name, "embed.backward");
  // 27 ops forward and 27 backward, 6 sums, loss pair, 30 parameters.
  EXPECT_EQ(job->graph().size(), 27u + 27u + 6u + 2u + 30u);
}

TEST_F(TransformerJobTest, NodesReplayBitExactly) {
  auto job = testing_util::MakeJobOrDie(TransformerJson());
  ASSERT_NE(job, nullptr);
  testing_util::ExpectNodesReplayBitExactly(*job, 0);
  testing_util::ExpectNodesReplayBitExactly(*job, 2);
}

// The node-by-node gradients against one backward through the whole model
// composed of the same ops.
TEST_F(TransformerJobTest, GradientsMatchAutogradThroughTheWholeModel) {
  auto job = testing_util::MakeJobOrDie(TransformerJson());
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(2);
  std::vector<NodeRecord> record;
  ASSERT_TRUE(TrainStep(*job, state, &record).ok());
  std::map<std::string, torch::Tensor> graph_values;
  for (const auto& r : record) {
    for (const auto& [k, v] : r.outputs) graph_values[k] = v;
  }
  auto batch = job->Batch(0);
  ASSERT_TRUE(batch.ok());
  TransformerSpec spec;
  std::map<std::string, torch::Tensor> values = {{"data/x", batch->at("data/x")}};
  std::map<std::string, torch::Tensor> params;
  for (const Op& op : TransformerOps(spec, 16)) {
    std::vector<torch::Tensor> xs, ps;
    for (const auto& x : op.inputs) xs.push_back(values.at(x));
    for (size_t i = 0; i < op.params.size(); ++i) {
      params[op.ParamValue(i)] =
          state.at(op.ParamValue(i)).clone().requires_grad_(true);
      ps.push_back(params[op.ParamValue(i)]);
    }
    values[op.OutputValue()] = op.forward(xs, ps);
  }
  torch::Tensor loss = torch::nn::functional::cross_entropy(
      values.at("act/head"), batch->at("data/y"));
  loss.backward();
  EXPECT_TRUE(torch::allclose(graph_values.at("loss"), loss.detach(), 0, 1e-6));
  for (const auto& [name, p] : params) {
    SCOPED_TRACE(name);
    const torch::Tensor& g = graph_values.at("grad/" + name);
    EXPECT_TRUE(torch::allclose(g, p.grad(), 1e-4, 1e-7))
        << "max diff " << (g - p.grad()).abs().max().item<double>();
  }
}

TEST_F(TransformerJobTest, LearnsToCopyAndStepsAreFast) {
  auto j = TransformerJson();
  j["optimizer"] = {{"name", "adam"}, {"lr", 0.01}};
  auto job = testing_util::MakeJobOrDie(j);
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(2);
  auto before = job->TestAccuracy(state);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  constexpr int kSteps = 100;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSteps; ++i) {
    auto next = TrainStep(*job, state);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    state = std::move(next).value();
  }
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count() /
                    kSteps;
  auto after = job->TestAccuracy(state);
  ASSERT_TRUE(after.ok());
  std::cout << "transformer: " << ms << " ms per step; test accuracy "
            << *before << " -> " << *after << "\n";
  // Chance is 1/15 per copied token.
  EXPECT_LT(*before, 0.15);
  EXPECT_GT(*after, 0.5);
  EXPECT_LT(ms, 100.0);  // a few ms expected; generous for loaded machines
}

TEST_F(TransformerJobTest, BadShapesAreNamed) {
  auto j = TransformerJson();
  j["heads"] = 3;
  auto config = JobConfig::FromJson(j);
  ASSERT_TRUE(config.ok());
  EXPECT_THAT(MakeJob(*config).status().message(),
              HasSubstr("job.heads (3) must divide job.d_model (32)"));
  j = TransformerJson();
  j["seq_len"] = 9;
  config = JobConfig::FromJson(j);
  ASSERT_TRUE(config.ok());
  EXPECT_THAT(MakeJob(*config).status().message(),
              HasSubstr("job.seq_len must be even"));
  j = TransformerJson();
  j["width"] = 9;
  config = JobConfig::FromJson(j);
  ASSERT_TRUE(config.ok());
  EXPECT_THAT(MakeJob(*config).status().message(),
              HasSubstr("job.width: unknown field"));
}

}  // namespace
}  // namespace veritrain
