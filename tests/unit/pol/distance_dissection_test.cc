// The tolerance-mode challenger's choice of sub-range (core/pol/
// distance_dissection.h), with a smart fake: a one-parameter "training"
// where each honest step adds 1, a solver trajectory that can be told to
// jump at step s, and honest noise below δ. Played with the real
// Dissection, the choice always converges on the corrupted step.
#include "core/pol/distance_dissection.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <random>

#include "core/pol/departure_rank.h"
#include "core/protocol/dissection.h"

namespace veritrain {
namespace {

TensorMap FakeState(double w, int64_t step) {
  return {{"param/w", torch::tensor({w}, torch::kFloat64)},
          {"meta/step", torch::tensor(step, torch::kInt64)}};
}

double W(const TensorMap& s) { return s.at("param/w").item<double>(); }

// The solver's trajectory: honest steps add 1 plus a little noise; at
// `jump` (if >= 0) the step adds 1 + `size` instead.
std::vector<double> Trajectory(int64_t length, int64_t jump, double size, double noise,
                               uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-noise, noise);
  std::vector<double> w = {0};
  for (int64_t p = 0; p < length; ++p) w.push_back(w.back() + 1 + u(rng) + (p == jump ? size : 0));
  return w;
}

VerificationPolicy Policy(double delta) {
  VerificationPolicy p;
  p.metrics = {"l2"};
  p.delta = {{"l2", delta}};
  return p;
}

struct Fake {
  std::vector<double> solver;
  int64_t fetched = 0;
  SolverStateFn state = [this](int64_t p) -> Result<TensorMap> {
    ++fetched;
    return FakeState(solver.at(static_cast<size_t>(p)), p);
  };
  ReexecuteFn reexecute = [](const TensorMap& start, int64_t steps) -> Result<TensorMap> {
    return FakeState(W(start) + static_cast<double>(steps), 0);
  };
};

TEST(DistanceDissection, NamesTheSubRangeOutsideDelta) {
  Fake f;
  f.solver = Trajectory(8, /*jump=*/5, /*size=*/0.5, 0, 1);
  auto c = ChooseByDistance({0, 2, 4, 6, 8}, 8, {0, 1, 2, 3}, f.state, f.reexecute, Policy(0.1));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->index, 2);
  EXPECT_TRUE(c->outside);
  EXPECT_FALSE(c->largest_within);
  ASSERT_EQ(c->checked.size(), 4u);  // every sub-range is checked
  EXPECT_TRUE(c->checked[0].judgement.within);
  EXPECT_TRUE(c->checked[1].judgement.within);
  EXPECT_NEAR(c->checked[2].judgement.distances["l2"].get<double>(), 0.5, 1e-12);
  EXPECT_TRUE(c->checked[3].judgement.within);
  EXPECT_EQ(c->steps_reexecuted, 8);
  EXPECT_EQ(c->ToJson()["sub_ranges"].size(), 4u);
}

// A departure that leaves the solver's state beyond the challenger's
// precision: the sub-ranges from there on are not judged (here they would
// land far further outside δ than the departure itself), and the one that
// holds the departure is named. Only when nothing else is outside is a
// sub-range with such a start named (the first).
TEST(DistanceDissection, ASubRangeStartingBeyondThePrecisionIsNotNamedOverTheDeparture) {
  Fake f;
  f.solver = Trajectory(8, /*jump=*/2, /*size=*/0.5, 0, 1);
  // From position 3 on, the solver's states are "beyond" the precision,
  // and re-executing from them lands 1000 away.
  BeyondPrecisionFn beyond = [](const TensorMap& s) -> std::optional<std::string> {
    if (s.at("meta/step").item<int64_t>() >= 3) return std::string("opt/v holds 1e+40");
    return std::nullopt;
  };
  ReexecuteFn wild = [](const TensorMap& start, int64_t steps) -> Result<TensorMap> {
    const bool beyond_start = start.at("meta/step").item<int64_t>() >= 3;
    return FakeState(W(start) + static_cast<double>(steps) + (beyond_start ? 1000 : 0), 0);
  };
  const std::vector<int64_t> bounds = {0, 2, 4, 6, 8};
  auto without = ChooseByDistance(bounds, 8, {0, 1, 2, 3}, f.state, wild, Policy(0.1));
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->index, 2);  // judged, the first far one wins: the wrong step
  auto c = ChooseByDistance(bounds, 8, {0, 1, 2, 3}, f.state, wild, Policy(0.1), beyond);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->index, 1);  // steps 2 to 4: the departure at step 2
  EXPECT_TRUE(c->outside);
  EXPECT_TRUE(c->checked[2].beyond_precision);
  EXPECT_TRUE(c->checked[3].beyond_precision);
  EXPECT_EQ(c->ToJson()["sub_ranges"][2]["beyond_precision"], true);
  EXPECT_EQ(c->steps_reexecuted, 4);  // sub-ranges 2 and 3 are not re-executed
  // Later in the game, every legal sub-range starts at 4 or after and the
  // range is disputed: the first is named.
  auto later = ChooseByDistance({4, 6, 8}, 8, {0, 1}, f.state, wild, Policy(0.1), beyond);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->index, 0);
  EXPECT_TRUE(later->outside);
}

