// Tests for the training jobs: determinism, the optimizer math against
// LibTorch's own optimizers, datasets, the registry and the accuracy the mlp
// job reaches.
#include "core/train/job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "core/state/tensor_data.h"
#include "core/train/dataset.h"
#include "core/train/optimizer_nodes.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using testing_util::MakeJobOrDie;
using testing_util::TrainSteps;

class JobTest : public ::testing::Test {
 protected:
  void SetUp() override { testing_util::UseTestProfile(); }
};

// Equality through the byte form that hashing and checkpoints use.
bool SameStateBytes(const TensorMap& a, const TensorMap& b) {
  State sa = ToState(a);
  State sb = ToState(b);
  if (sa.size() != sb.size()) return false;
  for (size_t i = 0; i < sa.size(); ++i) {
    if (sa[i].name != sb[i].name || sa[i].dtype != sb[i].dtype ||
        sa[i].shape != sb[i].shape ||
        sa[i].bytes.view() != sb[i].bytes.view()) {
      return false;
    }
  }
  return true;
}

TEST_F(JobTest, TrainingIsDeterministic) {
  auto job = MakeJobOrDie(testing_util::SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  TensorMap a = TrainSteps(*job, job->InitialState(9), 20);
  TensorMap b = TrainSteps(*job, job->InitialState(9), 20);
  EXPECT_EQ(a.at("meta/step").item<int64_t>(), 20);
  EXPECT_TRUE(SameStateBytes(a, b));
  TensorMap c = TrainSteps(*job, job->InitialState(10), 20);
  EXPECT_FALSE(SameStateBytes(a, c));
  EXPECT_FALSE(SameStateBytes(job->InitialState(9), job->InitialState(10)));
}

TEST_F(JobTest, MlpTrainingIsDeterministic) {
  auto job = MakeJobOrDie(testing_util::SmallMlpJobJson());
  ASSERT_NE(job, nullptr);
  TensorMap a = TrainSteps(*job, job->InitialState(4), 20);
  TensorMap b = TrainSteps(*job, job->InitialState(4), 20);
  EXPECT_TRUE(SameStateBytes(a, b));
}

TEST_F(JobTest, SameBitsOnAnotherThread) {
  // A thread that never ran LibTorch work before must use the profile's
  // thread count too (see step_graph.cc).
  auto job = MakeJobOrDie(testing_util::SmallMlpJobJson());
  ASSERT_NE(job, nullptr);
  TensorMap here = TrainSteps(*job, job->InitialState(4), 3);
  TensorMap there;
  std::thread t([&] { there = TrainSteps(*job, job->InitialState(4), 3); });
  t.join();
  EXPECT_TRUE(SameStateBytes(here, there));
}

TEST_F(JobTest, InitialStateLayout) {
  auto job = MakeJobOrDie(testing_util::SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  TensorMap s = job->InitialState(1);
  std::vector<std::string> names;
  for (const auto& [k, v] : s) names.push_back(k);
  EXPECT_THAT(
      names,
      ::testing::ElementsAre(
          "meta/step", "opt/fc1.bias/m", "opt/fc1.bias/v", "opt/fc1.weight/m",
          "opt/fc1.weight/v", "opt/fc2.bias/m", "opt/fc2.bias/v",
          "opt/fc2.weight/m", "opt/fc2.weight/v", "param/fc1.bias",
          "param/fc1.weight", "param/fc2.bias", "param/fc2.weight"));
  EXPECT_EQ(s.at("param/fc1.weight").sizes(), torch::IntArrayRef({32, 16}));
  EXPECT_EQ(s.at("param/fc1.weight").scalar_type(), torch::kFloat32);
  // torch.nn.Linear's init range: |w| < 1/sqrt(fan_in) = 0.25.
  EXPECT_LT(s.at("param/fc1.weight").abs().max().item<double>(), 0.25);
  EXPECT_GT(s.at("param/fc1.weight").abs().max().item<double>(), 0.2);
  EXPECT_EQ(s.at("opt/fc1.weight/m").abs().sum().item<double>(), 0.0);
  EXPECT_EQ(s.at("meta/step").dim(), 0);
}

std::vector<std::string> NamesOf(const TensorMap& m) {
  std::vector<std::string> names;
  for (const auto& [k, v] : m) names.push_back(k);
  return names;
}

// A job that keeps TrainingJob's own StateNames and StateLayout.
using DefaultNamesJob = testing_util::ForwardingJob;

// A job that answers StateLayout from its inner job and counts the states
// it builds.
class CountingLayoutJob : public testing_util::ForwardingJob {
 public:
  using ForwardingJob::ForwardingJob;
  TensorMap InitialState(uint64_t init_seed) const override {
    ++initial_states;
    return inner().InitialState(init_seed);
  }
  std::vector<StateTensorLayout> StateLayout() const override { return inner().StateLayout(); }
  mutable int initial_states = 0;
};

// Every optimizer's state, both precisions, and a job that wraps another.
std::vector<nlohmann::json> LayoutJobJsons() {
  std::vector<nlohmann::json> out = {testing_util::SyntheticJobJson(),
                                     testing_util::SmallMlpJobJson()};
  for (const nlohmann::json& opt :
       {nlohmann::json{{"name", "sgd"}, {"lr", 0.1}},
        nlohmann::json{{"name", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}},
        nlohmann::json{{"name", "adam"}, {"lr", 0.01}}}) {
    auto j = testing_util::SyntheticJobJson();
    j["optimizer"] = opt;
    out.push_back(j);
  }
  auto f64 = testing_util::SmallMlpJobJson();
  f64["dtype"] = "float64";
  out.push_back(f64);
  auto slow = testing_util::SyntheticJobJson();
  slow["slow_test_ms"] = 1;
  out.push_back(slow);
  return out;
}

TEST_F(JobTest, StateNamesAndLayoutAreTheInitialStates) {
  for (const auto& j : LayoutJobJsons()) {
    auto job = MakeJobOrDie(j);
    ASSERT_NE(job, nullptr);
    const TensorMap initial = job->InitialState(7);
    EXPECT_EQ(job->StateNames(), NamesOf(initial)) << j.dump();
    EXPECT_EQ(DefaultNamesJob(*job).StateNames(), NamesOf(initial)) << j.dump();
    EXPECT_EQ(job->StateLayout(), LayoutOf(initial)) << j.dump();
    EXPECT_EQ(DefaultNamesJob(*job).StateLayout(), LayoutOf(initial)) << j.dump();
  }
}

TEST_F(JobTest, CheckingAStatesShapeBuildsNoState) {
  for (const auto& j : LayoutJobJsons()) {
    auto inner = MakeJobOrDie(j);
    ASSERT_NE(inner, nullptr);
    TensorMap state = inner->InitialState(3);
    CountingLayoutJob job(*inner);
    EXPECT_TRUE(CheckStateShape(job, state).ok()) << j.dump();
    EXPECT_EQ(job.initial_states, 0) << j.dump();
  }
}

TEST_F(JobTest, CheckStateShapeNamesWhatDiffers) {
  for (const auto& j : LayoutJobJsons()) {
    auto job = MakeJobOrDie(j);
    ASSERT_NE(job, nullptr);
    const TensorMap good = job->InitialState(3);
    // Another precision is the same state.
    EXPECT_TRUE(CheckStateShape(*job, CastFloating(good, torch::kFloat16)).ok()) << j.dump();
    const DefaultNamesJob defaults(*job);
    for (const TrainingJob* checker : {static_cast<const TrainingJob*>(job.get()),
                                       static_cast<const TrainingJob*>(&defaults)}) {
      TensorMap missing = good;
      missing.erase("param/fc1.weight");
      EXPECT_THAT(CheckStateShape(*checker, missing).message(),
                  HasSubstr("tensor 'param/fc1.weight' is missing"));
      TensorMap reshaped = good;
      reshaped["param/fc1.bias"] = torch::zeros({1, good.at("param/fc1.bias").numel()});
      EXPECT_THAT(CheckStateShape(*checker, reshaped).message(),
                  HasSubstr("tensor 'param/fc1.bias' has another shape"));
      TensorMap integer = good;
      integer["param/fc1.bias"] = good.at("param/fc1.bias").to(torch::kInt32);
      EXPECT_THAT(CheckStateShape(*checker, integer).message(),
                  HasSubstr("tensor 'param/fc1.bias' has another kind of dtype"));
      TensorMap extra = good;
      extra["param/extra"] = torch::zeros({2});
      EXPECT_THAT(CheckStateShape(*checker, extra).message(),
                  HasSubstr("tensor 'param/extra' is not part of the job's state"));
      TensorMap renamed = good;
      renamed["param/zz"] = renamed.at("meta/step");
      renamed.erase("meta/step");
      EXPECT_THAT(CheckStateShape(*checker, renamed).message(),
                  HasSubstr("tensor 'meta/step' is missing"));
    }
  }
}

TEST_F(JobTest, Float64JobsHoldFloat64State) {
  auto j = testing_util::SyntheticJobJson();
  j["dtype"] = "float64";
  auto job = MakeJobOrDie(j);
  ASSERT_NE(job, nullptr);
  TensorMap s = TrainSteps(*job, job->InitialState(1), 2);
  EXPECT_EQ(s.at("param/fc2.weight").scalar_type(), torch::kFloat64);
  EXPECT_EQ(s.at("opt/fc2.weight/v").scalar_type(), torch::kFloat64);
}

TEST_F(JobTest, BatchesFollowTheDataOrder) {
  auto job = MakeJobOrDie(testing_util::SyntheticJobJson(5));
  ASSERT_NE(job, nullptr);
  auto b0 = job->Batch(0);
  auto b0again = job->Batch(0);
  auto b1 = job->Batch(1);
  ASSERT_TRUE(b0.ok() && b0again.ok() && b1.ok());
  EXPECT_EQ(b0->at("data/x").sizes(), torch::IntArrayRef({32, 16}));
  EXPECT_EQ(b0->at("data/y").scalar_type(), torch::kInt64);
  EXPECT_TRUE(BitEqual(*b0, *b0again));
  EXPECT_FALSE(BitEqual(*b0, *b1));
  EXPECT_FALSE(job->Batch(-1).ok());
}

TEST_F(JobTest, SyntheticDataIsSeededAndBalancedEnough) {
  SyntheticSpec spec;
  Dataset a = MakeSyntheticDataset(spec, 1, true);
  Dataset b = MakeSyntheticDataset(spec, 1, true);
  Dataset c = MakeSyntheticDataset(spec, 2, true);
  Dataset test = MakeSyntheticDataset(spec, 1, false);
  EXPECT_EQ(a.size(), 2048);
  EXPECT_EQ(test.size(), 512);
  EXPECT_EQ(a.root, b.root);
  EXPECT_TRUE(BitEqual(a.x, b.x));
  EXPECT_NE(a.root, c.root);
  EXPECT_NE(a.root, test.root);
  EXPECT_EQ(a.tree->size(), 2048u);
  // Every class occurs: the teacher is not degenerate.
  auto counts = torch::bincount(a.y, {}, spec.classes);
  EXPECT_GT(counts.min().item<int64_t>(), 0);
  // float32 and float64 data come from the same samples (same root).
  Dataset f64 = MakeSyntheticDataset(spec, 1, true, torch::kFloat64);
  EXPECT_EQ(f64.root, a.root);
  EXPECT_TRUE(BitEqual(f64.x.to(torch::kFloat32), a.x));
}

TEST_F(JobTest, FashionMnistLoadsNormalisedWithReferenceRoot) {
  auto d = LoadFashionMnist("/usr/share/datasets/fashion-mnist", true, 3);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->x.sizes(), torch::IntArrayRef({3, 784}));
  EXPECT_EQ(d->y.scalar_type(), torch::kInt64);
  EXPECT_EQ(d->y[0].item<int64_t>(), 9);  // see reference_values.py
  // From reference_values.py.
  EXPECT_EQ(d->root.Hex(),
            "da5e90dcd34e1024ee0420e0717f9e8cee7fa927a2c9c245abb1f8259b81caed");
  // A zero pixel maps to -0.2860 / 0.3530 and 255 to (1 - 0.2860) / 0.3530.
  const double lo = d->x.min().item<double>();
  const double hi = d->x.max().item<double>();
  EXPECT_NEAR(lo, -0.2860 / 0.3530, 1e-6);
  EXPECT_NEAR(hi, (1.0 - 0.2860) / 0.3530, 1e-6);

  auto bad = LoadFashionMnist("/nonexistent", true, 3);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("/nonexistent/train-images-idx3-ubyte.gz"));
}

