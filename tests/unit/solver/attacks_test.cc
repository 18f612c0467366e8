// Tests for the solver attacks (solver/behaviours/): each one driven the
// way the Solver drives it (StartTask, Commit(0), then Step and Commit at
// every k), checked against honest training of the same task.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "solver/behaviour.h"
#include "solver/behaviours/attack_util.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kSteps = 40;
constexpr int64_t kInterval = 10;

JobConfig Config(uint64_t data_seed = 5) {
  auto c = JobConfig::FromJson(
      {{"name", "synthetic"},
       {"steps", kSteps},
       {"batch_size", 16},
       {"init_seed", 3},
       {"data_seed", data_seed},
       {"hidden", {8}},
       {"optimizer", {{"name", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}}}});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

struct Driven {
  std::vector<TensorMap> checkpoints;
  std::vector<nlohmann::json> claims;
  std::unique_ptr<SolverBehaviour> behaviour;
};

// What Solver::Train does with a behaviour, without the protocol around it.
Driven Drive(const std::string& name, const nlohmann::json& params,
             const TrainingJob& job) {
  Driven r;
  auto b = MakeSolverBehaviour(name, params);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  r.behaviour = std::move(b).value();
  TaskContext task{"task-0001", job.config(), kSteps, kInterval, 99};
  Status started = r.behaviour->StartTask(job, task);
  EXPECT_TRUE(started.ok()) << started.ToString();
  const nlohmann::json optimizer = job.config().Optimizer()->ToJson();
  auto state =
      r.behaviour->Commit(job, 0, job.InitialState(job.config().init_seed));
  EXPECT_TRUE(state.ok());
  r.checkpoints.push_back(*state);
  r.claims.push_back(r.behaviour->ClaimedOptimizer(0, optimizer));
  for (int64_t s = 0; s < kSteps; ++s) {
    auto next = r.behaviour->Step(job, *state);
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    state = std::move(next);
    if ((s + 1) % kInterval == 0) {
      const int64_t index = (s + 1) / kInterval;
      state = r.behaviour->Commit(job, index, std::move(state).value());
      EXPECT_TRUE(state.ok());
      r.checkpoints.push_back(*state);
      r.claims.push_back(r.behaviour->ClaimedOptimizer(index, optimizer));
    }
  }
  return r;
}

class AttacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ApplyHardwareProfile(HardwareProfile()).ok());
    auto job = MakeJob(Config());
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    job_ = std::move(job).value();
    auto trace = HonestTrace(*job_, job_->InitialState(3), kSteps, kInterval);
    ASSERT_TRUE(trace.ok());
    honest_ = *trace;
  }
  int64_t StepOfCheckpoint(const Driven& r, size_t i) {
    return *StepOf(r.checkpoints[i]);
  }

  std::unique_ptr<TrainingJob> job_;
  std::vector<TensorMap> honest_;
};

TEST_F(AttacksTest, RegistryHasEveryAttack) {
  for (const char* name : {"honest", "lazy", "random-weights", "replay",
                           "interpolate", "infinitesimal", "blindfold-topq",
                           "data-substitution", "precision-downgrade"}) {
    EXPECT_EQ(SolverBehaviours().count(name), 1u) << name;
  }
}

TEST_F(AttacksTest, HonestIsTheHonestTrace) {
  Driven r = Drive("honest", nlohmann::json::object(), *job_);
  ASSERT_EQ(r.checkpoints.size(), honest_.size());
  for (size_t i = 0; i < honest_.size(); ++i)
    EXPECT_TRUE(BitEqual(r.checkpoints[i], honest_[i]));
  EXPECT_EQ(r.behaviour->steps_computed(), kSteps);
  EXPECT_EQ(r.claims.back(), job_->config().Optimizer()->ToJson());
}

