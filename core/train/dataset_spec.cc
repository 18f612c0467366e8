#include "core/train/dataset_spec.h"

#include <torch/torch.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "core/train/csv_loader.h"
#include "core/train/dataset_files.h"
#include "core/train/job_files.h"
#include "core/train/json_fields.h"

namespace veritrain {

namespace {

constexpr int64_t kMaxLimit = int64_t{1} << 40;

struct Limits {
  int64_t train = 0;
  int64_t test = 0;
};

Status GetLimits(const nlohmann::json& j, const std::string& path,
                 Limits* out) {
  VT_RETURN_IF_ERROR(GetInt(j, "train_limit", path, 0, kMaxLimit, &out->train));
  return GetInt(j, "test_limit", path, 0, kMaxLimit, &out->test);
}

Status GetScaling(const nlohmann::json& j, const std::string& path,
                  FeatureScaling* out) {
  constexpr double kHuge = 1e300;
  VT_RETURN_IF_ERROR(GetDouble(j, "scale", path, 0.0, true, kHuge, &out->scale));
  VT_RETURN_IF_ERROR(GetDouble(j, "mean", path, -kHuge, false, kHuge, &out->mean));
  return GetDouble(j, "std", path, 0.0, true, kHuge, &out->std);
}

// A required file field, resolved.
Status GetFile(const nlohmann::json& j, const char* key,
               const std::string& path, std::string* out) {
  if (!j.contains(key)) {
    return Status::InvalidArgument(path + "." + key + " is required");
  }
  VT_RETURN_IF_ERROR(GetString(j, key, path, out));
  if (out->empty()) {
    return Status::InvalidArgument(path + "." + key + " is empty");
  }
  *out = ResolveJobFile(*out);
  return Status::Ok();
}

// Both test fields or neither.
Status GetTestFiles(const nlohmann::json& j, const char* samples_key,
                    const char* labels_key, const std::string& path,
                    std::string* samples, std::string* labels) {
  const bool has_samples = j.contains(samples_key);
  const bool has_labels = labels_key != nullptr && j.contains(labels_key);
  if (labels_key != nullptr && has_samples != has_labels) {
    return Status::InvalidArgument(path + ": give both " + samples_key +
                                   " and " + labels_key + ", or neither");
  }
  if (!has_samples) return Status::Ok();
  VT_RETURN_IF_ERROR(GetFile(j, samples_key, path, samples));
  if (labels_key != nullptr) {
    VT_RETURN_IF_ERROR(GetFile(j, labels_key, path, labels));
  }
  return Status::Ok();
}

// A test_limit with no test files would be ignored: the held-out set is
// then the training set, whose size train_limit sets.
Status RequireTestFilesForLimit(const nlohmann::json& j,
                                const std::string& path, bool has_test) {
  if (has_test || !j.contains("test_limit")) return Status::Ok();
  return Status::InvalidArgument(
      path + ".test_limit is set but the spec names no test files: the "
             "held-out set is then the training set (train_limit sizes it); "
             "name test files or remove test_limit");
}

int64_t MaxLabel(const Dataset& d) {
  return d.size() == 0 ? -1 : d.y.max().item<int64_t>();
}

Result<DatasetPair> Pair(Dataset train, std::optional<Dataset> test) {
  DatasetPair p;
  p.train = std::move(train);
  p.test = test ? std::move(*test) : p.train;
  p.classes = 1 + std::max(MaxLabel(p.train), MaxLabel(p.test));
  if (p.test.x.dim() != 2 || p.train.x.dim() != 2 ||
      p.test.x.size(1) != p.train.x.size(1)) {
    return Status::InvalidArgument(
        "the training and test samples have different numbers of features (" +
        std::to_string(p.train.x.size(1)) + " and " +
        std::to_string(p.test.x.size(1)) + ")");
  }
  // Zero features leave nothing to learn from: training would run, be
  // verified and report an accuracy, on no data at all.
  if (p.train.x.size(1) == 0) {
    return Status::InvalidArgument("the samples have no features (shape [" +
                                   std::to_string(p.train.x.size(0)) +
                                   ", 0]): a sample needs at least one");
  }
  return p;
}

Result<DatasetPair> LoadFashion(const nlohmann::json& j, const std::string& path,
                                torch::ScalarType dtype) {
  VT_RETURN_IF_ERROR(RejectUnknownFields(
      j, path, {"format", "dir", "train_limit", "test_limit"}));
  std::string dir = kFashionMnistDefaultDir;
  VT_RETURN_IF_ERROR(GetString(j, "dir", path, &dir));
  dir = ResolveJobFile(dir);
  Limits limits;
  VT_RETURN_IF_ERROR(GetLimits(j, path, &limits));
  VT_ASSIGN_OR_RETURN(FashionMnistSplits data,
                      LoadFashionMnistForJob(path + ".dir", dir, limits.train, limits.test, dtype));
  return Pair(std::move(data.train), std::move(data.test));
}

// "idx" and "tensor": samples and labels files.
Result<DatasetPair> LoadArrays(const nlohmann::json& j, const std::string& path,
                               bool idx, torch::ScalarType dtype) {
  VT_RETURN_IF_ERROR(RejectUnknownFields(
      j, path,
      {"format", "train_samples", "train_labels", "test_samples",
       "test_labels", "scale", "mean", "std", "train_limit", "test_limit"}));
  std::string train_x, train_y, test_x, test_y;
  VT_RETURN_IF_ERROR(GetFile(j, "train_samples", path, &train_x));
  VT_RETURN_IF_ERROR(GetFile(j, "train_labels", path, &train_y));
  VT_RETURN_IF_ERROR(
      GetTestFiles(j, "test_samples", "test_labels", path, &test_x, &test_y));
  FeatureScaling scaling;
  VT_RETURN_IF_ERROR(GetScaling(j, path, &scaling));
  Limits limits;
  VT_RETURN_IF_ERROR(GetLimits(j, path, &limits));
  VT_RETURN_IF_ERROR(RequireTestFilesForLimit(j, path, !test_x.empty()));
  auto load = [&](const std::string& x, const std::string& y, int64_t limit) {
    return idx ? LoadIdxDataset(x, y, limit, scaling, dtype)
               : LoadTensorFileDataset(x, y, limit, scaling, dtype);
  };
  VT_ASSIGN_OR_RETURN(Dataset train, load(train_x, train_y, limits.train));
  std::optional<Dataset> test;
  if (!test_x.empty()) {
    VT_ASSIGN_OR_RETURN(test, load(test_x, test_y, limits.test));
  }
  return Pair(std::move(train), std::move(test));
}

Result<DatasetPair> LoadCsv(const nlohmann::json& j, const std::string& path,
                            torch::ScalarType dtype) {
  VT_RETURN_IF_ERROR(RejectUnknownFields(
      j, path,
      {"format", "train", "test", "label_column", "header", "delimiter",
       "train_limit", "test_limit"}));
  std::string train_path, test_path, unused;
  VT_RETURN_IF_ERROR(GetFile(j, "train", path, &train_path));
  VT_RETURN_IF_ERROR(GetTestFiles(j, "test", nullptr, path, &test_path, &unused));
  CsvOptions options;
  VT_RETURN_IF_ERROR(GetInt(j, "label_column", path, -(int64_t{1} << 20),
                            int64_t{1} << 20, &options.label_column));
  if (j.contains("header")) {
    const nlohmann::json& h = j["header"];
    if (h.is_boolean()) {
      options.header = h.get<bool>() ? CsvHeader::kPresent : CsvHeader::kAbsent;
    } else if (!(h.is_string() && h.get<std::string>() == "auto")) {
      return Status::InvalidArgument(path +
                                     ".header must be true, false or \"auto\"");
    }
  }
  std::string delimiter = ",";
  VT_RETURN_IF_ERROR(GetString(j, "delimiter", path, &delimiter));
  if (delimiter.size() != 1 || delimiter == "\n" || delimiter == "\r") {
    return Status::InvalidArgument(path +
                                   ".delimiter must be one character, not a "
                                   "line end");
  }
  options.delimiter = delimiter[0];
  Limits limits;
  VT_RETURN_IF_ERROR(GetLimits(j, path, &limits));
  VT_RETURN_IF_ERROR(RequireTestFilesForLimit(j, path, !test_path.empty()));
  options.limit = limits.train;
  VT_ASSIGN_OR_RETURN(Dataset train, LoadCsvDataset(train_path, options, dtype));
  std::optional<Dataset> test;
  if (!test_path.empty()) {
    options.limit = limits.test;
    VT_ASSIGN_OR_RETURN(test, LoadCsvDataset(test_path, options, dtype));
  }
  return Pair(std::move(train), std::move(test));
}

Result<DatasetPair> LoadSynthetic(const nlohmann::json& j,
                                  const std::string& path, uint64_t data_seed,
                                  torch::ScalarType dtype) {
  VT_RETURN_IF_ERROR(RejectUnknownFields(
      j, path, {"format", "features", "classes", "train_size", "test_size"}));
  SyntheticSpec spec;
  constexpr int64_t kMax = int64_t{1} << 24;
  VT_RETURN_IF_ERROR(GetInt(j, "features", path, 1, 4096, &spec.features));
  VT_RETURN_IF_ERROR(GetInt(j, "classes", path, 2, 4096, &spec.classes));
  VT_RETURN_IF_ERROR(GetInt(j, "train_size", path, 1, kMax, &spec.train_size));
  VT_RETURN_IF_ERROR(GetInt(j, "test_size", path, 1, kMax, &spec.test_size));
  DatasetPair p;
  p.train = MakeSyntheticDataset(spec, data_seed, true, dtype);
  p.test = MakeSyntheticDataset(spec, data_seed, false, dtype);
  p.classes = spec.classes;
  return p;
}

}  // namespace

Result<DatasetPair> LoadDatasetSpec(const nlohmann::json& j,
                                    const std::string& path, uint64_t data_seed,
                                    torch::ScalarType dtype) {
  VT_RETURN_IF_ERROR(RequireObject(j, path));
  std::string format;
  if (!j.contains("format")) {
    return Status::InvalidArgument(path + ".format is required");
  }
  VT_RETURN_IF_ERROR(GetString(j, "format", path, &format));
  try {
    if (format == "fashion-mnist") return LoadFashion(j, path, dtype);
    if (format == "idx") return LoadArrays(j, path, true, dtype);
    if (format == "tensor") return LoadArrays(j, path, false, dtype);
    if (format == "csv") return LoadCsv(j, path, dtype);
    if (format == "synthetic") return LoadSynthetic(j, path, data_seed, dtype);
  } catch (const std::exception& e) {
    return Status::Internal(path + ": " + e.what());
  }
  return Status::InvalidArgument(path + ".format: unknown format '" + format +
                                 "' (known: csv, fashion-mnist, idx, "
                                 "synthetic, tensor)");
}

}  // namespace veritrain