// Every sub-range within δ (a departure below δ at one step that grew past
// δ over the interval): the largest distance / δ is named, the last one
// included in the comparison, whatever its position.
TEST(DistanceDissection, WithNoneOutsideTheLargestDepartureIsNamed) {
  for (int64_t jump : {0, 3, 5, 7}) {
    Fake f;
    f.solver = Trajectory(8, jump, /*size=*/0.05, 0, 1);
    auto c = ChooseByDistance({0, 2, 4, 6, 8}, 8, {0, 1, 2, 3}, f.state, f.reexecute,
                              Policy(0.1));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->index, jump / 2) << "jump " << jump;
    EXPECT_FALSE(c->outside);
    EXPECT_TRUE(c->largest_within);
    ASSERT_EQ(c->checked.size(), 4u);
    EXPECT_EQ(c->steps_reexecuted, 8);
    EXPECT_TRUE(c->ToJson()["largest_within"].get<bool>());
  }
  // All equal (an honest solver challenged by mistake): the last of them.
  Fake honest;
  honest.solver = Trajectory(8, -1, 0, 0, 1);
  auto c = ChooseByDistance({0, 4, 8}, 8, {0, 1}, honest.state, honest.reexecute, Policy(0.1));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->index, 1);
  EXPECT_TRUE(c->largest_within);
  // A single legal sub-range is checked and named.
  Fake f;
  f.solver = Trajectory(8, /*jump=*/5, /*size=*/0.5, 0, 1);
  auto one = ChooseByDistance({4, 8, 12}, 8, {0}, f.state, f.reexecute, Policy(0.1));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->index, 0);
  EXPECT_TRUE(one->outside);
  EXPECT_FALSE(one->largest_within);
  EXPECT_EQ(one->steps_reexecuted, 4);
}

// Honest rounding just past δ early in the range, a cheat further on: the
// cheat is named (the first outside would be the honest sub-range, whose
// game ends on an honest step), wherever the two are.
TEST(DistanceDissection, NamesTheSubRangeFurthestOutsideNotTheFirst) {
  for (int64_t noise_at : {0, 2, 5}) {
    for (int64_t cheat_at : {1, 3, 6, 7}) {
      if (noise_at / 2 == cheat_at / 2) continue;
      Fake f;
      f.solver = {0};
      for (int64_t p = 0; p < 8; ++p) {
        f.solver.push_back(f.solver.back() + 1 + (p == noise_at ? 0.12 : 0) +
                           (p == cheat_at ? 5.0 : 0));
      }
      auto c = ChooseByDistance({0, 2, 4, 6, 8}, 8, {0, 1, 2, 3}, f.state, f.reexecute,
                                Policy(0.1));
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      EXPECT_EQ(c->index, cheat_at / 2) << "noise at " << noise_at << ", cheat at " << cheat_at;
      EXPECT_TRUE(c->outside);
      EXPECT_EQ(c->checked.size(), 4u);
      EXPECT_EQ(c->steps_reexecuted, 8);
    }
  }
}

// A corruption that inflates the state, in training that explodes from
// there (each step squares a value past 100, as SGD did from weights of
// 1e6): the challenger's rounding, relative to the values (1e-3 a step),
// puts the honest sub-ranges after it 1e21 and more from the solver's
// states, the corruption's own 1e6. Ranked against the size of the
// solver's state, the corruption is named (by distance / δ alone, the last
// sub-range was: an honest one).
TEST(DistanceDissection, ACorruptionThatInflatesTheStateIsNamedOverTheHonestStepsAfterIt) {
  auto step = [](double w) { return std::abs(w) < 100 ? w + 1 : w * w; };
  Fake f;
  f.solver = {0};
  for (int64_t p = 0; p < 6; ++p) f.solver.push_back(step(f.solver.back()) + (p == 1 ? 1e6 : 0));
  ReexecuteFn rounding = [&step](const TensorMap& start, int64_t steps) -> Result<TensorMap> {
    double w = W(start);
    for (int64_t s = 0; s < steps; ++s) w = step(w) * (1 + 1e-3);
    return FakeState(w, 0);
  };
  auto c = ChooseByDistance({0, 2, 4, 6}, 6, {0, 1, 2}, f.state, rounding, Policy(0.1));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->checked.size(), 3u);
  for (const auto& r : c->checked) EXPECT_FALSE(r.judgement.within) << r.index;
  // The honest sub-ranges land further outside δ than the corruption...
  EXPECT_GT(c->checked[1].judgement.worst_ratio, c->checked[0].judgement.worst_ratio);
  EXPECT_GT(c->checked[2].judgement.worst_ratio, c->checked[0].judgement.worst_ratio);
  // ...and rank below it.
  EXPECT_EQ(c->index, 0);
  EXPECT_TRUE(c->outside);
  EXPECT_GT(c->checked[0].rank, c->checked[1].rank);
  EXPECT_GT(c->checked[0].rank, c->checked[2].rank);
  EXPECT_TRUE(c->ToJson()["sub_ranges"][1].contains("rank"));
}

