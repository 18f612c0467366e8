// Tests for Trajectory: states are computed when asked for, from the
// nearest state held, and are the states stepping from the start gives;
// within the memory budget every state is computed once, beyond it no more
// than one computed state is held at once; hashes on demand are the
// states' hashes, computed once each and only when asked; a given hash is
// used as is; positions past the end and a failing step are errors.
#include "core/train/trajectory.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include "core/state/state_hash.h"

namespace veritrain {
namespace {

// A state whose step counter is `step`; 24 bytes of parameters + 8 of step.
TensorMap StateAt(int64_t step) {
  TensorMap m;
  m["param/w"] = torch::full({2, 3}, static_cast<float>(step));
  m["meta/step"] = torch::tensor(step, torch::kInt64);
  return m;
}
constexpr size_t kStateBytes = 2 * 3 * 4 + 8;

// One step: the next state, counted.
Trajectory::StepFn CountingStep(int* calls) {
  return [calls](const TensorMap& s) -> Result<TensorMap> {
    ++*calls;
    return StateAt(s.at("meta/step").item<int64_t>() + 1);
  };
}

TEST(TrajectoryTest, HashesAreTheStatesHashesComputedOnceWhenAsked) {
  int calls = 0;
  Trajectory t(StateAt(0), 4, CountingStep(&calls));
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t.hashes_computed(), 0u);
  EXPECT_EQ(calls, 0);  // nothing computed before it is asked for
  auto h3 = t.Hash(3);
  ASSERT_TRUE(h3.ok()) << h3.status().ToString();
  EXPECT_EQ(*h3, *StateHash(ToState(StateAt(3))));
  EXPECT_EQ(t.hashes_computed(), 1u);
  EXPECT_EQ(*t.Hash(3), *h3);  // cached
  EXPECT_EQ(t.hashes_computed(), 1u);
  EXPECT_NE(*t.Hash(4), *h3);
  EXPECT_EQ(t.hashes_computed(), 2u);
  auto s2 = t.State(2);
  ASSERT_TRUE(s2.ok());
  EXPECT_TRUE(BitEqual(*s2, StateAt(2)));
}

TEST(TrajectoryTest, WithinTheBudgetEveryStateIsComputedOnce) {
  int calls = 0;
  Trajectory t(StateAt(0), 8, CountingStep(&calls), std::nullopt,
               /*keep_bytes=*/100 * kStateBytes);
  for (size_t p : {4u, 2u, 3u, 8u, 7u, 1u}) {
    auto s = t.State(p);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_TRUE(BitEqual(*s, StateAt(static_cast<int64_t>(p)))) << p;
  }
  EXPECT_EQ(calls, 8);
  EXPECT_EQ(t.steps_computed(), 8u);
  EXPECT_EQ(t.states_held(), 8u);
}

// Asks `t` (8 steps, a budget below one state) for states in a
// dissection's order — the end, the middle, then narrowing — checking each
// is the state stepping gives and that at most one state is held at once.
void WalkAsADissection(Trajectory& t) {
  for (size_t p : {8u, 4u, 6u, 5u, 5u, 0u, 2u}) {
    auto s = t.State(p);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_TRUE(BitEqual(*s, StateAt(static_cast<int64_t>(p)))) << p;
    EXPECT_LE(t.states_held(), 1u) << p;
  }
  EXPECT_EQ(t.most_states_held(), 1u);
}

TEST(TrajectoryTest, BeyondTheBudgetOneComputedStateIsHeldAtATime) {
  // A budget below one state: the start and one computed state at most,
  // whatever the order of the questions, and the same states as ever.
  int calls = 0;
  Trajectory t(StateAt(0), 8, CountingStep(&calls), std::nullopt,
               /*keep_bytes=*/kStateBytes / 2);
  WalkAsADissection(t);
  // 8 from the start, 4 from the start again, 6 from 4, 5 from the start
  // (4 was let go for 6), 5 held, 0 the start, 2 from the start.
  EXPECT_EQ(t.steps_computed(), 8u + 4u + 2u + 5u + 2u);
  EXPECT_EQ(static_cast<size_t>(calls), t.steps_computed());
}

// A start that can be loaded again (a mapped checkpoint) is held like a
// computed state: beyond the budget the trajectory holds one state, start
// included, where a start held for good made it two; it is loaded again
// when a walk goes back before the states held, and the states are the
// same as ever.
TEST(TrajectoryTest, BeyondTheBudgetALoadableStartIsNotHeldBesideAComputedState) {
  int calls = 0, loads = 0;
  Trajectory t(
      [&loads]() -> Result<TensorMap> {
        ++loads;
        return StateAt(0);
      },
      8, CountingStep(&calls), std::nullopt, /*keep_bytes=*/kStateBytes / 2);
  EXPECT_EQ(loads, 0);  // nothing loaded before it is needed
  WalkAsADissection(t);
  // As with a start held for good, the walks go from the start for 8, 4
  // and 5, and for 2 from the start that position 0 loaded; 6 from 4.
  EXPECT_EQ(t.steps_computed(), 8u + 4u + 2u + 5u + 2u);
  EXPECT_EQ(loads, 4);  // for 8, 4, 5 and 0
  EXPECT_EQ(t.starts_loaded(), 4u);
}

// Beyond the budget, what the walk would let go after a step goes before
// it: the step is given the only handle to the state it replaces (a step
// graph then frees each tensor as it goes), and a start loaded again is
// loaded with nothing else held.
TEST(TrajectoryTest, BeyondTheBudgetAStepHoldsTheOnlyHandleToItsState) {
  size_t held_at_load = 99;
  std::vector<long> handles;  // per step: holders of the state's tensor
  Trajectory* self = nullptr;
  Trajectory t(
      [&]() -> Result<TensorMap> {
        held_at_load = self->states_held();
        return StateAt(0);
      },
      4,
      [&](TensorMap s) -> Result<TensorMap> {
        handles.push_back(s.at("param/w").use_count());
        return StateAt(s.at("meta/step").item<int64_t>() + 1);
      },
      std::nullopt, /*keep_bytes=*/kStateBytes / 2);
  self = &t;
  ASSERT_TRUE(t.State(4).ok());
  ASSERT_TRUE(t.State(2).ok());  // back before the state held: the start again
  EXPECT_EQ(held_at_load, 0u);
  ASSERT_EQ(handles.size(), 6u);
  for (long h : handles) EXPECT_EQ(h, 1);
  EXPECT_TRUE(BitEqual(*t.State(2), StateAt(2)));
}

TEST(TrajectoryTest, WithinTheBudgetALoadableStartIsLoadedOnce) {
  int calls = 0, loads = 0;
  Trajectory t(
      [&loads]() -> Result<TensorMap> {
        ++loads;
        return StateAt(0);
      },
      4, CountingStep(&calls), std::nullopt, /*keep_bytes=*/100 * kStateBytes);
  for (size_t p : {4u, 0u, 2u, 1u}) ASSERT_TRUE(t.State(p).ok()) << p;
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(calls, 4);
}

TEST(TrajectoryTest, AStartThatCannotBeLoadedIsTheError) {
  Trajectory t([]() -> Result<TensorMap> { return Status::Corruption("ckpt-000002.vtc: bad"); },
               3, [](const TensorMap& s) -> Result<TensorMap> { return s; });
  auto s = t.State(2);
  EXPECT_EQ(s.status().code(), Status::Code::kCorruption);
  EXPECT_NE(s.status().message().find("ckpt-000002"), std::string::npos);
}

TEST(TrajectoryTest, TheStartIsHeldAsGivenNotCopied) {
  TensorMap start = StateAt(0);
  int calls = 0;
  Trajectory t(start, 2, CountingStep(&calls), std::nullopt, /*keep_bytes=*/0);
  ASSERT_TRUE(t.State(2).ok());
  auto s0 = t.State(0);
  ASSERT_TRUE(s0.ok());
  EXPECT_TRUE(s0->at("param/w").is_same(start.at("param/w")));
}

TEST(TrajectoryTest, AGivenHashIsUsedAsIs) {
  int calls = 0;
  const Digest agreed = Sha256Of("the agreed checkpoint's hash");
  Trajectory t(StateAt(0), 3, CountingStep(&calls), agreed);
  EXPECT_EQ(*t.Hash(0), agreed);
  const Digest end = Sha256Of("the end's hash, known");
  t.SetHash(3, end);
  EXPECT_EQ(*t.Hash(3), end);
  EXPECT_EQ(t.hashes_computed(), 0u);
  EXPECT_EQ(calls, 0);
}

TEST(TrajectoryTest, PositionPastTheEndIsAnError) {
  Trajectory empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.Hash(0).status().code(), Status::Code::kInvalidArgument);
  int calls = 0;
  Trajectory t(StateAt(0), 0, CountingStep(&calls));
  EXPECT_EQ(t.size(), 1u);
  auto h = t.Hash(1);
  EXPECT_EQ(h.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(h.status().message().find("position 1"), std::string::npos)
      << h.status().ToString();
}

TEST(TrajectoryTest, AFailingStepIsTheError) {
  Trajectory t(StateAt(0), 3, [](const TensorMap&) -> Result<TensorMap> {
    return Status::Internal("node 'fc1.forward': out of memory");
  });
  auto s = t.State(2);
  EXPECT_EQ(s.status().code(), Status::Code::kInternal);
  EXPECT_NE(s.status().message().find("fc1.forward"), std::string::npos);
  EXPECT_EQ(t.states_held(), 0u);
}

TEST(TrajectoryTest, AnInvalidStateIsAnErrorNamingTheTensor) {
  TensorMap bad = StateAt(0);
  bad["param/c"] = torch::ones({2}, torch::kComplexFloat);
  Trajectory t(bad, 0, nullptr);
  auto h = t.Hash(0);
  EXPECT_EQ(h.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(h.status().message().find("param/c"), std::string::npos)
      << h.status().ToString();
}

}  // namespace
}  // namespace veritrain
