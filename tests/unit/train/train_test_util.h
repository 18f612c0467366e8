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

}  // namespace testing_util
}  // namespace veritrain
