// Size limits of the built-in jobs: a model or dataset past them is refused
// from its parameters, naming the fields and the limit, before anything is
// allocated (before, "hidden": [300000] made `veritrain check` take 52 s
// and 5 GB); the largest allowed sizes still build.
#include "core/train/job_limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "core/train/job.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;

Status BuildJobStatus(const nlohmann::json& j) {
  auto config = JobConfig::FromJson(j);
  if (!config.ok()) return config.status();
  return MakeJob(*config).status();
}

TEST(SizeCountTest, SumsProductsAndSaturates) {
  SizeCount c;
  c.Add(784, 128);
  c.Add(128);
  EXPECT_EQ(c.value(), 784 * 128 + 128);
  c.Add(std::numeric_limits<int64_t>::max(), 2);
  EXPECT_EQ(c.value(), std::numeric_limits<int64_t>::max());
  c.Add(1);  // stays saturated
  EXPECT_EQ(c.value(), std::numeric_limits<int64_t>::max());
  SizeCount d;
  d.Add(1 << 20, 1 << 20, 1 << 20);  // 2^60
  EXPECT_EQ(d.value(), int64_t{1} << 60);
  d.Add(int64_t{1} << 62, 4);
  EXPECT_EQ(d.value(), std::numeric_limits<int64_t>::max());
}

