// Tests for the job, optimizer and hardware-profile configurations (JSON
// parsing, range checks, error messages that name the field).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/train/hardware_profile.h"
#include "core/train/job_config.h"
#include "core/train/optimizer_config.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

std::string JobError(const json& j) {
  auto r = JobConfig::FromJson(j);
  EXPECT_FALSE(r.ok()) << j.dump();
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  return r.status().message();
}

TEST(JobConfigTest, ParsesCommonFieldsAndKeepsTheRest) {
  json j = {{"name", "mlp"},
            {"steps", 300},
            {"batch_size", 32},
            {"init_seed", 7},
            {"data_seed", 18446744073709551615ull},
            {"dtype", "float64"},
            {"hidden", {64, 32}},
            {"optimizer", {{"name", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}}}};
  auto r = JobConfig::FromJson(j);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "mlp");
  EXPECT_EQ(r->steps, 300);
  EXPECT_EQ(r->batch_size, 32);
  EXPECT_EQ(r->init_seed, 7u);
  EXPECT_EQ(r->data_seed, 18446744073709551615ull);
  EXPECT_EQ(r->dtype, "float64");
  EXPECT_EQ(r->params["hidden"], json({64, 32}));
  EXPECT_FALSE(r->params.contains("steps"));
  auto opt = r->Optimizer();
  ASSERT_TRUE(opt.ok());
  EXPECT_TRUE(opt->is_sgd());
  EXPECT_DOUBLE_EQ(opt->lr, 0.1);
  EXPECT_DOUBLE_EQ(opt->momentum, 0.9);
  // Round trip.
  EXPECT_EQ(r->ToJson(), j);
  auto again = JobConfig::FromJson(r->ToJson());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToJson(), r->ToJson());
}

TEST(JobConfigTest, DefaultsAndDefaultOptimizer) {
  auto r = JobConfig::FromJson({{"name", "synthetic"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->batch_size, 64);
  EXPECT_EQ(r->dtype, "float32");
  auto opt = r->Optimizer();
  ASSERT_TRUE(opt.ok());
  EXPECT_TRUE(opt->is_adam());
  EXPECT_DOUBLE_EQ(opt->lr, 1e-3);
}

TEST(JobConfigTest, ErrorsNameTheField) {
  EXPECT_THAT(JobError(json::array()), HasSubstr("job must be an object"));
  EXPECT_THAT(JobError({{"steps", 1}}), HasSubstr("job.name is required"));
  EXPECT_THAT(JobError({{"name", 3}}), HasSubstr("job.name must be a string"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"steps", -1}}),
              HasSubstr("job.steps must be >= 0"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"batch_size", 0}}),
              HasSubstr("job.batch_size must be >= 1"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"batch_size", 1.5}}),
              HasSubstr("job.batch_size must be an integer"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"init_seed", -3}}),
              HasSubstr("job.init_seed must be >= 0"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"dtype", "float16"}}),
              HasSubstr("job.dtype"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"optimizer", {{"lr", 0}}}}),
              HasSubstr("job.optimizer.lr must be > 0"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"optimizer", {{"lr", "fast"}}}}),
              HasSubstr("job.optimizer.lr must be a number"));
  // Beyond float32's range, a float32 participant fails at its first step.
  EXPECT_THAT(JobError({{"name", "mlp"}, {"optimizer", {{"lr", 1e308}}}}),
              HasSubstr("job.optimizer.lr is 1e+308, beyond float32's range"));
  EXPECT_THAT(JobError({{"name", "mlp"},
                        {"optimizer", {{"name", "adam"}, {"eps", 1e39}}}}),
              HasSubstr("job.optimizer.eps is 1e+39, beyond float32's range"));
  EXPECT_THAT(JobError({{"name", "mlp"},
                        {"optimizer", {{"name", "sgd"}, {"weight_decay", 4e38}}}}),
              HasSubstr("job.optimizer.weight_decay is 4e+38, beyond float32's range"));
  EXPECT_TRUE(JobConfig::FromJson({{"name", "mlp"}, {"optimizer", {{"lr", 3e38}}}}).ok());
  // Below its smallest number a float32 participant computes with 0: an lr
  // of 1e-50 trained nothing and the run was accepted.
  EXPECT_THAT(JobError({{"name", "mlp"}, {"optimizer", {{"lr", 1e-50}}}}),
              HasSubstr("job.optimizer.lr is 1e-50, below float32's smallest positive number"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"optimizer", {{"name", "sgd"}, {"momentum", 1e-46}}}}),
              HasSubstr("job.optimizer.momentum is 1e-46, below float32's smallest"));
  EXPECT_TRUE(JobConfig::FromJson({{"name", "mlp"}, {"optimizer", {{"lr", 1e-44}}}}).ok());
  // Momentum of 1 or more: the velocity never decays (1.5 took the update
  // norms from 2.3 to 9.2e6, accepted).
  EXPECT_THAT(JobError({{"name", "mlp"}, {"optimizer", {{"name", "sgd"}, {"momentum", 1.5}}}}),
              HasSubstr("job.optimizer.momentum"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"optimizer", {{"name", "sgd"}, {"momentum", 1.0}}}}),
              HasSubstr("job.optimizer.momentum"));
  EXPECT_THAT(JobError({{"name", "mlp"}, {"optimizer", {{"name", "lamb"}}}}),
              HasSubstr("job.optimizer.name: unknown optimizer 'lamb' "
                        "(known: adam, sgd)"));
  EXPECT_THAT(
      JobError({{"name", "mlp"}, {"optimizer", {{"learning_rate", 0.1}}}}),
      HasSubstr("job.optimizer.learning_rate: unknown field"));
  EXPECT_THAT(JobError({{"name", "mlp"},
                        {"optimizer", {{"name", "adam"}, {"beta2", 1.0}}}}),
              HasSubstr("job.optimizer.beta2 must be <= 0.999999999"));
  // The bound as written reads back as itself: 1.0 is not refused for
  // being above "1".
  EXPECT_THAT(JobError({{"name", "mlp"},
                        {"optimizer", {{"name", "adam"}, {"beta1", 1.0}}}}),
              HasSubstr("job.optimizer.beta1 must be <= 0.999999999"));
  EXPECT_THAT(JobError({{"name", "mlp"},
                        {"optimizer", {{"name", "sgd"}, {"nesterov", true}}}}),
              HasSubstr("job.optimizer.nesterov requires momentum > 0"));
  // An SGD field on Adam is a mistake worth reporting.
  EXPECT_THAT(JobError({{"name", "mlp"},
                        {"optimizer", {{"name", "adam"}, {"momentum", 0.9}}}}),
              HasSubstr("job.optimizer.momentum: unknown field"));
}