TEST_F(AttacksTest, LazySkipsAndSaysHowMuch) {
  Driven r = Drive("lazy", {{"fraction", 0.5}}, *job_);
  const nlohmann::json report = r.behaviour->Report();
  EXPECT_EQ(report["steps_computed"].get<int64_t>() +
                report["steps_skipped"].get<int64_t>(),
            kSteps);
  EXPECT_GT(report["steps_skipped"].get<int64_t>(), 8);  // about 20 of 40
  EXPECT_LT(report["steps_skipped"].get<int64_t>(), 32);
  for (size_t i = 0; i < r.checkpoints.size(); ++i) {
    EXPECT_EQ(StepOfCheckpoint(r, i), static_cast<int64_t>(i) * kInterval);
  }
  EXPECT_FALSE(BitEqual(r.checkpoints.back(), honest_.back()));

  // "tail": the first 20 steps honest, then nothing moves.
  Driven tail = Drive("lazy", {{"fraction", 0.5}, {"pattern", "tail"}}, *job_);
  EXPECT_EQ(tail.behaviour->steps_computed(), 20);
  EXPECT_TRUE(BitEqual(tail.checkpoints[2], honest_[2]));
  EXPECT_EQ(ParamUpdateNorm(tail.checkpoints[2], tail.checkpoints[4]), 0.0);
}

// An attack too small to change a bit commits the honest training and says
// so, so that the run does not count it as a missed attack; the same attack
// at a size that changes the trace says it does not.
TEST_F(AttacksTest, AnAttackThatChangesNothingSaysItTrainsHonestly) {
  Driven tiny = Drive("corrupt-node", {{"step", 5}, {"node", "fc1.backward"}, {"magnitude", 1e-30}},
                      *job_);
  EXPECT_TRUE(BitEqual(tiny.checkpoints.back(), honest_.back()));
  EXPECT_TRUE(tiny.behaviour->TrainsHonestly());
  Driven real = Drive("corrupt-node", {{"step", 5}, {"node", "fc1.backward"}, {"magnitude", 0.01}},
                      *job_);
  EXPECT_FALSE(BitEqual(real.checkpoints.back(), honest_.back()));
  EXPECT_FALSE(real.behaviour->TrainsHonestly());
  // A corruption that changes its node's outputs but not the state (the
  // loss value feeds no gradient): the trace is the honest one, and was
  // counted as a missed, escaped attack.
  Driven unseen = Drive("corrupt-node", {{"step", 5}, {"node", "loss.forward"}, {"magnitude", 1.0}},
                        *job_);
  EXPECT_TRUE(BitEqual(unseen.checkpoints.back(), honest_.back()));
  EXPECT_TRUE(unseen.behaviour->TrainsHonestly());
  // Another task starts afresh.
  TaskContext task{"task-0002", job_->config(), kSteps, kInterval, 99};
  ASSERT_TRUE(real.behaviour->StartTask(*job_, task).ok());
  EXPECT_TRUE(real.behaviour->TrainsHonestly());

  Driven lazy_none = Drive("lazy", {{"fraction", 1e-300}}, *job_);
  EXPECT_EQ(lazy_none.behaviour->Report()["steps_skipped"].get<int64_t>(), 0);
  EXPECT_TRUE(BitEqual(lazy_none.checkpoints.back(), honest_.back()));
  EXPECT_TRUE(lazy_none.behaviour->TrainsHonestly());
  Driven lazy = Drive("lazy", {{"fraction", 0.5}}, *job_);
  EXPECT_FALSE(lazy.behaviour->TrainsHonestly());
}

TEST_F(AttacksTest, RandomWeightsComputeNothing) {
  Driven r = Drive("random-weights", nlohmann::json::object(), *job_);
  EXPECT_EQ(r.behaviour->steps_computed(), 0);
  EXPECT_TRUE(
      BitEqual(r.checkpoints[0], honest_[0]));  // the task's initial state
  for (size_t i = 1; i < r.checkpoints.size(); ++i) {
    EXPECT_EQ(StepOfCheckpoint(r, i), static_cast<int64_t>(i) * kInterval);
    EXPECT_GT(ParamUpdateNorm(r.checkpoints[i - 1], r.checkpoints[i]), 0.5);
  }
}