TEST(JobLimitsTest, MessagesNameTheFieldsAndTheLimit) {
  EXPECT_TRUE(CheckModelParameters(kMaxModelParameters, "job.hidden").ok());
  Status big = CheckModelParameters(238500010, "job.hidden");
  EXPECT_EQ(big.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(big.message(),
            "job.hidden: the model would have 238,500,010 parameters, more "
            "than the limit of "
            "16,777,216 (built-in jobs stay small enough to check and train on "
            "a CPU)");
  EXPECT_THAT(
      CheckModelParameters(std::numeric_limits<int64_t>::max(), "x").message(),
      HasSubstr("9,223,372,036,854,775,807 or more parameters"));
  EXPECT_THAT(
      CheckDatasetValues(kMaxDatasetValues + 1, "job.train_size").message(),
      HasSubstr(
          "job.train_size: the training and test sets would hold 67,108,865 "
          "numbers, more than the limit of 67,108,864"));
  EXPECT_THAT(
      CheckLayerCount(257, "job.hidden").message(),
      HasSubstr("job.hidden lists 257 layers, more than the limit of 256"));
}

TEST(JobLimitsTest, BatchMessageNamesTheFieldTheEstimateAndTheLimit) {
  // 441,505 examples of 608 bytes fit in 256 MiB; one more does not.
  EXPECT_TRUE(CheckBatchBytes(kMaxBatchBytes / 608, 152, 4, "x").ok());
  EXPECT_EQ(CheckBatchBytes(kMaxBatchBytes / 608 + 1, 152, 4, "x").code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(CheckBatchBytes(1 << 20, 152, 4, "job.features, job.hidden, job.classes").message(),
            "job.batch_size: a batch of 1,048,576 examples would hold about 637,534,208 "
            "bytes of inputs and activations (608 bytes an example, estimated from "
            "job.features, job.hidden, job.classes), more than the limit of 268,435,456 "
            "bytes; lower job.batch_size");
  EXPECT_THAT(CheckBatchBytes(1 << 24, std::numeric_limits<int64_t>::max(), 8, "x").message(),
              HasSubstr("9,223,372,036,854,775,807 or more bytes"));
  EXPECT_EQ(DTypeBytes("float64"), 8);
  EXPECT_EQ(DTypeBytes("float32"), 4);
}

class BuiltinJobLimits : public ::testing::Test {
 protected:
  void SetUp() override { testing_util::UseTestProfile(); }
};

// Every refusal below comes before any allocation: each takes milliseconds
// (a timed test would be flaky; a refusal that allocated would take seconds
// and gigabytes, the benchmark-free symptom this guards).
TEST_F(BuiltinJobLimits, TooLargeModelsAreRefusedNamingTheFields) {
  nlohmann::json mlp = testing_util::SmallMlpJobJson();
  mlp["hidden"] = {300000};
  EXPECT_THAT(
      BuildJobStatus(mlp).message(),
      HasSubstr("job.hidden: the model would have 238,500,010 parameters"));
  mlp["hidden"] = {std::numeric_limits<int64_t>::max()};
  EXPECT_THAT(BuildJobStatus(mlp).message(), HasSubstr("or more parameters"));
  mlp["hidden"] = std::vector<int64_t>(300, 2);
  EXPECT_THAT(BuildJobStatus(mlp).message(),
              HasSubstr("job.hidden lists 300 layers"));

  nlohmann::json synthetic = testing_util::SyntheticJobJson();
  synthetic["features"] = 1 << 20;
  synthetic["hidden"] = {64};
  EXPECT_THAT(
      BuildJobStatus(synthetic).message(),
      HasSubstr("job.features, job.hidden, job.classes: the model would have"));

  nlohmann::json cnn = {{"name", "cnn"},
                        {"batch_size", 8},
                        {"train_limit", 64},
                        {"test_limit", 64},
                        {"channels", {4096, 4096}}};
  EXPECT_THAT(BuildJobStatus(cnn).message(),
              HasSubstr("job.channels, job.kernel, job.hidden: the model"));

  nlohmann::json transformer = {{"name", "transformer"},
                                {"batch_size", 4},
                                {"d_model", 16384},
                                {"heads", 16},
                                {"layers", 64}};
  EXPECT_THAT(BuildJobStatus(transformer).message(),
              HasSubstr("job.vocab, job.seq_len, job.d_model, job.layers, "
                        "job.mlp_hidden: the "
                        "model would have"));
}

TEST_F(BuiltinJobLimits, TooLargeDatasetsAreRefusedNamingTheFields) {
  nlohmann::json synthetic = testing_util::SyntheticJobJson();
  synthetic["features"] = 4096;
  synthetic["hidden"] = {1};
  synthetic["train_size"] = 1 << 16;  // 2^28 inputs
  EXPECT_THAT(BuildJobStatus(synthetic).message(),
              HasSubstr("job.features, job.classes, job.train_size, "
                        "job.test_size: the training "
                        "and test sets would hold"));
  synthetic["train_size"] = 64;
  synthetic["classes"] = 1 << 22;  // the teacher: classes × features
  EXPECT_THAT(BuildJobStatus(synthetic).message(),
              HasSubstr("the training and test sets would hold"));

  nlohmann::json transformer = {{"name", "transformer"},
                                {"batch_size", 4},
                                {"seq_len", 4096},
                                {"train_size", 1 << 22}};
  EXPECT_THAT(BuildJobStatus(transformer).message(),
              HasSubstr("job.train_size, job.test_size, job.seq_len: the "
                        "training and test sets"));
}

// The schema lets job.batch_size reach 2^24; on the synthetic job that
// batch took `check` past 15 GB. Each job refuses a batch whose inputs and
// activations would pass kMaxBatchBytes from its parameters, before the
// batch (or a dataset) exists.
TEST_F(BuiltinJobLimits, TooLargeBatchesAreRefusedNamingTheFieldAndTheEstimate) {
  nlohmann::json synthetic = testing_util::SyntheticJobJson();
  synthetic["batch_size"] = 1 << 24;
  EXPECT_THAT(BuildJobStatus(synthetic).message(),
              HasSubstr("job.batch_size: a batch of 16,777,216 examples would hold about "
                        "10,200,547,328 bytes of inputs and activations (608 bytes an "
                        "example, estimated from job.features, job.hidden, job.classes), "
                        "more than the limit of 268,435,456 bytes"));
  // float64 doubles an example's bytes.
  synthetic["batch_size"] = 300000;
  EXPECT_TRUE(BuildJobStatus(synthetic).ok()) << BuildJobStatus(synthetic).ToString();
  synthetic["dtype"] = "float64";
  EXPECT_THAT(BuildJobStatus(synthetic).message(), HasSubstr("(1,216 bytes an example"));

  nlohmann::json mlp = testing_util::SmallMlpJobJson();
  mlp["batch_size"] = 1 << 16;
  EXPECT_THAT(BuildJobStatus(mlp).message(),
              HasSubstr("job.batch_size: a batch of 65,536 examples would hold about"));

  nlohmann::json cnn = {{"name", "cnn"}, {"batch_size", 1 << 14}, {"train_limit", 64},
                        {"test_limit", 64}};
  EXPECT_THAT(BuildJobStatus(cnn).message(),
              HasSubstr("estimated from job.channels, job.kernel, job.hidden"));

  nlohmann::json transformer = {{"name", "transformer"}, {"batch_size", 4096}};
  EXPECT_THAT(BuildJobStatus(transformer).message(),
              HasSubstr("job.batch_size: a batch of 4,096 examples"));
  // Attention holds seq_len² per head and layer: one long sequence alone
  // can pass the limit.
  transformer = {{"name", "transformer"}, {"batch_size", 1}, {"seq_len", 4096},
                 {"heads", 32}, {"train_size", 8}, {"test_size", 8}};
  EXPECT_THAT(BuildJobStatus(transformer).message(),
              HasSubstr("job.batch_size: a batch of 1 example would hold about"));
}

TEST_F(BuiltinJobLimits, ModelsWithinTheLimitBuild) {
  // 784 × 20000 + 20000 + 20000 × 10 + 10 = 15,900,010 parameters.
  nlohmann::json mlp = testing_util::SmallMlpJobJson();
  mlp["hidden"] = {20000};
  EXPECT_TRUE(BuildJobStatus(mlp).ok()) << BuildJobStatus(mlp).ToString();
  EXPECT_TRUE(BuildJobStatus(testing_util::SyntheticJobJson()).ok());
}

}  // namespace
}  // namespace veritrain
