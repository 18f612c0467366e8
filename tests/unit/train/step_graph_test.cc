// Tests for the step graph: the key property that every node evaluated
// alone from its recorded inputs reproduces the bits it had in the full
// step, plus the graph runtime's contract.
#include "core/train/step_graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/train/job.h"
#include "tests/unit/train/replay_util.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::MakeJobOrDie;

class StepGraphTest : public ::testing::Test {
 protected:
  void SetUp() override { testing_util::UseTestProfile(); }
};

// Every node replays bit-exactly alone (replay_util.h), and the graph
// runtime run twice from the same state and batch gives the same state as
// TrainStep.
void ExpectEveryNodeReplaysBitExactly(const TrainingJob& job, int warmup) {
  testing_util::ExpectNodesReplayBitExactly(job, warmup);
  TensorMap state = job.InitialState(11);
  for (int i = 0; i < warmup; ++i) {
    auto next = TrainStep(job, state);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    state = std::move(next).value();
  }
  auto next = TrainStep(job, state);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  auto batch = job.Batch(state.at("meta/step").item<int64_t>());
  ASSERT_TRUE(batch.ok());
  auto a = RunStepGraph(job.graph(), state, *batch);
  auto b =
      RunStepGraph(job.graph(), CloneTensorMap(state), CloneTensorMap(*batch));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(BitEqual(*a, *b));
  EXPECT_TRUE(BitEqual(*a, *next));
}

TEST_F(StepGraphTest, SyntheticNodesReplayBitExactly) {
  auto job = MakeJobOrDie(testing_util::SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  ExpectEveryNodeReplaysBitExactly(*job, 0);
  ExpectEveryNodeReplaysBitExactly(*job, 3);
}

TEST_F(StepGraphTest, SyntheticSgdNodesReplayBitExactly) {
  auto j = testing_util::SyntheticJobJson();
  j["hidden"] = {16, 8};
  j["optimizer"] = {
      {"name", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}, {"weight_decay", 1e-4}};
  auto job = MakeJobOrDie(j);
  ASSERT_NE(job, nullptr);
  ExpectEveryNodeReplaysBitExactly(*job, 2);
}

TEST_F(StepGraphTest, MlpNodesReplayBitExactly) {
  auto job = MakeJobOrDie(testing_util::SmallMlpJobJson());
  ASSERT_NE(job, nullptr);
  ExpectEveryNodeReplaysBitExactly(*job, 2);
}

TEST_F(StepGraphTest, MlpGraphShapeAndNames) {
  auto job = MakeJobOrDie(testing_util::SmallMlpJobJson());
  ASSERT_NE(job, nullptr);
  std::vector<std::string> names;
  for (const auto& n : job->graph().nodes()) names.push_back(n.name);
  EXPECT_THAT(names,
              ElementsAre("fc1.forward", "relu1.forward", "fc2.forward",
                          "loss.forward", "loss.backward", "fc2.backward",
                          "relu1.backward", "fc1.backward", "adam.fc1.weight",
                          "adam.fc1.bias", "adam.fc2.weight", "adam.fc2.bias"));
  const Node& fc1b = job->graph().nodes()[7];
  EXPECT_EQ(fc1b.kind, NodeKind::kBackward);
  EXPECT_THAT(fc1b.inputs, ElementsAre("data/x", "param/fc1.weight",
                                       "param/fc1.bias", "grad/act/fc1"));
  // The first layer has no gradient wrt its input (the data).
  EXPECT_THAT(fc1b.outputs,
              ElementsAre("grad/param/fc1.weight", "grad/param/fc1.bias"));
  const Node& fc2b = job->graph().nodes()[5];
  EXPECT_THAT(fc2b.outputs,
              ElementsAre("grad/act/relu1", "grad/param/fc2.weight",
                          "grad/param/fc2.bias"));
  const Node& adam = job->graph().nodes()[8];
  EXPECT_EQ(adam.kind, NodeKind::kOptimizer);
  EXPECT_THAT(adam.outputs,
              ElementsAre("next/param/fc1.weight", "next/opt/fc1.weight/m",
                          "next/opt/fc1.weight/v"));
  // FLOPs: fc1.forward is 2*B*784*64 + B*64 with B = 64.
  EXPECT_DOUBLE_EQ(job->graph().nodes()[0].flops,
                   2.0 * 64 * 784 * 64 + 64 * 64);
  EXPECT_GT(job->StepFlops(), 3 * job->graph().nodes()[0].flops);
}

TEST_F(StepGraphTest, GradientsMatchWholeModelBackward) {
  // The per-layer backward nodes against one loss.backward() over the whole
  // model built from ordinary LibTorch ops on the same parameters.
  auto job = MakeJobOrDie(testing_util::SmallMlpJobJson());
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(2);
  std::vector<NodeRecord> record;
  ASSERT_TRUE(TrainStep(*job, state, &record).ok());
  auto batch = job->Batch(0);
  ASSERT_TRUE(batch.ok());

  std::vector<std::string> names = {"fc1.weight", "fc1.bias", "fc2.weight",
                                    "fc2.bias"};
  std::map<std::string, torch::Tensor> p;
  for (const auto& n : names) {
    p[n] = state.at("param/" + n).clone().requires_grad_(true);
  }
  torch::Tensor h = torch::relu(
      torch::linear(batch->at("data/x"), p["fc1.weight"], p["fc1.bias"]));
  torch::Tensor logits = torch::linear(h, p["fc2.weight"], p["fc2.bias"]);
  torch::Tensor loss =
      torch::nn::functional::cross_entropy(logits, batch->at("data/y"));
  loss.backward();

  std::map<std::string, torch::Tensor> graph_values;
  for (const auto& r : record) {
    for (const auto& [k, v] : r.outputs) graph_values[k] = v;
  }
  EXPECT_TRUE(BitEqual(graph_values.at("loss"), loss.detach()));
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    const torch::Tensor& g = graph_values.at("grad/param/" + n);
    const double maxdiff = (g - p[n].grad()).abs().max().item<double>();
    EXPECT_TRUE(BitEqual(g, p[n].grad())) << "maxdiff = " << maxdiff;
  }
}