TEST_F(AttacksTest, ReplayIsAnotherTasksTrace) {
  Driven r = Drive("replay", nlohmann::json::object(), *job_);
  EXPECT_EQ(r.behaviour->steps_computed(), 0);
  const uint64_t other =
      r.behaviour->Report()["source_data_seed"].get<uint64_t>();
  EXPECT_NE(other, 5u);
  auto other_job = MakeJob(Config(other));
  ASSERT_TRUE(other_job.ok());
  auto expected = HonestTrace(**other_job, (*other_job)->InitialState(3),
                              kSteps, kInterval);
  ASSERT_TRUE(expected.ok());
  for (size_t i = 0; i < r.checkpoints.size(); ++i) {
    EXPECT_TRUE(BitEqual(r.checkpoints[i], (*expected)[i])) << i;
  }
  EXPECT_FALSE(BitEqual(r.checkpoints[1], honest_[1]));
  EXPECT_FALSE(r.behaviour->TrainsHonestly());
  // Replaying the task's own data order is honest training, bit for bit,
  // and says so (the run would otherwise count an accepted task as an
  // escaped attack).
  Driven same = Drive("replay", {{"source_data_seed", 5}}, *job_);
  EXPECT_TRUE(BitEqual(same.checkpoints.back(), honest_.back()));
  EXPECT_TRUE(same.behaviour->TrainsHonestly());
}

