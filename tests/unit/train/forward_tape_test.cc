// Tests for the forward tape: a full step runs each layer's forward once
// (the backward node takes the forward node's graph), the bits are those
// of every node evaluated alone (also when a hook corrupts an output), an
// entry is taken only for the very tensors the forward read, and a node
// evaluated alone runs its forward afresh.
#include "core/train/forward_tape.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/train/layer_nodes.h"
#include "core/train/step_graph.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

TEST(ForwardTapeTest, TakesAnEntryOnlyForTheSameTensorsAndOnlyOnce) {
  ForwardTape tape;
  torch::Tensor x = torch::ones({2});
  torch::Tensor w = torch::ones({2});
  tape.Keep("fc1", ForwardTape::Entry{x * w, {}, {x, w}});
  EXPECT_FALSE(tape.Take("fc2", {x, w}).has_value());
  // Equal values in another tensor are not the tensors the forward read.
  tape.Keep("fc1", ForwardTape::Entry{x * w, {}, {x, w}});
  EXPECT_FALSE(tape.Take("fc1", {x.clone(), w}).has_value());
  EXPECT_EQ(tape.size(), 0u);  // a refused entry leaves the tape too
  tape.Keep("fc1", ForwardTape::Entry{x * w, {}, {x, w}});
  EXPECT_FALSE(tape.Take("fc1", {w, x}).has_value());  // order matters
  tape.Keep("fc1", ForwardTape::Entry{x * w, {}, {x, w}});
  EXPECT_FALSE(tape.Take("fc1", {x}).has_value());
  tape.Keep("fc1", ForwardTape::Entry{x * w, {}, {x, w}});
  EXPECT_TRUE(tape.Take("fc1", {x, w}).has_value());
  EXPECT_FALSE(tape.Take("fc1", {x, w}).has_value());
}

// Two linear layers and a loss, each layer's forward counting its calls.
struct CountingChain {
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  std::vector<Layer> layers;
  StepGraph graph;
  TensorMap state;
  TensorMap batch;

  CountingChain() {
    for (const char* name : {"fc1", "fc2"}) {
      Layer l = LinearLayer(name, 4, 4, 3);
      auto inner = l.forward;
      auto counter = calls;
      l.forward = [inner, counter](const torch::Tensor& x,
                                   const std::vector<torch::Tensor>& p) {
        ++*counter;
        return inner(x, p);
      };
      layers.push_back(std::move(l));
    }
    auto logits = AddForwardNodes(&graph, layers, "data/x");
    EXPECT_TRUE(logits.ok());
    EXPECT_TRUE(AddCrossEntropyNodes(&graph, *logits, "data/y", 3, 4).ok());
    EXPECT_TRUE(AddBackwardNodes(&graph, layers, "data/x").ok());
    torch::manual_seed(3);
    for (const auto& l : layers) {
      state.emplace(l.ParamValue(0), torch::randn({4, 4}));
      state.emplace(l.ParamValue(1), torch::randn({4}));
    }
    state.emplace("meta/step", torch::zeros({}, torch::kInt64));
    batch.emplace("data/x", torch::randn({3, 4}));
    batch.emplace("data/y", torch::tensor({0, 2, 1}, torch::kInt64));
  }
};

TEST(ForwardTapeTest, AFullStepRunsEachForwardOnceWithTheBitsOfNodesAlone) {
  testing_util::UseTestProfile();
  CountingChain c;
  std::vector<NodeRecord> record;
  ASSERT_TRUE(RunStepGraph(c.graph, c.state, c.batch, &record).ok());
  // Without the tape each backward node would run its forward again: 4.
  EXPECT_EQ(*c.calls, 2);
  for (size_t i = 0; i < c.graph.size(); ++i) {
    auto alone = EvaluateNode(c.graph, i, CloneTensorMap(record[i].inputs));
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    EXPECT_TRUE(BitEqual(*alone, record[i].outputs)) << c.graph.nodes()[i].name;
  }
}

TEST(ForwardTapeTest, ACorruptedOutputLeavesEveryOtherNodeAsItIsAlone) {
  testing_util::UseTestProfile();
  CountingChain c;
  // A corrupting solver's hook replaces fc1's output after its forward:
  // fc2's forward reads the replacement and keeps its graph on it, so every
  // node but the corrupted one still has the bits it has alone.
  std::vector<NodeRecord> record;
  const NodeHook corrupt_fc1 = [](size_t, const Node& node, TensorMap& out) {
    if (node.name == "fc1.forward") out["act/fc1"] = out["act/fc1"] * 2.0;
  };
  ASSERT_TRUE(RunStepGraph(c.graph, c.state, c.batch, &record, corrupt_fc1).ok());
  EXPECT_EQ(*c.calls, 2);
  for (size_t i = 0; i < c.graph.size(); ++i) {
    if (c.graph.nodes()[i].name == "fc1.forward") continue;  // the corrupted one
    auto alone = EvaluateNode(c.graph, i, CloneTensorMap(record[i].inputs));
    ASSERT_TRUE(alone.ok());
    EXPECT_TRUE(BitEqual(*alone, record[i].outputs)) << c.graph.nodes()[i].name;
  }
  // Evaluated alone, a backward node has no tape and runs its forward.
  const int before = *c.calls;
  auto fc2_backward = c.graph.Find("fc2.backward");
  ASSERT_TRUE(fc2_backward.ok());
  ASSERT_TRUE(EvaluateNode(c.graph, *fc2_backward, record[*fc2_backward].inputs).ok());
  EXPECT_EQ(*c.calls, before + 1);
}

}  // namespace
}  // namespace veritrain