// One step the plainest way: a value table of every value by name, each
// node's `fn` (so no tape, and no slot_fn called by position) on its declared inputs, no
// value released, then the next state as RunStepGraph documents it. The
// runtime's value slots, release schedule and tape must give these bits.
TensorMap ReferenceStep(const StepGraph& g, const TensorMap& state,
                        const TensorMap& batch,
                        std::vector<TensorMap>* outputs) {
  TensorMap values = state;
  values.insert(batch.begin(), batch.end());
  for (const Node& node : g.nodes()) {
    TensorMap in;
    for (const auto& name : node.inputs) {
      in.emplace(name, values.at(name).contiguous());
    }
    const TensorMap produced = node.fn(in);
    TensorMap out;
    for (const auto& name : node.outputs) {
      out.emplace(name, produced.at(name).detach().contiguous());
    }
    values.insert(out.begin(), out.end());
    outputs->push_back(std::move(out));
  }
  TensorMap next;
  for (const auto& [name, t] : state) {
    auto it = values.find("next/" + name);
    next.emplace(name, it != values.end() ? it->second : t);
  }
  next["meta/step"] = state.at("meta/step") + 1;
  return next;
}

nlohmann::json SmallCnnJobJson() {
  return {{"name", "cnn"},      {"batch_size", 16},  {"data_seed", 3},
          {"train_limit", 500}, {"test_limit", 100}, {"channels", {4, 8}},
          {"hidden", {32}}};
}

nlohmann::json SmallTransformerJobJson() {
  return {{"name", "transformer"},
          {"batch_size", 8},
          {"data_seed", 9},
          {"init_seed", 2}};
}

