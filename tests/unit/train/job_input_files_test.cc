// Tests for the list of files a job reads: each job's file fields, resolved
// as the job resolves them, each file once.
#include "core/train/job_input_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace veritrain {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using json = nlohmann::json;

std::vector<std::string> Paths(const std::vector<JobInputFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.path);
  return out;
}

std::vector<std::string> Fields(const std::vector<JobInputFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.field);
  return out;
}

TEST(JobInputFilesTest, TorchScriptReadsItsModelAndDatasetFiles) {
  const json params = {{"model", "models/m.pt"},
                       {"dataset",
                        {{"format", "idx"},
                         {"train_samples", "x.idx"},
                         {"train_labels", "/data/y.idx"},
                         {"test_samples", "tx.idx"},
                         {"test_labels", "ty.idx"}}}};
  const auto files = JobInputFiles("torchscript", params, "/srv/sc");
  EXPECT_THAT(Paths(files),
              ElementsAre("/srv/sc/models/m.pt", "/srv/sc/x.idx", "/data/y.idx",
                          "/srv/sc/tx.idx", "/srv/sc/ty.idx"));
  EXPECT_THAT(
      Fields(files),
      ElementsAre("job.model", "job.dataset.train_samples",
                  "job.dataset.train_labels", "job.dataset.test_samples",
                  "job.dataset.test_labels"));
  EXPECT_EQ(files[0].what, "model file");
  EXPECT_EQ(files[1].what, "dataset file");
}

TEST(JobInputFilesTest, EveryDatasetFormatThatReadsFilesListsThem) {
  EXPECT_THAT(Paths(DatasetSpecFiles(
                  {{"format", "csv"}, {"train", "a.csv"}, {"test", "b.csv"}},
                  "job.dataset", "/d")),
              ElementsAre("/d/a.csv", "/d/b.csv"));
  EXPECT_THAT(Paths(DatasetSpecFiles({{"format", "tensor"},
                                      {"train_samples", "x.vtt"},
                                      {"train_labels", "y.vtt"}},
                                     "job.dataset", "/d")),
              ElementsAre("/d/x.vtt", "/d/y.vtt"));
  EXPECT_THAT(
      Paths(DatasetSpecFiles({{"format", "fashion-mnist"}, {"dir", "fm"}},
                             "job.dataset", "/d")),
      ElementsAre("/d/fm/train-images-idx3-ubyte.gz",
                  "/d/fm/train-labels-idx1-ubyte.gz",
                  "/d/fm/t10k-images-idx3-ubyte.gz",
                  "/d/fm/t10k-labels-idx1-ubyte.gz"));
  EXPECT_EQ(Paths(DatasetSpecFiles({{"format", "fashion-mnist"}}, "job.dataset",
                                   "/d"))
                .front(),
            "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
  EXPECT_THAT(DatasetSpecFiles({{"format", "synthetic"}, {"features", 4}},
                               "job.dataset", "/d"),
              IsEmpty());
  EXPECT_THAT(DatasetSpecFiles("x.csv", "job.dataset", "/d"), IsEmpty());
}

TEST(JobInputFilesTest, BuiltInFashionMnistJobsReadTheirDirectoryFromTheScenarios) {
  const auto files = JobInputFiles("mlp", {{"dataset_dir", "/fm"}}, "/srv/sc");
  EXPECT_THAT(Paths(files), ElementsAre("/fm/train-images-idx3-ubyte.gz",
                                        "/fm/train-labels-idx1-ubyte.gz",
                                        "/fm/t10k-images-idx3-ubyte.gz",
                                        "/fm/t10k-labels-idx1-ubyte.gz"));
  EXPECT_EQ(files[0].field, "job.dataset_dir");
  // Relative: against the scenario's folder, as every other job file (it
  // was the working directory, so that one scenario read other data from
  // elsewhere).
  const auto relative = JobInputFiles("cnn", {{"dataset_dir", "fm"}}, "/srv");
  EXPECT_EQ(relative[0].path, "/srv/fm/train-images-idx3-ubyte.gz");
  EXPECT_EQ(JobInputFiles("mlp", json::object(), "")[0].path,
            "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
}

TEST(JobInputFilesTest, JobsWithoutFilesAndPluginJobsDatasets) {
  EXPECT_THAT(JobInputFiles("synthetic", {{"dataset_dir", "/x"}}, "/d"),
              IsEmpty());
  EXPECT_THAT(JobInputFiles("transformer", json::object(), "/d"), IsEmpty());
  // A plug-in job: its dataset_spec.h "dataset", not a "model" it may mean
  // otherwise.
  EXPECT_THAT(Paths(JobInputFiles(
                  "example-rings",
                  {{"model", "m.pt"},
                   {"dataset", {{"format", "csv"}, {"train", "r.csv"}}}},
                  "/d")),
              ElementsAre("/d/r.csv"));
}

TEST(JobInputFilesTest, AFileNamedTwiceIsListedOnce) {
  const json params = {
      {"model", "m.pt"},
      {"dataset",
       {{"format", "csv"}, {"train", "data.csv"}, {"test", "./data.csv"}}}};
  EXPECT_THAT(Paths(JobInputFiles("torchscript", params, "/d")),
              ElementsAre("/d/m.pt", "/d/data.csv"));
}

}  // namespace
}  // namespace veritrain
