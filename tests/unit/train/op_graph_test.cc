// Tests for ops and the step-graph nodes built from them: the checks,
// gradient sums where a value feeds several ops, agreement with autograd
// through the whole model, parameter initialisation, and OpJob's checks.
#include "core/train/op_graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <string>

#include "core/train/dataset.h"
#include "core/train/layer_nodes.h"
#include "core/train/op_job.h"
#include "tests/unit/train/replay_util.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Tensors = std::vector<torch::Tensor>;

Op Linear(const std::string& name, const std::string& input, int64_t in, int64_t out) {
  Op op;
  op.name = name;
  op.inputs = {input};
  op.params = {{"weight", {out, in}, ParamInit::kUniform, 0.5},
               {"bias", {out}, ParamInit::kConstant, 0.1}};
  op.forward = [](const Tensors& x, const Tensors& p) {
    return torch::linear(x[0], p[0], p[1]);
  };
  return op;
}

Op Unary(const std::string& name, const std::string& input,
         std::function<torch::Tensor(const torch::Tensor&)> f) {
  Op op;
  op.name = name;
  op.inputs = {input};
  op.forward = [f](const Tensors& x, const Tensors&) { return f(x[0]); };
  return op;
}

// x -> scale (data only) -> a = linear -> b = tanh(a) -> c = a * b
// -> sq = c * c (reads c twice) -> out = linear(sq): a feeds b and c.
std::vector<Op> DagOps() {
  std::vector<Op> ops;
  ops.push_back(Unary("scale", "data/x", [](const torch::Tensor& x) { return x * 0.5; }));
  ops.push_back(Linear("a", "act/scale", 4, 6));
  ops.push_back(Unary("b", "act/a", [](const torch::Tensor& x) { return torch::tanh(x); }));
  Op c;
  c.name = "c";
  c.inputs = {"act/a", "act/b"};
  c.forward = [](const Tensors& x, const Tensors&) { return x[0] * x[1]; };
  ops.push_back(std::move(c));
  Op sq;
  sq.name = "sq";
  sq.inputs = {"act/c", "act/c"};
  sq.forward = [](const Tensors& x, const Tensors&) { return x[0] * x[1]; };
  ops.push_back(std::move(sq));
  ops.push_back(Linear("out", "act/sq", 6, 3));
  return ops;
}

StepGraph DagGraph(const std::vector<Op>& ops) {
  StepGraph g;
  auto logits = AddOpForwardNodes(&g, ops);
  EXPECT_TRUE(logits.ok());
  EXPECT_TRUE(AddCrossEntropyNodes(&g, *logits, "data/y", 8, 3).ok());
  EXPECT_TRUE(AddOpBackwardNodes(&g, ops).ok());
  return g;
}

TEST(OpGraphTest, CheckOpsNamesTheProblem) {
  EXPECT_THAT(CheckOps({}, {"data/x"}).message(), HasSubstr("no ops"));
  auto ops = DagOps();
  EXPECT_TRUE(CheckOps(ops, {"data/x"}).ok());
  ops[2].inputs = {"act/later"};
  EXPECT_THAT(CheckOps(ops, {"data/x"}).message(),
              HasSubstr("op 'b' reads 'act/later', which is neither data nor "
                        "the output of an earlier op"));
  ops = DagOps();
  ops[3].name = "a";
  EXPECT_THAT(CheckOps(ops, {"data/x"}).message(), HasSubstr("op 'a': name used twice"));
  ops = DagOps();
  ops.push_back(Linear("dangling", "act/out", 3, 3));
  ops.push_back(Linear("last", "act/sq", 6, 3));
  EXPECT_THAT(CheckOps(ops, {"data/x"}).message(),
              HasSubstr("op 'dangling': its output is never read"));
  ops = DagOps();
  ops[1].params[1].init = ParamInit::kInvalid;
  EXPECT_THAT(CheckOps(ops, {"data/x"}).message(), HasSubstr("has no init"));
  ops = DagOps();
  ops[0].forward = nullptr;
  EXPECT_THAT(CheckOps(ops, {"data/x"}).message(), HasSubstr("no forward"));
}