// From a state a corruption saturated, honest steps land about as far off
// relative to their size as the corruption did, and further in absolute
// terms (the sizes alike, as under layer norm): ranks cannot tell them
// apart. The first sub-range a clear departure (kClearDeparture × δ) out
// is named, wherever the corruption is; below that, ranks decide.
TEST(DistanceDissection, TheFirstClearDepartureIsNamedBeforeAnyRank) {
  for (int64_t cheat_at : {0, 3, 5}) {
    Fake f;
    f.solver = {0};
    for (int64_t p = 0; p < 8; ++p) {
      f.solver.push_back(f.solver.back() + 1 + (p == cheat_at ? 500.0 : 0));
    }
    // Honest re-execution lands 5000 off from every state after the
    // corruption, 10 times further than the corruption itself.
    ReexecuteFn saturated = [cheat_at](const TensorMap& start,
                                           int64_t steps) -> Result<TensorMap> {
      const bool after = start.at("meta/step").item<int64_t>() > cheat_at;
      return FakeState(W(start) + static_cast<double>(steps) + (after ? 5000 : 0), 0);
    };
    auto c = ChooseByDistance({0, 2, 4, 6, 8}, 8, {0, 1, 2, 3}, f.state, saturated, Policy(0.1));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->index, cheat_at / 2) << "cheat at " << cheat_at;
    EXPECT_GE(c->checked[static_cast<size_t>(cheat_at / 2)].judgement.worst_ratio,
              kClearDeparture);
  }
}

// A solver's end beyond the challenger's precision (re-executed there, the
// interval overflows, honest or not) ranks after every other sub-range
// outside δ, however far off it lands.
TEST(DistanceDissection, AnEndBeyondThePrecisionRanksLast) {
  Fake f;
  f.solver = Trajectory(8, /*jump=*/1, /*size=*/0.5, 0, 1);
  BeyondPrecisionFn beyond = [](const TensorMap& s) -> std::optional<std::string> {
    if (s.at("meta/step").item<int64_t>() >= 6) return std::string("param/w holds 1e+40");
    return std::nullopt;
  };
  ReexecuteFn overflowing = [](const TensorMap& start, int64_t steps) -> Result<TensorMap> {
    const bool last = start.at("meta/step").item<int64_t>() >= 4;
    return FakeState(W(start) + static_cast<double>(steps) + (last ? 1000 : 0), 0);
  };
  const std::vector<int64_t> bounds = {0, 2, 4, 6, 8};
  auto judged = ChooseByDistance(bounds, 8, {0, 1, 2, 3}, f.state, overflowing, Policy(0.1));
  ASSERT_TRUE(judged.ok());
  EXPECT_EQ(judged->index, 2);  // without the precision: the overflow wins
  auto c = ChooseByDistance(bounds, 8, {0, 1, 2, 3}, f.state, overflowing, Policy(0.1), beyond);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->index, 0);  // the departure at step 1
  EXPECT_TRUE(c->checked[2].end_beyond_precision);
  EXPECT_EQ(c->checked[2].rank, 0);
  EXPECT_EQ(c->ToJson()["sub_ranges"][2]["end_beyond_precision"], true);
}

TEST(DistanceDissection, UsesTheThresholdOfTheSubRangesLength) {
  // 0.15 off after 4 steps: inside δ(4) = 0.2, outside δ(1) = δ(2) = 0.1.
  Fake f;
  f.solver = Trajectory(8, /*jump=*/2, 0.15, 0, 1);
  VerificationPolicy p = Policy(0.1);
  p.delta_by_steps = {{1, {{"l2", 0.1}}}, {2, {{"l2", 0.1}}}, {4, {{"l2", 0.2}}}};
  auto wide = ChooseByDistance({0, 4, 8}, 8, {0, 1}, f.state, f.reexecute, p);
  ASSERT_TRUE(wide.ok());
  EXPECT_TRUE(wide->checked[0].judgement.within);
  EXPECT_FALSE(wide->outside);
  auto narrow = ChooseByDistance({2, 3, 4}, 8, {0, 1}, f.state, f.reexecute, p);
  ASSERT_TRUE(narrow.ok());
  EXPECT_FALSE(narrow->checked[0].judgement.within);
  EXPECT_TRUE(narrow->outside);
  EXPECT_EQ(narrow->index, 0);
}