TEST_F(JobTest, MakeJobErrors) {
  JobConfig c;
  c.name = "nope";
  auto r = MakeJob(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("job.name: unknown job 'nope' (known: "));
  EXPECT_THAT(r.status().message(), HasSubstr("mlp"));
  EXPECT_THAT(r.status().message(), HasSubstr("synthetic"));

  auto j = testing_util::SyntheticJobJson();
  j["hiden"] = {4};
  auto config = JobConfig::FromJson(j);
  ASSERT_TRUE(config.ok());
  r = MakeJob(*config);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("job.hiden: unknown field"));

  j = testing_util::SyntheticJobJson();
  j["hidden"] = {4, 0};
  config = JobConfig::FromJson(j);
  ASSERT_TRUE(config.ok());
  r = MakeJob(*config);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("job.hidden[1] must be >= 1"));

  j = testing_util::SmallMlpJobJson();
  j["dataset_dir"] = "/nonexistent";
  config = JobConfig::FromJson(j);
  ASSERT_TRUE(config.ok());
  r = MakeJob(*config);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/train-images"));
  // Named as the scenario's field, for the cnn too.
  EXPECT_THAT(r.status().message(), HasSubstr("job.dataset_dir '/nonexistent': "));
  j["name"] = "cnn";
  j.erase("hidden");
  config = JobConfig::FromJson(j);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  r = MakeJob(*config);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("job.dataset_dir '/nonexistent': "));
}

