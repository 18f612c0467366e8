// The withhold behaviour: its parameters (unknown keys and values refused
// by name) and how it serves each checkpoint to verifiers and the arbiter.
#include "solver/behaviours/withhold.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

std::unique_ptr<SolverBehaviour> Make(const nlohmann::json& params) {
  auto b = MakeSolverBehaviour("withhold", params);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(b).value() : nullptr;
}

TEST(WithholdSolver, RefusesBadParametersByName) {
  auto typo = MakeSolverBehaviour("withhold", {{"hwo", "refuse"}});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("withhold.hwo"), std::string::npos);
  auto how = MakeSolverBehaviour("withhold", {{"how", "hide"}});
  ASSERT_FALSE(how.ok());
  EXPECT_NE(how.status().message().find("withhold.how"), std::string::npos);
  // Checkpoint 0 is the task's initial state: withholding starts at 1.
  EXPECT_FALSE(MakeSolverBehaviour("withhold", {{"from_index", 0}}).ok());
}

TEST(WithholdSolver, ServesEachCheckpointAsItsWaySays) {
  using S = CheckpointServing;
  struct Case {
    const char* how;
    S to_verifier, to_arbiter;
  };
  for (const Case& c : {Case{"refuse", S::kRefuse, S::kRefuse},
                        Case{"bad-proof", S::kBadProof, S::kBadProof},
                        Case{"unreachable", S::kSilent, S::kSilent},
                        Case{"wrong-step", S::kServe, S::kServe},
                        Case{"verifiers", S::kRefuse, S::kServe}}) {
    auto b = Make({{"how", c.how}, {"from_index", 2}});
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->ServesCheckpoint(1, false), S::kServe) << c.how;  // before from_index
    EXPECT_EQ(b->ServesCheckpoint(2, false), c.to_verifier) << c.how;
    EXPECT_EQ(b->ServesCheckpoint(7, true), c.to_arbiter) << c.how;
  }
  EXPECT_EQ(SolverBehaviours().count("withhold"), 1u);
}

}  // namespace
}  // namespace veritrain