TEST(OpGraphTest, BackwardNodesSumGradientsOfSharedValues) {
  const auto ops = DagOps();
  StepGraph g = DagGraph(ops);
  std::vector<std::string> names;
  for (const auto& n : g.nodes()) names.push_back(n.name);
  // scale depends on the data only: no backward node; a feeds b and c.
  EXPECT_THAT(names, ElementsAre("scale.forward", "a.forward", "b.forward", "c.forward",
                                 "sq.forward", "out.forward", "loss.forward",
                                 "loss.backward", "out.backward", "sq.backward",
                                 "c.backward", "b.backward", "a.grad_sum", "a.backward"));
  const Node& c = g.nodes()[*g.Find("c.backward")];
  EXPECT_THAT(c.outputs, ElementsAre("grad/act/a@c", "grad/act/b"));
  const Node& sq = g.nodes()[*g.Find("sq.backward")];
  EXPECT_THAT(sq.inputs, ElementsAre("act/c", "grad/act/sq"));  // read once
  EXPECT_THAT(sq.outputs, ElementsAre("grad/act/c"));  // one gradient for both uses
  const Node& sum = g.nodes()[*g.Find("a.grad_sum")];
  EXPECT_THAT(sum.inputs, ElementsAre("grad/act/a@b", "grad/act/a@c"));
  EXPECT_THAT(sum.outputs, ElementsAre("grad/act/a"));
  const Node& a = g.nodes()[*g.Find("a.backward")];
  EXPECT_THAT(a.outputs, ElementsAre("grad/param/a.weight", "grad/param/a.bias"));
}

TEST(OpGraphTest, GradientsMatchAutogradThroughTheWholeModel) {
  testing_util::UseTestProfile();
  const auto ops = DagOps();
  StepGraph g = DagGraph(ops);
  TensorMap state = InitOpParams(ops, OptimizerConfig(), 3, torch::kFloat64);
  state["meta/step"] = torch::zeros({}, torch::kInt64);
  torch::manual_seed(0);
  TensorMap batch = {{"data/x", torch::randn({8, 4}, torch::kFloat64)},
                     {"data/y", torch::tensor({0, 1, 2, 0, 1, 2, 0, 1})}};
  std::vector<NodeRecord> record;
  ASSERT_TRUE(RunStepGraph(g, state, batch, &record).ok());
  std::map<std::string, torch::Tensor> got;
  for (const auto& r : record) {
    for (const auto& [k, v] : r.outputs) got[k] = v;
  }
  std::map<std::string, torch::Tensor> p;
  for (const auto& [k, v] : state) {
    if (k.rfind("param/", 0) == 0) p[k] = v.clone().requires_grad_(true);
  }
  torch::Tensor a = torch::linear(batch["data/x"] * 0.5, p["param/a.weight"], p["param/a.bias"]);
  torch::Tensor c = a * torch::tanh(a);
  torch::Tensor out = torch::linear(c * c, p["param/out.weight"], p["param/out.bias"]);
  torch::nn::functional::cross_entropy(out, batch["data/y"]).backward();
  for (const auto& [k, v] : p) {
    SCOPED_TRACE(k);
    EXPECT_TRUE(torch::allclose(got.at("grad/" + k), v.grad(), 1e-12, 1e-14));
  }
  // Evaluated alone, every node gives its recorded bits.
  for (size_t i = 0; i < g.size(); ++i) {
    auto alone = EvaluateNode(g, i, CloneTensorMap(record[i].inputs));
    ASSERT_TRUE(alone.ok());
    EXPECT_TRUE(BitEqual(*alone, record[i].outputs)) << g.nodes()[i].name;
  }
}

TEST(OpGraphTest, InitOpParamsIsSeededAndSkipsGivenParams) {
  auto ops = DagOps();
  ops.back().params[0].init = ParamInit::kGiven;
  OptimizerConfig adam;
  TensorMap a = InitOpParams(ops, adam, 7, torch::kFloat32);
  TensorMap b = InitOpParams(ops, adam, 7, torch::kFloat32);
  EXPECT_TRUE(BitEqual(a, b));
  EXPECT_FALSE(BitEqual(a.at("param/a.weight"),
                        InitOpParams(ops, adam, 8, torch::kFloat32).at("param/a.weight")));
  EXPECT_TRUE(torch::equal(a.at("param/a.bias"), torch::full({6}, 0.1f)));
  EXPECT_LE(a.at("param/a.weight").abs().max().item<float>(), 0.5f);
  EXPECT_EQ(a.count("param/out.weight"), 0u);       // given by the job
  EXPECT_EQ(a.count("opt/out.weight/m"), 1u);        // its moments are not
  EXPECT_EQ(a.at("opt/a.weight/v").sizes(), torch::IntArrayRef({6, 4}));
}