TEST_F(JobTest, RegisterJobAddsNamesOnce) {
  JobFactory f = [](const JobConfig& c) {
    return MakeJob([&] {
      JobConfig s = c;
      s.name = "synthetic";
      return s;
    }());
  };
  ASSERT_TRUE(RegisterJob("synthetic-alias", f).ok());
  EXPECT_FALSE(RegisterJob("synthetic-alias", f).ok());
  EXPECT_FALSE(RegisterJob("mlp", f).ok());
  auto names = KnownJobs();
  EXPECT_NE(std::find(names.begin(), names.end(), "synthetic-alias"),
            names.end());
  JobConfig c;
  c.name = "synthetic-alias";
  EXPECT_TRUE(MakeJob(c).ok());
}

// A registered (a plug-in's) job's factory error names the job, and what
// it throws is an error too, not the end of the process.
TEST_F(JobTest, ARegisteredFactorysErrorsNameTheJob) {
  ASSERT_TRUE(RegisterJob("failing-job", [](const JobConfig&) -> Result<std::unique_ptr<TrainingJob>> {
                return Status::InvalidArgument("nope");
              }).ok());
  ASSERT_TRUE(RegisterJob("throwing-job", [](const JobConfig&) -> Result<std::unique_ptr<TrainingJob>> {
                throw std::runtime_error("boom");
              }).ok());
  JobConfig c;
  c.name = "failing-job";
  auto failed = MakeJob(c);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "job 'failing-job': nope");
  c.name = "throwing-job";
  auto threw = MakeJob(c);
  ASSERT_FALSE(threw.ok());
  EXPECT_EQ(threw.status().message(), "job 'throwing-job': building it threw: boom");
}