TEST(DistanceDissection, DataTheSolverDoesNotServeCountsAgainstIt) {
  Fake f;
  f.solver = Trajectory(8, -1, 0, 0, 1);
  SolverStateFn withholding = [&](int64_t p) -> Result<TensorMap> {
    if (p == 4) return Status::Unavailable("refused");
    return f.state(p);
  };
  auto c = ChooseByDistance({0, 4, 8}, 8, {0, 1}, withholding, f.reexecute, Policy(0.1));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->index, 0);
  EXPECT_TRUE(c->outside);
  EXPECT_NE(c->checked[0].problem.find("refused"), std::string::npos);
  EXPECT_NE(c->ToJson()["sub_ranges"][0]["problem"].get<std::string>().find("step 4"),
            std::string::npos);

  // A state the challenger cannot train from (not a state of the job).
  ReexecuteFn refuses = [](const TensorMap&, int64_t) -> Result<TensorMap> {
    return Status::InvalidArgument("not a state of the task's job");
  };
  auto bad = ChooseByDistance({0, 4, 8}, 8, {1}, f.state, refuses, Policy(0.1));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->index, 1);
  EXPECT_TRUE(bad->outside);
}

TEST(DistanceDissection, PositionsPastTheEndStandForTheEnd) {
  // L = 5 padded to 8: sub-range 1 is [4, 8), clipped to [4, 5).
  Fake f;
  f.solver = Trajectory(5, /*jump=*/4, 0.5, 0, 1);
  auto c = ChooseByDistance({0, 4, 8}, 5, {1}, f.state, f.reexecute, Policy(0.1));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->index, 1);
  ASSERT_EQ(c->checked.size(), 1u);
  EXPECT_EQ(c->checked[0].to, 5);
  EXPECT_TRUE(c->outside);
  EXPECT_EQ(c->steps_reexecuted, 1);
}

TEST(DistanceDissection, RefusesIllegalInput) {
  Fake f;
  f.solver = Trajectory(5, -1, 0, 0, 1);
  EXPECT_FALSE(ChooseByDistance({0, 4, 8}, 5, {}, f.state, f.reexecute, Policy(0.1)).ok());
  EXPECT_FALSE(ChooseByDistance({0, 4, 8}, 3, {1}, f.state, f.reexecute, Policy(0.1)).ok());
  EXPECT_FALSE(ChooseByDistance({0, 4, 8}, 5, {2}, f.state, f.reexecute, Policy(0.1)).ok());
}

// Whatever the length, arity, corrupted step and honest noise, playing
// every round with ChooseByDistance ends on the corrupted step, whether
// the departure is outside δ at any length (10 δ) or below δ at every
// length (half of δ, the case of a δ set by hand for a whole interval
// that the departure exceeds only by growing over the steps after it) —
// and errors never accumulate, since each round starts from the solver's
// own state.
TEST(DistanceDissection, ConvergesOnTheCorruptedStep) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const int64_t length = 1 + static_cast<int64_t>(rng() % 70);
    const int64_t arity = 2 + static_cast<int64_t>(rng() % 5);
    const int64_t jump = static_cast<int64_t>(rng() % static_cast<uint64_t>(length));
    const bool below_delta = trial % 2 == 1;
    // Noise per step below δ / 10 / length: even summed over a whole
    // interval it stays below a tenth of δ, under either departure.
    Fake f;
    f.solver = Trajectory(length, jump, below_delta ? 0.05 : 1.0,
                          0.01 / static_cast<double>(length + 1), rng());
    Dissection d(length, arity);
    while (!d.done()) {
      std::vector<int64_t> legal;
      const auto b = d.Boundaries();
      for (int64_t i = 0; i < arity; ++i) {
        if (b[i] < length) legal.push_back(i);
      }
      auto c = ChooseByDistance(b, length, legal, f.state, f.reexecute, Policy(0.1));
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      ASSERT_TRUE(c->outside || c->largest_within || legal.size() == 1)
          << "length " << length << " arity " << arity << " jump " << jump;
      ASSERT_TRUE(d.Choose(c->index).ok());
    }
    EXPECT_EQ(d.lo(), jump) << "length " << length << " arity " << arity
                            << (below_delta ? " (below δ)" : "");
  }
}

}  // namespace
}  // namespace veritrain