TEST_F(StepGraphTest, RuntimeGivesTheBitsOfTheReferenceStep) {
  auto sgd = testing_util::SyntheticJobJson();
  sgd["optimizer"] = {{"name", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}};
  for (const nlohmann::json& j :
       {testing_util::SyntheticJobJson(), sgd, testing_util::SmallMlpJobJson(),
        SmallCnnJobJson(), SmallTransformerJobJson()}) {
    SCOPED_TRACE(j.dump());
    auto job = MakeJobOrDie(j);
    ASSERT_NE(job, nullptr);
    TensorMap state = job->InitialState(4);
    for (int step = 0; step < 3; ++step) {
      auto batch = job->Batch(step);
      ASSERT_TRUE(batch.ok());
      std::vector<TensorMap> want_outputs;
      const TensorMap want =
          ReferenceStep(job->graph(), state, *batch, &want_outputs);
      std::vector<NodeRecord> record;
      auto got = RunStepGraph(job->graph(), state, *batch, &record);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(BitEqual(*got, want)) << "step " << step;
      ASSERT_EQ(record.size(), want_outputs.size());
      for (size_t i = 0; i < record.size(); ++i) {
        EXPECT_TRUE(BitEqual(record[i].outputs, want_outputs[i]))
            << "step " << step << ", node " << job->graph().nodes()[i].name;
      }
      // Without a record (values released as the step goes): the same.
      auto unrecorded = RunStepGraph(job->graph(), state, *batch);
      ASSERT_TRUE(unrecorded.ok());
      EXPECT_TRUE(BitEqual(*unrecorded, want)) << "step " << step;
      // With the state moved in (replaced state tensors released too): the
      // same.
      TensorMap handed = state;
      auto moved = RunStepGraph(job->graph(), std::move(handed), *batch);
      ASSERT_TRUE(moved.ok()) << moved.status().ToString();
      EXPECT_TRUE(BitEqual(*moved, want)) << "step " << step;
      state = std::move(got).value();
    }
  }
}

TEST_F(StepGraphTest, RuntimeIncrementsStepAndKeepsUntouchedState) {
  auto job = MakeJobOrDie(testing_util::SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(1);
  state["extra/untouched"] = torch::arange(3);
  auto next = TrainStep(*job, state);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->at("meta/step").item<int64_t>(), 1);
  EXPECT_EQ(state.at("meta/step").item<int64_t>(), 0);  // input unchanged
  EXPECT_TRUE(BitEqual(next->at("extra/untouched"), torch::arange(3)));
  EXPECT_FALSE(
      BitEqual(next->at("param/fc1.weight"), state.at("param/fc1.weight")));
  EXPECT_EQ(next->size(), state.size());
}

TEST_F(StepGraphTest, RuntimeErrorsNameWhatFailed) {
  auto job = MakeJobOrDie(testing_util::SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(1);
  auto batch = job->Batch(0);
  ASSERT_TRUE(batch.ok());

  TensorMap no_step = state;
  no_step.erase("meta/step");
  auto r = RunStepGraph(job->graph(), no_step, *batch);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("meta/step"));

  TensorMap clash = *batch;
  clash["param/fc1.bias"] = torch::zeros({1});
  r = RunStepGraph(job->graph(), state, clash);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("param/fc1.bias"));

  TensorMap missing = state;
  missing.erase("opt/fc2.bias/v");
  r = RunStepGraph(job->graph(), missing, *batch);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(
      r.status().message(),
      HasSubstr("node 'adam.fc2.bias': missing input 'opt/fc2.bias/v'"));

  TensorMap bad_shape = state;
  bad_shape["param/fc1.weight"] = torch::zeros({3, 3});
  r = RunStepGraph(job->graph(), bad_shape, *batch);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("node 'fc1.forward'"));
  // LibTorch's message, without the C++ backtrace its errors carry.
  EXPECT_THAT(r.status().message(), Not(HasSubstr("frame #")));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("Exception raised from")));
}