TEST_F(JobTest, TestAccuracyChecksTheState) {
  auto job = MakeJobOrDie(testing_util::SyntheticJobJson());
  ASSERT_NE(job, nullptr);
  TensorMap s = job->InitialState(1);
  auto acc = job->TestAccuracy(s);
  ASSERT_TRUE(acc.ok());
  EXPECT_GE(*acc, 0.0);
  EXPECT_LE(*acc, 1.0);
  s.erase("param/fc2.bias");
  auto bad = job->TestAccuracy(s);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("param/fc2.bias"));
}

// The synthetic job's test knobs (slow_job.h): building and the test pass
// compute for at least their time, and change no result.
TEST_F(JobTest, SlowKnobsTakeTheirTimeAndChangeNothing) {
  auto plain = MakeJobOrDie(testing_util::SyntheticJobJson());
  auto j = testing_util::SyntheticJobJson();
  j["slow_setup_ms"] = 60;
  j["slow_test_ms"] = 40;
  const auto t0 = std::chrono::steady_clock::now();
  auto slow = MakeJobOrDie(j);
  const auto built = std::chrono::steady_clock::now();
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(slow, nullptr);
  EXPECT_GE(built - t0, std::chrono::milliseconds(60));
  const TensorMap s = TrainSteps(*slow, slow->InitialState(1), 3);
  EXPECT_TRUE(SameStateBytes(s, TrainSteps(*plain, plain->InitialState(1), 3)));
  EXPECT_EQ(slow->DatasetRoot(), plain->DatasetRoot());
  const auto t1 = std::chrono::steady_clock::now();
  auto acc = slow->TestAccuracy(s);
  EXPECT_GE(std::chrono::steady_clock::now() - t1, std::chrono::milliseconds(40));
  ASSERT_TRUE(acc.ok());
  EXPECT_EQ(*acc, *plain->TestAccuracy(s));
  // Bounded, and named when out of bounds.
  j["slow_test_ms"] = 600001;
  auto config = JobConfig::FromJson(j);
  ASSERT_TRUE(config.ok());
  auto refused = MakeJob(*config);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("job.slow_test_ms"));
}