TEST(OptimizerConfigTest, RoundTrip) {
  for (const json& j : {json{{"name", "adam"},
                             {"lr", 0.01},
                             {"beta1", 0.8},
                             {"beta2", 0.99},
                             {"eps", 1e-6},
                             {"weight_decay", 0.1}},
                        json{{"name", "sgd"},
                             {"lr", 0.5},
                             {"momentum", 0.9},
                             {"dampening", 0.0},
                             {"nesterov", true},
                             {"weight_decay", 0.0}}}) {
    auto r = OptimizerConfig::FromJson(j);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->ToJson(), j);
  }
}

TEST(HardwareProfileTest, RoundTripAndDefaults) {
  auto d = HardwareProfile::FromJson(json::object());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, HardwareProfile());
  HardwareProfile p;
  p.threads = 4;
  p.dtype = "float64";
  p.deterministic = false;
  p.device = "cuda:1";
  auto r = HardwareProfile::FromJson(p.ToJson());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, p);
}

TEST(HardwareProfileTest, ErrorsNameTheField) {
  auto err = [](const json& j) {
    auto r = HardwareProfile::FromJson(j);
    EXPECT_FALSE(r.ok()) << j.dump();
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_THAT(err({{"threads", 0}}), HasSubstr("profile.threads must be >= 1"));
  EXPECT_THAT(err({{"threads", "two"}}),
              HasSubstr("profile.threads must be an integer"));
  EXPECT_THAT(err({{"dtype", "int8"}}), HasSubstr("profile.dtype"));
  EXPECT_THAT(err({{"deterministic", 1}}),
              HasSubstr("profile.deterministic must be true or false"));
  EXPECT_THAT(err({{"device", "tpu"}}), HasSubstr("profile.device"));
  EXPECT_THAT(err({{"device", "cuda:x"}}), HasSubstr("profile.device"));
}

}  // namespace
}  // namespace veritrain
