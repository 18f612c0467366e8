// Shared helpers of the train unit tests: the test hardware profile and
// small job configurations.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "core/train/hardware_profile.h"
#include "core/train/job.h"

namespace veritrain {
namespace testing_util {

// Every train test runs at one thread: bit-exact comparisons hold for a
// fixed thread count.
inline void UseTestProfile() {
  HardwareProfile p;
  p.threads = 1;
  Status s = ApplyHardwareProfile(p);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

inline std::unique_ptr<TrainingJob> MakeJobOrDie(const nlohmann::json& j) {
  auto config = JobConfig::FromJson(j);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return nullptr;
  auto job = MakeJob(*config);
  EXPECT_TRUE(job.ok()) << job.status().ToString();
  if (!job.ok()) return nullptr;
  return std::move(job).value();
}

inline nlohmann::json SyntheticJobJson(uint64_t data_seed = 5) {
  return {{"name", "synthetic"}, {"batch_size", 32}, {"data_seed", data_seed}};
}

// mlp on a 2000-sample prefix of Fashion-MNIST: fast to load.
inline nlohmann::json SmallMlpJobJson() {
  return {{"name", "mlp"},       {"batch_size", 64},   {"data_seed", 3},
          {"train_limit", 2000}, {"test_limit", 1000}, {"hidden", {64}}};
}

// `steps` training steps from `state`; a failed step fails the test and
// stops there.
inline TensorMap TrainSteps(const TrainingJob& job, TensorMap state,
                            int steps) {
  for (int i = 0; i < steps; ++i) {
    auto next = TrainStep(job, state);
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok()) break;
    state = std::move(next).value();
  }
  return state;
}

// A job that hands every call to `inner` and keeps TrainingJob's own
// defaults (StateNames and StateLayout build InitialState(0)); tests derive from it to
// count or change one call. REQUIRES: `inner` outlives it.
class ForwardingJob : public TrainingJob {
 public:
  explicit ForwardingJob(const TrainingJob& inner) : inner_(inner) {}
  const std::string& name() const override { return inner_.name(); }
  const JobConfig& config() const override { return inner_.config(); }
  TensorMap InitialState(uint64_t init_seed) const override {
    return inner_.InitialState(init_seed);
  }
  Result<TensorMap> Batch(int64_t step) const override { return inner_.Batch(step); }
  const StepGraph& graph() const override { return inner_.graph(); }
  Result<double> TestAccuracy(const TensorMap& state) const override {
    return inner_.TestAccuracy(state);
  }
  Digest DatasetRoot() const override { return inner_.DatasetRoot(); }

 protected:
  const TrainingJob& inner() const { return inner_; }

 private:
  const TrainingJob& inner_;
};

}  // namespace testing_util
}  // namespace veritrain