TEST_F(JobTest, SyntheticJobLearns) {
  auto j = testing_util::SyntheticJobJson();
  j["optimizer"] = {{"name", "adam"}, {"lr", 0.01}};
  auto job = MakeJobOrDie(j);
  ASSERT_NE(job, nullptr);
  TensorMap s0 = job->InitialState(3);
  auto before = job->TestAccuracy(s0);
  const auto start = std::chrono::steady_clock::now();
  TensorMap s = TrainSteps(*job, s0, 300);
  const double ms_per_step = std::chrono::duration<double, std::milli>(
                                 std::chrono::steady_clock::now() - start)
                                 .count() /
                             300.0;
  auto after = job->TestAccuracy(s);
  ASSERT_TRUE(before.ok() && after.ok());
  // Informational only; not an assertion (timings are not tested).
  std::printf("synthetic: accuracy %.3f -> %.3f, %.3f ms/step\n", *before,
              *after, ms_per_step);
  EXPECT_GT(*after, 0.85);
  EXPECT_GT(*after, *before);
}

TEST_F(JobTest, MlpReachesSeventyPercentIn300Steps) {
  auto job = MakeJobOrDie({{"name", "mlp"},
                           {"batch_size", 64},
                           {"data_seed", 1},
                           {"hidden", {128}}});
  ASSERT_NE(job, nullptr);
  TensorMap s = TrainSteps(*job, job->InitialState(1), 300);
  auto acc = job->TestAccuracy(s);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  std::printf("mlp: test accuracy after 300 steps %.4f\n", *acc);
  EXPECT_GE(*acc, 0.70);
}

TEST(ApplyHardwareProfileTest, SetsThreadsDtypeAndRejectsMissingCuda) {
  HardwareProfile p;
  p.threads = 2;
  p.dtype = "float64";
  ASSERT_TRUE(ApplyHardwareProfile(p).ok());
  nlohmann::json rt = DescribeRuntime();
  EXPECT_EQ(rt["threads"], 2);
  EXPECT_EQ(rt["default_dtype"], "Double");
  EXPECT_EQ(rt["deterministic"], true);
  EXPECT_EQ(torch::ones({1}).scalar_type(), torch::kFloat64);

  // Applying again is allowed (the inter-op pool is left as it is).
  p.threads = 1;
  p.dtype = "float32";
  ASSERT_TRUE(ApplyHardwareProfile(p).ok());
  rt = DescribeRuntime();
  EXPECT_EQ(rt["threads"], 1);
  EXPECT_EQ(rt["default_dtype"], "Float");

  p.threads = 0;
  EXPECT_EQ(ApplyHardwareProfile(p).code(), Status::Code::kInvalidArgument);
  p.threads = 1;
  p.device = "cuda";
  if (!rt["cuda_available"].get<bool>()) {
    Status s = ApplyHardwareProfile(p);
    EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
    EXPECT_THAT(s.message(), HasSubstr("profile.device"));
  }
}

// ---- Optimizer nodes against torch::optim -------------------------------