TEST_F(AttacksTest, ReplayOfTheSameBatchesIsHonest) {
  // One training row: every data order draws the same batches, so another
  // seed's trace is the task's own, bit for bit, and must say so.
  // (The synthetic job draws its rows from the data seed; Fashion-MNIST's
  // rows are fixed.)
  auto config = JobConfig::FromJson({{"name", "mlp"},
                                     {"steps", kSteps},
                                     {"batch_size", 1},
                                     {"init_seed", 3},
                                     {"data_seed", 5},
                                     {"hidden", {8}},
                                     {"train_limit", 1},
                                     {"test_limit", 1},
                                     {"optimizer", {{"name", "sgd"}, {"lr", 0.05}}}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto job = MakeJob(*config);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  auto honest = HonestTrace(**job, (*job)->InitialState(3), kSteps, kInterval);
  ASSERT_TRUE(honest.ok());
  Driven r = Drive("replay", {{"source_data_seed", 77}}, **job);
  EXPECT_EQ(r.behaviour->Report()["source_data_seed"], 77);
  EXPECT_TRUE(BitEqual(r.checkpoints.back(), honest->back()));
  EXPECT_TRUE(r.behaviour->TrainsHonestly());
}

TEST_F(AttacksTest, InterpolateAndInfinitesimalWalkALine) {
  Driven line = Drive("interpolate", nlohmann::json::object(), *job_);
  Driven tiny = Drive("infinitesimal", {{"claimed_lr", 1e-9}}, *job_);
  EXPECT_EQ(line.behaviour->steps_computed(), 0);
  const size_t n = line.checkpoints.size() - 1;
  const double total =
      ParamUpdateNorm(line.checkpoints[0], line.checkpoints[n]);
  for (size_t i = 1; i <= n; ++i) {
    // Equal segments on a straight line: each is total / n.
    EXPECT_NEAR(ParamUpdateNorm(line.checkpoints[i - 1], line.checkpoints[i]),
                total / n, 1e-5 * total);
    EXPECT_EQ(StepOfCheckpoint(line, i), static_cast<int64_t>(i) * kInterval);
    EXPECT_TRUE(BitEqual(line.checkpoints[i], tiny.checkpoints[i]));
  }
  EXPECT_NEAR(line.behaviour->Report()["segment_l2"].get<double>(), total / n,
              1e-5 * total);
  EXPECT_EQ(line.claims[1]["lr"], 0.05);
  EXPECT_EQ(tiny.claims[1]["lr"], 1e-9);
  EXPECT_EQ(tiny.claims[1]["name"], "sgd");
}

TEST_F(AttacksTest, BlindfoldTopQTrainsOnlyWhereTopQLooks) {
  Driven r = Drive("blindfold-topq",
                   {{"honest_intervals", 2}, {"fake_scale", 0.01}}, *job_);
  EXPECT_EQ(r.behaviour->steps_computed(), 2 * kInterval);
  EXPECT_TRUE(BitEqual(r.checkpoints[2], honest_[2]));
  const double smallest_honest =
      std::min(ParamUpdateNorm(r.checkpoints[0], r.checkpoints[1]),
               ParamUpdateNorm(r.checkpoints[1], r.checkpoints[2]));
  for (size_t i = 3; i < r.checkpoints.size(); ++i) {
    EXPECT_NEAR(ParamUpdateNorm(r.checkpoints[i - 1], r.checkpoints[i]),
                0.01 * smallest_honest, 1e-4 * smallest_honest);
  }
  EXPECT_EQ(r.claims[1]["lr"], 0.05);   // honest interval 1
  EXPECT_EQ(r.claims[2]["lr"], 1e-12);  // fabricated from checkpoint 2 on

  auto bad = MakeSolverBehaviour("blindfold-topq", {{"honest_intervals", 4}});
  ASSERT_TRUE(bad.ok());
  TaskContext task{"t", job_->config(), kSteps, kInterval, 1};
  Status s = (*bad)->StartTask(*job_, task);
  EXPECT_THAT(s.message(), HasSubstr("blindfold-topq.honest_intervals"));
}

TEST_F(AttacksTest, DataSubstitutionTrainsOnOtherSamples) {
  Driven r = Drive("data-substitution", {{"fraction", 0.25}}, *job_);
  EXPECT_EQ(r.behaviour->steps_computed(), kSteps);
  EXPECT_EQ(r.behaviour->Report()["samples_substituted"],
            kSteps * 4);  // 25% of 16
  EXPECT_EQ(r.behaviour->Report()["substituted_fraction"], 0.25);
  EXPECT_GT(ParamUpdateNorm(r.checkpoints[1], honest_[1]), 1e-4);
}

// A whole number of samples per batch: a fraction below 1/B substitutes
// one sample in B, and the report says so next to the fraction asked.
TEST_F(AttacksTest, DataSubstitutionReportsTheFractionItSubstituted) {
  Driven r = Drive("data-substitution", {{"fraction", 0.001}}, *job_);
  EXPECT_EQ(r.behaviour->Report()["fraction"], 0.001);
  EXPECT_EQ(r.behaviour->Report()["samples_substituted"], kSteps);  // 1 of 16 each
  EXPECT_EQ(r.behaviour->Report()["substituted_fraction"], 1.0 / 16);
}

// With one training sample there is no other sample to substitute: every
// "substitute" is the sample itself, the trace is the honest training, and
// the behaviour says so (a run must not count it as a missed attack).
TEST_F(AttacksTest, DataSubstitutionWithNothingElseToTrainOnTrainsHonestly) {
  JobConfig one = Config();
  one.params["train_size"] = 1;
  auto job = MakeJob(one);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  auto honest = HonestTrace(**job, (*job)->InitialState(3), kSteps, kInterval);
  ASSERT_TRUE(honest.ok());
  Driven r = Drive("data-substitution", {{"fraction", 1.0}}, **job);
  EXPECT_EQ(r.behaviour->Report()["samples_substituted"], kSteps * 16);
  EXPECT_EQ(r.behaviour->Report()["samples_changed"], 0);
  EXPECT_TRUE(r.behaviour->TrainsHonestly());
  EXPECT_TRUE(BitEqual(r.checkpoints.back(), honest->back()));
  // On the usual training set every substitute differs.
  Driven usual = Drive("data-substitution", {{"fraction", 0.25}}, *job_);
  EXPECT_EQ(usual.behaviour->Report()["samples_changed"], kSteps * 4);
  EXPECT_FALSE(usual.behaviour->TrainsHonestly());
}

// A sequence job's samples are its sequences: data/y holds a label per
// token, flattened. The share is counted in sequences (a quarter of 16 is
// 4), and a sequence goes with its own labels. It was counted in tokens:
// 0.25 asked for 64 of the 16 sequences and the step failed, and 0.05
// replaced 13 of 16 while reporting 5%.
TEST_F(AttacksTest, DataSubstitutionOnSequencesCountsSequences) {
  auto config = JobConfig::FromJson({{"name", "transformer"},
                                     {"steps", kSteps},
                                     {"batch_size", 16},
                                     {"init_seed", 3},
                                     {"data_seed", 5},
                                     {"vocab", 16},
                                     {"seq_len", 8},
                                     {"d_model", 16},
                                     {"heads", 2},
                                     {"layers", 1},
                                     {"optimizer", {{"name", "adam"}, {"lr", 0.01}}}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto job = MakeJob(*config);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  Driven quarter = Drive("data-substitution", {{"fraction", 0.25}}, **job);
  EXPECT_EQ(quarter.behaviour->Report()["samples_substituted"], kSteps * 4);
  EXPECT_EQ(quarter.behaviour->Report()["substituted_fraction"], 0.25);
  Driven one = Drive("data-substitution", {{"fraction", 0.05}}, **job);
  EXPECT_EQ(one.behaviour->Report()["samples_substituted"], kSteps);  // 1 of 16 each
  EXPECT_EQ(one.behaviour->Report()["substituted_fraction"], 1.0 / 16);
  EXPECT_FALSE(one.behaviour->TrainsHonestly());
}

TEST_F(AttacksTest, PrecisionDowngradeStaysCloseButNotEqual) {
  Driven r = Drive("precision-downgrade", nlohmann::json::object(), *job_);
  EXPECT_EQ(r.behaviour->steps_computed(), kSteps);
  const double off = ParamUpdateNorm(r.checkpoints[1], honest_[1]);
  const double update = ParamUpdateNorm(honest_[0], honest_[1]);
  EXPECT_GT(off, 0.0);
  EXPECT_LT(off, 0.05 * update);
  EXPECT_EQ(r.checkpoints[1].at("param/fc1.weight").scalar_type(),
            torch::kFloat32);
  Driven half = Drive("precision-downgrade", {{"precision", "float16"}}, *job_);
  EXPECT_FALSE(BitEqual(half.checkpoints[1], r.checkpoints[1]));
}

TEST_F(AttacksTest, ParametersAreCheckedAndNamed) {
  auto status = [](const std::string& name, const nlohmann::json& params) {
    auto b = MakeSolverBehaviour(name, params);
    return b.ok() ? std::string() : b.status().message();
  };
  EXPECT_THAT(status("lazy", {{"fraction", 0}}), HasSubstr("lazy.fraction"));
  // Positions are bounded by a task's largest step count, not by int64.
  EXPECT_THAT(status("withhold", {{"from_index", 0}}),
              HasSubstr("withhold.from_index must be in [1, 100000000], not 0"));
  EXPECT_THAT(status("corrupt-node", {{"step", 100000001}, {"node", "x"}}),
              HasSubstr("corrupt-node.step must be in [0, 100000000]"));
  EXPECT_THAT(status("lazy", {{"fraction", 1.5}}), HasSubstr("lazy.fraction"));
  EXPECT_THAT(status("lazy", {{"pattern", "head"}}), HasSubstr("lazy.pattern"));
  EXPECT_THAT(status("lazy", {{"skip", 1}}),
              HasSubstr("lazy.skip: unknown parameter"));
  EXPECT_THAT(status("random-weights", {{"scale", 1}}),
              HasSubstr("random-weights.scale"));
  EXPECT_THAT(status("replay", {{"source_data_seed", -1}}),
              HasSubstr("replay.source_data_seed"));
  EXPECT_THAT(status("infinitesimal", {{"claimed_lr", 0}}),
              HasSubstr("infinitesimal.claimed_lr"));
  EXPECT_THAT(status("blindfold-topq", {{"fake_scale", 1}}),
              HasSubstr("blindfold-topq.fake_scale"));
  EXPECT_THAT(status("blindfold-topq", {{"honest_intervals", 0}}),
              HasSubstr("blindfold-topq.honest_intervals"));
  EXPECT_THAT(status("data-substitution", {{"fraction", "all"}}),
              HasSubstr("data-substitution.fraction"));
  EXPECT_THAT(status("precision-downgrade", {{"precision", "int8"}}),
              HasSubstr("precision-downgrade.precision"));
  EXPECT_THAT(status("lazy", nlohmann::json::array()),
              HasSubstr("params must be an object"));
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

TEST(AttackUtilTest, SkipStepMovesOnlyTheCounter) {
  TensorMap state = {{"param/w", torch::ones({2})}, {"meta/step", torch::tensor(int64_t{6})}};
  auto next = SkipStep(state);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->at("meta/step").item<int64_t>(), 7);
  EXPECT_TRUE(next->at("param/w").is_same(state.at("param/w")));  // shared, not copied
  EXPECT_FALSE(SkipStep({{"param/w", torch::ones({2})}}).ok());  // no step counter
}

}  // namespace
}  // namespace veritrain
