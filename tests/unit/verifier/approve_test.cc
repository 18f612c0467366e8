// The approving behaviours: lazy-approve never runs the honest check;
// colluding skips it only for its partner; both reject bad parameters.
#include <gtest/gtest.h>

#include "verifier/behaviour.h"

namespace veritrain {
namespace {

struct CountingCheck {
  int calls = 0;
  std::function<Result<Verdict>()> fn() {
    return [this]() -> Result<Verdict> {
      ++calls;
      Verdict v;
      v.accept = false;
      v.disputed_interval = 1;
      v.steps_reexecuted = 20;
      return v;
    };
  }
};

TEST(ApprovingVerifiers, LazyApproveNeverChecks) {
  auto b = MakeVerifierBehaviour("lazy-approve", nlohmann::json::object());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  CountingCheck check;
  auto v = (*b)->Decide("solver-1", check.fn(), VerifierTools{});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(check.calls, 0);
  EXPECT_TRUE(v->accept);
  EXPECT_EQ(v->steps_reexecuted, 0);
  EXPECT_TRUE(v->intervals.empty());
  EXPECT_NE(v->reason.find("lazy-approve"), std::string::npos);
}

TEST(ApprovingVerifiers, ColludingApprovesOnlyItsPartnerUnchecked) {
  auto b = MakeVerifierBehaviour("colluding", {{"solver", "partner"}});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  CountingCheck check;
  auto mine = (*b)->Decide("partner", check.fn(), VerifierTools{});
  ASSERT_TRUE(mine.ok());
  EXPECT_TRUE(mine->accept);
  EXPECT_EQ(check.calls, 0);
  auto other = (*b)->Decide("stranger", check.fn(), VerifierTools{});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(check.calls, 1);
  EXPECT_FALSE(other->accept);  // the honest check's verdict
}

TEST(ApprovingVerifiers, RejectBadParams) {
  EXPECT_FALSE(MakeVerifierBehaviour("lazy-approve", {{"rate", 1}}).ok());
  EXPECT_FALSE(
      MakeVerifierBehaviour("colluding", nlohmann::json::object()).ok());
  EXPECT_FALSE(MakeVerifierBehaviour("colluding", {{"solver", 3}}).ok());
  auto unknown =
      MakeVerifierBehaviour("colluding", {{"solver", "s"}, {"with", "x"}});
  ASSERT_FALSE(unknown.ok());
  // Named with the parameters it takes, as every behaviour's are.
  EXPECT_EQ(unknown.status().message(), "colluding.with: unknown parameter (known: solver)");
}

// Every verifier behaviour refuses a parameter it does not know (a typo
// would otherwise run the behaviour with its default).
TEST(VerifierBehaviours, RefuseUnknownOrMistypedParams) {
  for (const auto& [name, params] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"honest", {{"interval", 1}}},
           {"false-challenge", {{"intervall", 1}}},
           {"false-challenge", {{"seed", "one"}}},
           {"false-challenge", {{"interval", -2}}},
           {"stall", {{"after", 2}}}}) {
    auto b = MakeVerifierBehaviour(name, params);
    EXPECT_FALSE(b.ok()) << name << " " << params.dump();
  }
  EXPECT_TRUE(MakeVerifierBehaviour("false-challenge", {{"interval", 1}, {"seed", 9}}).ok());
  EXPECT_TRUE(MakeVerifierBehaviour("honest", nlohmann::json()).ok());
}

}  // namespace
}  // namespace veritrain