// Runs `steps` updates of one parameter with LibTorch's optimizer and with
// the optimizer node; returns max |difference| of the final parameters.
double OptimizerMaxDiff(const OptimizerConfig& c, int steps) {
  torch::manual_seed(0);
  torch::Tensor init = torch::randn({5, 7});
  std::vector<torch::Tensor> grads;
  for (int i = 0; i < steps; ++i) grads.push_back(torch::randn({5, 7}));

  torch::Tensor p = init.clone().requires_grad_(true);
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (c.is_adam()) {
    opt = std::make_unique<torch::optim::Adam>(
        std::vector<torch::Tensor>{p}, torch::optim::AdamOptions(c.lr)
                                           .betas({c.beta1, c.beta2})
                                           .eps(c.eps)
                                           .weight_decay(c.weight_decay));
  } else {
    opt = std::make_unique<torch::optim::SGD>(
        std::vector<torch::Tensor>{p}, torch::optim::SGDOptions(c.lr)
                                           .momentum(c.momentum)
                                           .dampening(c.dampening)
                                           .nesterov(c.nesterov)
                                           .weight_decay(c.weight_decay));
  }

  StepGraph g;
  EXPECT_TRUE(AddOptimizerNode(&g, c, "fc.weight", 35).ok());
  TensorMap state = {{"param/fc.weight", init.clone()},
                     {"meta/step", torch::zeros({}, torch::kInt64)}};
  for (const auto& s : OptimizerStateNames(c, "fc.weight")) {
    state[s] = torch::zeros({5, 7});
  }
  for (int i = 0; i < steps; ++i) {
    opt->zero_grad();
    p.mutable_grad() = grads[i].clone();
    opt->step();
    auto next = RunStepGraph(g, state, {{"grad/param/fc.weight", grads[i]}});
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok()) return INFINITY;
    state = std::move(next).value();
  }
  const double maxdiff =
      (state.at("param/fc.weight") - p.detach()).abs().max().item<double>();
  std::printf("%s vs torch::optim: maxdiff = %g\n", c.ToJson().dump().c_str(),
              maxdiff);
  return maxdiff;
}

TEST_F(JobTest, AdamNodeMatchesTorchOptimAdam) {
  OptimizerConfig c;
  c.lr = 0.01;
  double maxdiff = OptimizerMaxDiff(c, 5);
  EXPECT_LT(maxdiff, 1e-6) << "maxdiff = " << maxdiff;
  c.weight_decay = 0.1;
  c.beta1 = 0.8;
  maxdiff = OptimizerMaxDiff(c, 5);
  EXPECT_LT(maxdiff, 1e-6) << "maxdiff = " << maxdiff << " (weight decay)";
}

TEST_F(JobTest, SgdNodeMatchesTorchOptimSgd) {
  OptimizerConfig c;
  c.name = "sgd";
  c.lr = 0.05;
  c.momentum = 0.9;
  double maxdiff = OptimizerMaxDiff(c, 5);
  EXPECT_LT(maxdiff, 1e-6) << "maxdiff = " << maxdiff;
  c.nesterov = true;
  c.weight_decay = 0.01;
  maxdiff = OptimizerMaxDiff(c, 5);
  EXPECT_LT(maxdiff, 1e-6) << "maxdiff = " << maxdiff << " (nesterov, wd)";
  c.nesterov = false;
  c.momentum = 0.0;
  maxdiff = OptimizerMaxDiff(c, 5);
  EXPECT_LT(maxdiff, 1e-6) << "maxdiff = " << maxdiff << " (no momentum)";
  c.momentum = 0.5;
  c.dampening = 0.3;
  maxdiff = OptimizerMaxDiff(c, 5);
  EXPECT_LT(maxdiff, 1e-6) << "maxdiff = " << maxdiff << " (dampening)";
}

// The optimizer updates as first written, every step a new tensor: the
// reference for the bits AdamUpdate and SgdUpdate must keep (the state
// hashes of every task trained with them depend on them).
std::vector<torch::Tensor> OutOfPlaceAdam(const OptimizerConfig& c, int64_t t,
                                          const torch::Tensor& param,
                                          const torch::Tensor& grad,
                                          const torch::Tensor& m,
                                          const torch::Tensor& v) {
  torch::Tensor g = grad;
  if (c.weight_decay != 0.0) g = g.add(param, c.weight_decay);
  torch::Tensor m2 = m.mul(c.beta1).add(g, 1.0 - c.beta1);
  torch::Tensor v2 = v.mul(c.beta2).addcmul(g, g, 1.0 - c.beta2);
  const double td = static_cast<double>(t);
  const double bias_correction1 = 1.0 - std::pow(c.beta1, td);
  const double bias_correction2 = 1.0 - std::pow(c.beta2, td);
  torch::Tensor denom = (v2.sqrt() / std::sqrt(bias_correction2)).add(c.eps);
  return {param.addcdiv(m2, denom, -c.lr / bias_correction1), m2, v2};
}

