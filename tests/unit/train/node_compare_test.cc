// The componentwise comparison of a node's claimed output with an
// evaluation on the same inputs (core/train/node_compare.h): exact claims,
// rounding-sized and larger differences, changes a max-relative measure
// would hide, and malformed claims.
#include "core/train/node_compare.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <limits>

#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using testing_util::MakeJobOrDie;
using testing_util::SyntheticJobJson;
using testing_util::UseTestProfile;

TensorMap Outputs(const Node& node, const TensorMap& all) {
  TensorMap out;
  for (const auto& name : node.outputs) out.emplace(name, all.at(name));
  return out;
}

TEST(NodeCompare, EveryHonestNodeIsExactOnTheSameProfile) {
  UseTestProfile();
  auto job = MakeJobOrDie(SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  std::vector<NodeRecord> record;
  ASSERT_TRUE(TrainStep(*job, job->InitialState(3), &record).ok());
  for (size_t n = 0; n < record.size(); ++n) {
    const Node& node = job->graph().nodes()[n];
    auto d = CompareNode(job->graph(), n, record[n].inputs, Outputs(node, record[n].outputs));
    ASSERT_TRUE(d.ok()) << node.name << ": " << d.status().ToString();
    EXPECT_EQ(d->ratio, 0.0) << node.name;
    EXPECT_TRUE(d->Within(0.0)) << node.name;
  }
}

TEST(NodeCompare, ADifferenceIsMeasuredAgainstEachElementsScale) {
  // ours = (100, 1e-3); a change of 1e-5 at the small element is 1 % of
  // it, although it is 1e-7 of the largest element.
  TensorMap ours = {{"y", torch::tensor({100.0, 1e-3}, torch::kFloat64)}};
  TensorMap claimed = {{"y", torch::tensor({100.0, 1e-3 + 1e-5}, torch::kFloat64)}};
  NodeDeviation d = CompareOutputs(ours, {}, claimed);
  EXPECT_NEAR(d.ratio, 1e-2, 1e-9);
  EXPECT_EQ(d.worst_output, "y");
  EXPECT_FALSE(d.Within(1e-3));
  EXPECT_TRUE(d.Within(2e-2));
  // A larger scale (the sum of absolute terms, where cancellation made the
  // result small) allows more.
  TensorMap scale = {{"y", torch::tensor({100.0, 1.0}, torch::kFloat64)}};
  EXPECT_NEAR(CompareOutputs(ours, scale, claimed).ratio, 1e-5, 1e-12);
}

TEST(NodeCompare, ZerosAndNonFiniteValuesMustMatchExactly) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  TensorMap ours = {{"y", torch::tensor({0.0, inf, nan}, torch::kFloat64)}};
  EXPECT_EQ(CompareOutputs(ours, {}, ours).ratio, 0.0);
  TensorMap opened = {{"y", torch::tensor({1e-30, inf, nan}, torch::kFloat64)}};
  EXPECT_EQ(CompareOutputs(ours, {}, opened).ratio, inf);  // a zero became non-zero
  TensorMap finite = {{"y", torch::tensor({0.0, 1.0, nan}, torch::kFloat64)}};
  EXPECT_EQ(CompareOutputs(ours, {}, finite).ratio, inf);
  TensorMap number = {{"y", torch::tensor({0.0, inf, 2.0}, torch::kFloat64)}};
  EXPECT_EQ(CompareOutputs(ours, {}, number).ratio, inf);
}

TEST(NodeCompare, IntegersMustBeEqual) {
  TensorMap ours = {{"i", torch::tensor({1, 2}, torch::kInt64)}};
  EXPECT_EQ(CompareOutputs(ours, {}, ours).ratio, 0.0);
  TensorMap other = {{"i", torch::tensor({1, 3}, torch::kInt64)}};
  EXPECT_EQ(CompareOutputs(ours, {}, other).ratio, std::numeric_limits<double>::infinity());
}

TEST(NodeCompare, MalformedClaimsAreProblemsNotNumbers) {
  TensorMap ours = {{"y", torch::ones({2, 3})}};
  NodeDeviation missing = CompareOutputs(ours, {}, {{"z", torch::ones({2, 3})}});
  EXPECT_FALSE(missing.problem.empty());
  EXPECT_NE(missing.problem.find("'y' is missing"), std::string::npos) << missing.problem;
  EXPECT_FALSE(missing.Within(1e9));
  NodeDeviation shape = CompareOutputs(ours, {}, {{"y", torch::ones({3, 2})}});
  EXPECT_NE(shape.problem.find("[3, 2]"), std::string::npos) << shape.problem;
  NodeDeviation kind = CompareOutputs(ours, {}, {{"y", torch::ones({2, 3}, torch::kInt64)}});
  EXPECT_FALSE(kind.problem.empty());
}

TEST(NodeCompare, TheScaleOfAProductIsTheProductOfAbsoluteValues) {
  // A first linear layer: its error scale is |x| |W|^T, not |x W^T|.
  UseTestProfile();
  auto job = MakeJobOrDie(SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  std::vector<NodeRecord> record;
  ASSERT_TRUE(TrainStep(*job, job->InitialState(3), &record).ok());
  const size_t n = 0;  // fc1.forward
  const Node& node = job->graph().nodes()[n];
  ASSERT_EQ(node.kind, NodeKind::kForward);
  TensorMap claimed = Outputs(node, record[n].outputs);
  // Nudge one element by 1e-3 of its own scale.
  const std::string out = node.outputs.front();
  TensorMap abs_inputs;
  for (const auto& [name, t] : record[n].inputs) abs_inputs.emplace(name, t.abs());
  auto scale = EvaluateNode(job->graph(), n, abs_inputs);
  ASSERT_TRUE(scale.ok());
  torch::Tensor y = claimed.at(out).clone();
  const double s = std::max(std::abs(y.flatten()[0].item<double>()),
                            std::abs(scale->at(out).flatten()[0].item<double>()));
  y.flatten()[0] += 1e-3 * s;
  claimed[out] = y;
  auto d = CompareNode(job->graph(), n, record[n].inputs, claimed);
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->ratio, 1e-3, 1e-5);
}

}  // namespace
}  // namespace veritrain
