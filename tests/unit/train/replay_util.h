// The step-graph property every job must have, as a test helper: each node
// evaluated alone from its recorded inputs gives the bits it had inside the
// full step, and the step is a pure function of its state.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/train/job.h"
#include "core/train/step_graph.h"

namespace veritrain {
namespace testing_util {

// Trains `warmup` steps from InitialState(init_seed), records one step and
// replays every node alone from a deep copy of its recorded inputs.
inline void ExpectNodesReplayBitExactly(const TrainingJob& job, int warmup,
                                        uint64_t init_seed = 11) {
  TensorMap state = job.InitialState(init_seed);
  for (int i = 0; i < warmup; ++i) {
    auto next = TrainStep(job, state);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    state = std::move(next).value();
  }
  std::vector<NodeRecord> record;
  auto next = TrainStep(job, state, &record);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  const auto& nodes = job.graph().nodes();
  ASSERT_EQ(record.size(), nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    SCOPED_TRACE("node " + nodes[i].name);
    EXPECT_EQ(record[i].inputs.size(), nodes[i].inputs.size());
    EXPECT_EQ(record[i].outputs.size(), nodes[i].outputs.size());
    const TensorMap inputs = CloneTensorMap(record[i].inputs);
    auto alone = EvaluateNode(job.graph(), i, inputs);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    EXPECT_TRUE(BitEqual(*alone, record[i].outputs));
    EXPECT_TRUE(BitEqual(inputs, record[i].inputs));  // inputs untouched
  }
  auto again = TrainStep(job, CloneTensorMap(state));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(BitEqual(*again, *next));
}

inline std::vector<std::string> NodeNames(const TrainingJob& job) {
  std::vector<std::string> names;
  for (const auto& n : job.graph().nodes()) names.push_back(n.name);
  return names;
}

}  // namespace testing_util
}  // namespace veritrain