std::vector<torch::Tensor> OutOfPlaceSgd(const OptimizerConfig& c,
                                         bool first_step,
                                         const torch::Tensor& param,
                                         const torch::Tensor& grad,
                                         const torch::Tensor& buffer) {
  torch::Tensor d = grad;
  if (c.weight_decay != 0.0) d = d.add(param, c.weight_decay);
  if (c.momentum == 0.0) return {param.add(d, -c.lr)};
  torch::Tensor buf =
      first_step ? d.clone() : buffer.mul(c.momentum).add(d, 1.0 - c.dampening);
  d = c.nesterov ? d.add(buf, c.momentum) : buf;
  return {param.add(d, -c.lr), buf};
}

bool AllBitEqual(const std::vector<torch::Tensor>& a,
                 const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!BitEqual(a[i], b[i])) return false;
  }
  return true;
}

// An optimizer node reads its step count straight from the "meta/step"
// tensor, so one evaluated on inputs from a peer checks that tensor first:
// a wrong type, an empty or a longer tensor is an error naming it, not a
// read past the end or a silent conversion.
TEST_F(JobTest, OptimizerNodesRefuseAMalformedStepCount) {
  for (const char* name : {"adam", "sgd"}) {
    SCOPED_TRACE(name);
    OptimizerConfig c;
    c.name = name;
    c.momentum = 0.9;  // SGD with a momentum buffer reads the step count too
    StepGraph g;
    ASSERT_TRUE(AddOptimizerNode(&g, c, "fc.weight", 6).ok());
    TensorMap in = {{"param/fc.weight", torch::ones({2, 3})},
                    {"grad/param/fc.weight", torch::ones({2, 3})}};
    for (const auto& s : OptimizerStateNames(c, "fc.weight")) in[s] = torch::zeros({2, 3});
    in["meta/step"] = torch::zeros({}, torch::kInt64);
    ASSERT_TRUE(EvaluateNode(g, 0, in).ok());
    for (const torch::Tensor& bad :
         {torch::zeros({}, torch::kFloat32), torch::zeros({0}, torch::kInt64),
          torch::zeros({2}, torch::kInt64)}) {
      in["meta/step"] = bad;
      auto r = EvaluateNode(g, 0, in);
      ASSERT_FALSE(r.ok()) << bad;
      EXPECT_THAT(r.status().message(), HasSubstr("meta/step is not one int64"));
    }
  }
}

TEST_F(JobTest, OptimizerUpdatesKeepTheBitsOfTheOutOfPlaceMath) {
  // Sizes below, at and past the kernels' vector widths, in both dtypes,
  // with and without weight decay, over several steps; the inputs are left
  // as they were.
  torch::manual_seed(0);
  for (torch::ScalarType dtype : {torch::kFloat32, torch::kFloat64}) {
    for (int64_t n : {1, 7, 8, 33, 1000, 100003}) {
      SCOPED_TRACE(std::to_string(n) + " elements, " +
                   std::string(c10::toString(dtype)));
      const auto o = torch::TensorOptions().dtype(dtype);
      const torch::Tensor param = torch::randn({n}, o);
      const torch::Tensor grad = torch::randn({n}, o) * 1e-2;
      const torch::Tensor m = torch::randn({n}, o) * 1e-3;
      const torch::Tensor v = torch::rand({n}, o) * 1e-4;
      const TensorMap before = {{"p", param.clone()},
                                {"g", grad.clone()},
                                {"m", m.clone()},
                                {"v", v.clone()}};
      OptimizerConfig adam;
      adam.lr = 0.003;
      for (double wd : {0.0, 0.1}) {
        adam.weight_decay = wd;
        for (int64_t t : {1, 2, 10, 1000}) {
          EXPECT_TRUE(AllBitEqual(AdamUpdate(adam, t, param, grad, m, v),
                                  OutOfPlaceAdam(adam, t, param, grad, m, v)))
              << "adam, t " << t << ", weight decay " << wd;
        }
      }
      OptimizerConfig sgd;
      sgd.name = "sgd";
      sgd.lr = 0.05;
      sgd.momentum = 0.9;
      sgd.dampening = 0.1;
      for (bool nesterov : {false, true}) {
        sgd.nesterov = nesterov;
        for (bool first : {true, false}) {
          EXPECT_TRUE(AllBitEqual(SgdUpdate(sgd, first, param, grad, m),
                                  OutOfPlaceSgd(sgd, first, param, grad, m)))
              << "sgd, nesterov " << nesterov << ", first " << first;
        }
      }
      EXPECT_TRUE(BitEqual(
          before, TensorMap{{"p", param}, {"g", grad}, {"m", m}, {"v", v}}));
    }
  }
}

}  // namespace
}  // namespace veritrain