TEST_F(StepGraphTest, EvaluateNodeChecksIndexAndInputs) {
  auto job = MakeJobOrDie(testing_util::SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  auto idx = job->graph().Find("relu1.backward");
  ASSERT_TRUE(idx.ok());
  auto r =
      EvaluateNode(job->graph(), *idx, {{"act/fc1", torch::ones({32, 32})}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("node 'relu1.backward': missing input "
                        "'grad/act/relu1'"));
  r = EvaluateNode(job->graph(), job->graph().size(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("out of range"));
  EXPECT_FALSE(job->graph().Find("nope.forward").ok());

  // ReLU backward on hand-made values: the gradient passes where x > 0.
  // Extra inputs are ignored.
  r = EvaluateNode(job->graph(), *idx,
                   {{"act/fc1", torch::tensor({{-1.0f, 2.0f}})},
                    {"grad/act/relu1", torch::tensor({{5.0f, 7.0f}})},
                    {"unrelated", torch::zeros({1})}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(BitEqual(r->at("grad/act/fc1"), torch::tensor({{0.0f, 7.0f}})));
}

Node SimpleNode(const std::string& name, std::vector<std::string> in,
                std::vector<std::string> out) {
  Node n;
  n.name = name;
  n.kind = NodeKind::kForward;
  n.inputs = std::move(in);
  n.outputs = out;
  n.fn = [out](const TensorMap& m) {
    TensorMap r;
    for (const auto& o : out) r[o] = m.begin()->second + 1;
    return r;
  };
  return n;
}

TEST(StepGraphBuildTest, AddAndValidateRejectMistakes) {
  StepGraph g;
  ASSERT_TRUE(g.Add(SimpleNode("a", {"data/x"}, {"act/a"})).ok());
  Status s = g.Add(SimpleNode("a", {"data/x"}, {"act/b"}));
  EXPECT_THAT(s.message(), HasSubstr("node 'a': name used twice"));
  s = g.Add(SimpleNode("b", {"data/x"}, {"act/a"}));
  EXPECT_THAT(s.message(), HasSubstr("output 'act/a' is written twice"));
  Node invalid = SimpleNode("c", {"data/x"}, {"act/c"});
  invalid.kind = NodeKind::kInvalid;
  EXPECT_FALSE(g.Add(invalid).ok());
  Node no_fn = SimpleNode("d", {"data/x"}, {"act/d"});
  no_fn.fn = nullptr;
  EXPECT_FALSE(g.Add(no_fn).ok());

  ASSERT_TRUE(g.Add(SimpleNode("e", {"act/later"}, {"act/e"})).ok());
  ASSERT_TRUE(g.Add(SimpleNode("f", {"act/a"}, {"act/later"})).ok());
  s = g.Validate({"data/x"});
  EXPECT_THAT(s.message(), HasSubstr("node 'e' reads 'act/later'"));
  EXPECT_THAT(g.Validate({"data/x", "act/later"}).message(),
              HasSubstr("node 'f' overwrites 'act/later'"));
}

// A node whose output act/<name> is memory whose release `freed` shows.
Node MakesWatchedValue(const std::string& name, std::vector<std::string> in,
                       std::shared_ptr<bool> freed) {
  Node n = SimpleNode(name, std::move(in), {"act/" + name});
  n.fn = [name, freed](const TensorMap&) {
    *freed = false;
    auto* values = new float[4]{1, 2, 3, 4};
    auto release = [freed](void* p) {
      delete[] static_cast<float*>(p);
      *freed = true;
    };
    return TensorMap{{"act/" + name,
                      torch::from_blob(values, {4}, release, torch::kFloat32)}};
  };
  return n;
}

// A node reading `in` whose function notes, in `seen`, whether `freed` was
// set when it ran.
Node Watches(const std::string& name, std::vector<std::string> in,
             std::shared_ptr<bool> freed,
             std::shared_ptr<std::optional<bool>> seen) {
  Node n = SimpleNode(name, std::move(in), {"act/" + name});
  const std::string out = "act/" + name;
  n.fn = [freed, seen, out](const TensorMap& m) {
    *seen = *freed;
    return TensorMap{{out, m.begin()->second + 1}};
  };
  return n;
}

TEST(StepGraphRunTest, AValueIsFreedOnceTheLastNodeThatReadsItHasRun) {
  // Node a makes act/a in memory whose release is seen; b is its last
  // reader; c, after b, looks whether that memory is gone.
  auto freed = std::make_shared<bool>(false);
  auto freed_before_c = std::make_shared<std::optional<bool>>();
  StepGraph g;
  ASSERT_TRUE(g.Add(MakesWatchedValue("a", {"data/x"}, freed)).ok());
  ASSERT_TRUE(g.Add(SimpleNode("b", {"act/a"}, {"act/b"})).ok());
  ASSERT_TRUE(g.Add(Watches("c", {"act/b"}, freed, freed_before_c)).ok());
  const TensorMap state = {{"meta/step", torch::zeros({}, torch::kInt64)}};
  auto next = RunStepGraph(g, state, {{"data/x", torch::ones({4})}});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_TRUE(freed_before_c->has_value());
  EXPECT_TRUE(**freed_before_c);
  EXPECT_EQ(next->at("meta/step").item<int64_t>(), 1);
}

TEST(StepGraphRunTest, AValueLivesUntilItsLastReaderInEveryStep) {
  // act/a is read by b and, later, by d; c (between them) must still see
  // it held and e (after d) must see it freed. The schedule follows the
  // graph as nodes were added (d came after b), and holds for every run.
  auto freed = std::make_shared<bool>(false);
  auto freed_at_c = std::make_shared<std::optional<bool>>();
  auto freed_at_e = std::make_shared<std::optional<bool>>();
  StepGraph g;
  ASSERT_TRUE(g.Add(MakesWatchedValue("a", {"data/x"}, freed)).ok());
  ASSERT_TRUE(g.Add(SimpleNode("b", {"act/a"}, {"act/b"})).ok());
  ASSERT_TRUE(g.Add(Watches("c", {"act/b"}, freed, freed_at_c)).ok());
  ASSERT_TRUE(g.Add(SimpleNode("d", {"act/c", "act/a"}, {"act/d"})).ok());
  ASSERT_TRUE(g.Add(Watches("e", {"act/d"}, freed, freed_at_e)).ok());
  const TensorMap state = {{"meta/step", torch::zeros({}, torch::kInt64)}};
  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    freed_at_c->reset();
    freed_at_e->reset();
    auto next = RunStepGraph(g, state, {{"data/x", torch::ones({4})}});
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    ASSERT_TRUE(freed_at_c->has_value() && freed_at_e->has_value());
    EXPECT_FALSE(**freed_at_c);
    EXPECT_TRUE(**freed_at_e);
  }
  // A recording keeps every value it records, so nothing is freed early;
  // the run is otherwise the same.
  std::vector<NodeRecord> record;
  auto next = RunStepGraph(g, state, {{"data/x", torch::ones({4})}}, &record);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(**freed_at_e);
  ASSERT_EQ(record.size(), 5u);
  EXPECT_TRUE(BitEqual(record[3].inputs.at("act/a"),
                       torch::tensor({1.0f, 2.0f, 3.0f, 4.0f})));
}

// A state tensor "param/w" in memory whose release `freed` shows.
torch::Tensor WatchedStateTensor(std::shared_ptr<bool> freed) {
  auto* values = new float[4]{1, 2, 3, 4};
  auto release = [freed](void* p) {
    delete[] static_cast<float*>(p);
    *freed = true;
  };
  return torch::from_blob(values, {4}, release, torch::kFloat32);
}

TEST(StepGraphRunTest, AStateMovedInIsFreedOnceTheStepHasReplacedIt) {
  // "opt" replaces param/w (writes next/param/w) and is its last reader;
  // "c", after it, looks whether the old param/w is gone. A caller that
  // moves its state in no longer holds it, so the step frees it there: a
  // step does not hold the old state and the new one whole.
  auto freed = std::make_shared<bool>(false);
  auto freed_at_c = std::make_shared<std::optional<bool>>();
  StepGraph g;
  ASSERT_TRUE(g.Add(SimpleNode("opt", {"param/w"}, {"next/param/w"})).ok());
  ASSERT_TRUE(g.Add(SimpleNode("b", {"data/x"}, {"act/b"})).ok());
  ASSERT_TRUE(g.Add(Watches("c", {"act/b"}, freed, freed_at_c)).ok());
  auto make_state = [&] {
    *freed = false;
    return TensorMap{{"meta/step", torch::zeros({}, torch::kInt64)},
                     {"param/w", WatchedStateTensor(freed)},
                     {"extra/kept", torch::arange(3)}};
  };

  TensorMap moved = make_state();
  auto next = RunStepGraph(g, std::move(moved), {{"data/x", torch::ones({4})}});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_TRUE(freed_at_c->has_value());
  EXPECT_TRUE(**freed_at_c);
  EXPECT_TRUE(BitEqual(next->at("param/w"), torch::tensor({2.0f, 3.0f, 4.0f, 5.0f})));
  EXPECT_TRUE(BitEqual(next->at("extra/kept"), torch::arange(3)));  // no node replaces it
  EXPECT_EQ(next->at("meta/step").item<int64_t>(), 1);

  // A caller that keeps its state keeps its tensors.
  freed_at_c->reset();
  const TensorMap kept = make_state();
  next = RunStepGraph(g, kept, {{"data/x", torch::ones({4})}});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_TRUE(freed_at_c->has_value());
  EXPECT_FALSE(**freed_at_c);
  EXPECT_TRUE(BitEqual(kept.at("param/w"), torch::tensor({1.0f, 2.0f, 3.0f, 4.0f})));
  EXPECT_TRUE(BitEqual(next->at("param/w"), torch::tensor({2.0f, 3.0f, 4.0f, 5.0f})));
}

TEST(StepGraphRunTest, AStateTensorWhoseNextValueIsReadStaysWhole) {
  // next/param/w is read by a later node, so the table releases it there;
  // the step must still return it as the next param/w.
  StepGraph g;
  ASSERT_TRUE(g.Add(SimpleNode("opt", {"param/w"}, {"next/param/w"})).ok());
  ASSERT_TRUE(g.Add(SimpleNode("after", {"next/param/w"}, {"act/after"})).ok());
  TensorMap state = {{"meta/step", torch::zeros({}, torch::kInt64)},
                     {"param/w", torch::tensor({1.0f, 2.0f})}};
  auto next = RunStepGraph(g, std::move(state), {});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_TRUE(BitEqual(next->at("param/w"), torch::tensor({2.0f, 3.0f})));
}

TEST(StepGraphRunTest, AHookMayChangeOutputTensorsButNotTheirNames) {
  StepGraph g;
  ASSERT_TRUE(g.Add(SimpleNode("a", {"data/x"}, {"act/a"})).ok());
  ASSERT_TRUE(g.Add(SimpleNode("b", {"act/a"}, {"next/w"})).ok());
  const TensorMap state = {{"meta/step", torch::zeros({}, torch::kInt64)},
                           {"w", torch::zeros({2}, torch::kFloat32)}};
  const TensorMap batch = {{"data/x", torch::ones({2}, torch::kFloat32)}};
  const NodeHook doubles_a = [](size_t, const Node& node, TensorMap& out) {
    if (node.name == "a") out["act/a"] = out["act/a"] * 2;
  };
  auto next = RunStepGraph(g, state, batch, nullptr, doubles_a);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_TRUE(BitEqual(next->at("w"),
                       torch::full({2}, 5.0, torch::kFloat32)));  // 2*2 + 1

  const NodeHook renames = [](size_t, const Node& node, TensorMap& out) {
    if (node.name == "a") out = {{"act/other", out.at("act/a")}};
  };
  auto r = RunStepGraph(g, state, batch, nullptr, renames);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("node 'a'"));
}

TEST(StepGraphBuildTest, NodeThatOmitsAnOutputIsReported) {
  StepGraph g;
  Node n = SimpleNode("lazy", {"data/x"}, {"act/lazy"});
  n.fn = [](const TensorMap&) { return TensorMap{}; };
  ASSERT_TRUE(g.Add(n).ok());
  auto r = EvaluateNode(g, 0, {{"data/x", torch::ones({1})}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("node 'lazy': did not produce its output 'act/lazy'"));
}

// A node with a slot function: RunStepGraph hands it its inputs in the
// order it declares them (not name order) with the step's tape,
// EvaluateNode without one, and the `fn` SetSlotFn makes gives the same
// outputs by name.
TEST(StepGraphSlotTest, SlotFunctionGetsDeclaredOrderAndATapeOnlyInAStep) {
  StepGraph g;
  Node n;
  n.name = "diff";
  n.kind = NodeKind::kForward;
  n.inputs = {"data/b", "data/a"};  // not in name order
  n.outputs = {"act/diff", "act/sum"};
  auto tapes = std::make_shared<std::vector<bool>>();
  SetSlotFn(&n, [tapes](const std::vector<torch::Tensor>& in, ForwardTape* tape) {
    tapes->push_back(tape != nullptr);
    return std::vector<torch::Tensor>{in[0] - in[1], in[0] + in[1]};
  });
  ASSERT_TRUE(g.Add(n).ok());
  const TensorMap batch = {{"data/a", torch::tensor({1.0f})},
                           {"data/b", torch::tensor({10.0f})}};
  std::vector<NodeRecord> record;
  auto next = RunStepGraph(g, {{"meta/step", torch::zeros({}, torch::kInt64)}},
                           batch, &record);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_EQ(record.size(), 1u);
  EXPECT_TRUE(torch::equal(record[0].outputs.at("act/diff"), torch::tensor({9.0f})));
  EXPECT_TRUE(torch::equal(record[0].outputs.at("act/sum"), torch::tensor({11.0f})));

  auto alone = EvaluateNode(g, 0, batch);
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  EXPECT_TRUE(torch::equal(alone->at("act/diff"), torch::tensor({9.0f})));
  const TensorMap by_name = n.fn(batch);
  EXPECT_TRUE(torch::equal(by_name.at("act/diff"), torch::tensor({9.0f})));
  EXPECT_TRUE(torch::equal(by_name.at("act/sum"), torch::tensor({11.0f})));
  EXPECT_THAT(*tapes, ElementsAre(true, false, false));
}

// A slot function that returns the wrong number of outputs, or an
// undefined one, is an error naming the node (and the output), in a step
// and alone.
TEST(StepGraphSlotTest, WrongSlotOutputsAreReported) {
  struct Case {
    std::vector<torch::Tensor> returned;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "node 'bad': produced 0 outputs, declares 1"},
      {{torch::ones({1}), torch::ones({1})}, "node 'bad': produced 2 outputs, declares 1"},
      {{torch::Tensor()}, "node 'bad': did not produce its output 'act/bad'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    StepGraph g;
    Node n;
    n.name = "bad";
    n.kind = NodeKind::kForward;
    n.inputs = {"data/x"};
    n.outputs = {"act/bad"};
    SetSlotFn(&n, [returned = c.returned](const std::vector<torch::Tensor>&, ForwardTape*) {
      return returned;
    });
    ASSERT_TRUE(g.Add(n).ok());
    const TensorMap batch = {{"data/x", torch::ones({1})}};
    auto step = RunStepGraph(g, {{"meta/step", torch::zeros({}, torch::kInt64)}}, batch);
    ASSERT_FALSE(step.ok());
    EXPECT_THAT(step.status().message(), HasSubstr(c.message));
    auto alone = EvaluateNode(g, 0, batch);
    ASSERT_FALSE(alone.ok());
    EXPECT_THAT(alone.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace veritrain