Dataset TinyData() {
  Dataset d;
  d.x = torch::randn({20, 4});
  d.y = torch::arange(20, torch::kInt64).remainder(3);
  d.tree = std::make_shared<const MerkleTree>(std::vector<Digest>(20));
  d.root = d.tree->root();
  return d;
}

TEST(OpJobTest, BuildsATrainableJobAndChecksItsSpec) {
  testing_util::UseTestProfile();
  JobConfig config;
  config.name = "dag";
  config.batch_size = 8;
  OpJobSpec spec;
  spec.ops = DagOps();
  spec.train = TinyData();
  spec.test = TinyData();
  auto job = MakeOpJob(config, spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  testing_util::ExpectNodesReplayBitExactly(**job, 2);
  // A FLOP estimate for ops that gave none: a's weight [6, 4] on 8 rows.
  EXPECT_DOUBLE_EQ((*job)->graph().nodes()[1].flops, 2.0 * 24 * 48 / 6 + 48);

  OpJobSpec given = spec;
  given.ops[1].params[0].init = ParamInit::kGiven;
  EXPECT_THAT(MakeOpJob(config, given).status().message(),
              HasSubstr("job 'dag': no initial value for 'param/a.weight'"));
  given.given_params["param/a.weight"] = torch::ones({6, 4});
  auto with_given = MakeOpJob(config, given);
  ASSERT_TRUE(with_given.ok()) << with_given.status().ToString();
  EXPECT_TRUE(torch::equal((*with_given)->InitialState(1).at("param/a.weight"),
                           torch::ones({6, 4})));

  OpJobSpec shaped = spec;
  shaped.input_shape = {2, 2};
  shaped.ops[1] = Linear("a", "act/scale", 2, 6);  // reads the last axis, 2
  shaped.ops[1].forward = [](const Tensors& x, const Tensors& p) {
    return torch::linear(x[0], p[0], p[1]).sum(1);  // [B, 2, 6] -> [B, 6]
  };
  auto reshaped = MakeOpJob(config, shaped);
  ASSERT_TRUE(reshaped.ok()) << reshaped.status().ToString();
  EXPECT_EQ((*reshaped)->Batch(0)->at("data/x").sizes(), torch::IntArrayRef({8, 2, 2}));

  // An op job's batch limit counts the ops' outputs, measured on one
  // example: 4 inputs widened to 80,000 values are 640,000 bytes an example
  // with their gradients, so 420 examples pass 256 MiB and are refused
  // before the first batch is drawn; 400 build.
  OpJobSpec widened = spec;
  widened.ops[0] = Unary("scale", "data/x",
                         [](const torch::Tensor& x) { return x.repeat({1, 20000}); });
  widened.ops.insert(widened.ops.begin() + 1,
                     Unary("narrow", "act/scale",
                           [](const torch::Tensor& x) { return x.narrow(1, 0, 4); }));
  widened.ops[2] = Linear("a", "act/narrow", 4, 6);
  JobConfig large = config;
  large.batch_size = 420;
  EXPECT_THAT(MakeOpJob(large, widened).status().message(),
              HasSubstr("job.batch_size: a batch of 420 examples would hold about"));
  large.batch_size = 400;
  EXPECT_TRUE(MakeOpJob(large, widened).ok());

  OpJobSpec wide = spec;
  wide.train.y = wide.train.y + 5;  // labels up to 7, but 3 logits
  EXPECT_THAT(MakeOpJob(config, wide).status().message(),
              HasSubstr("the model outputs [8, 3] for 8 labels; expected floating "
                        "logits [8, >= 8]"));
}

}  // namespace
}  // namespace veritrain
