// The perturbed step of core/pol/perturbation.h: with no threshold it is
// the step itself, bit for bit; with one, every node's output is moved to
// exactly its threshold in the componentwise measure the one-node ruling
// uses, and the state moves further as the threshold grows.
#include "core/pol/perturbation.h"

#include <gtest/gtest.h>

#include "core/state/distance.h"
#include "core/train/node_compare.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using testing_util::MakeJobOrDie;
using testing_util::SyntheticJobJson;
using testing_util::TrainSteps;
using testing_util::UseTestProfile;

TEST(Perturbation, ZeroThresholdIsTheHonestStep) {
  UseTestProfile();
  auto job = MakeJobOrDie(SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  const TensorMap state = TrainSteps(*job, job->InitialState(2), 2);
  auto honest = TrainStep(*job, state);
  auto moved = PerturbedStep(*job, state, [](const std::string&) { return 0.0; }, 1);
  ASSERT_TRUE(honest.ok() && moved.ok());
  EXPECT_TRUE(BitEqual(*honest, *moved));
}

TEST(Perturbation, TheStateMovesMoreAsTheThresholdGrows) {
  UseTestProfile();
  auto job = MakeJobOrDie(SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  const TensorMap state = TrainSteps(*job, job->InitialState(2), 2);
  auto honest = TrainStep(*job, state);
  ASSERT_TRUE(honest.ok());
  double previous = 0;
  for (double tau : {1e-8, 1e-6, 1e-4}) {
    auto moved = PerturbedStep(*job, state, [tau](const std::string&) { return tau; }, 1);
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
    auto d = ParameterDistance(ToState(*moved), ToState(*honest));
    ASSERT_TRUE(d.ok());
    EXPECT_GT(d->l2, previous) << tau;
    previous = d->l2;
  }
  // The same signs every time.
  auto a = PerturbedStep(*job, state, [](const std::string&) { return 1e-6; }, 9);
  auto b = PerturbedStep(*job, state, [](const std::string&) { return 1e-6; }, 9);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(BitEqual(*a, *b));
}

TEST(Perturbation, OnlyTheNamedNodesMove) {
  UseTestProfile();
  auto job = MakeJobOrDie(SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  const TensorMap state = TrainSteps(*job, job->InitialState(2), 2);
  auto honest = TrainStep(*job, state);
  // Moving only the loss value changes nothing downstream.
  auto loss = PerturbedStep(
      *job, state, [](const std::string& n) { return n == "loss.forward" ? 1e-3 : 0.0; }, 1);
  ASSERT_TRUE(honest.ok() && loss.ok());
  EXPECT_TRUE(BitEqual(*honest, *loss));
  auto first = PerturbedStep(
      *job, state, [&](const std::string& n) { return n == job->graph().nodes()[0].name ? 1e-3 : 0.0; },
      1);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(BitEqual(*honest, *first));
}

TEST(Perturbation, AMasksInfinitiesStayAndTheStateStaysFinite) {
  // The transformer's attention scores hold -inf where the causal mask
  // hides a position. The ruling accepts no other value there; moving it
  // made inf - inf, a NaN, and `check` refused every hand-set threshold
  // of a transformer across thread counts with "holds a NaN".
  UseTestProfile();
  auto job = MakeJobOrDie({{"name", "transformer"},
                           {"batch_size", 2},
                           {"init_seed", 1},
                           {"data_seed", 2},
                           {"d_model", 16},
                           {"heads", 2},
                           {"layers", 1},
                           {"mlp_hidden", 32},
                           {"seq_len", 8},
                           {"train_size", 16},
                           {"test_size", 4}});
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(1);
  for (int s = 0; s < 3; ++s) {
    auto next = PerturbedStep(*job, state, [](const std::string&) { return 1e-6; }, 1);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    state = std::move(next).value();
  }
  for (const auto& [name, t] : state) {
    if (t.is_floating_point()) EXPECT_TRUE(torch::isfinite(t).all().item<bool>()) << name;
  }
}

}  // namespace
}  // namespace veritrain
