#include "core/train/job_input_files.h"

#include <filesystem>

#include "core/train/dataset.h"
#include "core/train/job_files.h"

namespace veritrain {

namespace {

// `path` absolute (against the working directory when relative), normalised.
std::string AbsoluteJobInputPath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  if (ec) p = path;
  return p.lexically_normal().string();
}

// Appends the file unless `out` holds its path already.
void AddJobInputFile(std::vector<JobInputFile>* out, const std::string& what,
                     const std::string& field, const std::string& path) {
  if (path.empty()) return;
  const std::string absolute = AbsoluteJobInputPath(path);
  for (const JobInputFile& f : *out) {
    if (f.path == absolute) return;
  }
  out->push_back({what, field, absolute});
}

// The string field `key` of `j`, or `fallback` when absent or not a string.
std::string JobInputString(const nlohmann::json& j, const char* key,
                           const std::string& fallback = "") {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
    return fallback;
  }
  return j[key].get<std::string>();
}

// The four files of Fashion-MNIST in `dir`.
void AddFashionMnistFiles(std::vector<JobInputFile>* out,
                          const std::string& field, const std::string& dir) {
  for (bool train : {true, false}) {
    for (bool labels : {false, true}) {
      AddJobInputFile(out, "dataset file", field,
                      FashionMnistFile(dir, train, labels));
    }
  }
}

}  // namespace

std::vector<JobInputFile> DatasetSpecFiles(const nlohmann::json& spec,
                                           const std::string& field,
                                           const std::string& job_dir) {
  std::vector<JobInputFile> out;
  if (!spec.is_object()) return out;
  const std::string format = JobInputString(spec, "format");
  // The fields LoadDatasetSpec resolves (dataset_spec.cc), by format.
  std::vector<const char*> keys;
  if (format == "fashion-mnist") {
    const std::string dir = ResolveJobFileIn(
        job_dir, JobInputString(spec, "dir", kFashionMnistDefaultDir));
    AddFashionMnistFiles(&out, field + ".dir", dir);
  } else if (format == "idx" || format == "tensor") {
    keys = {"train_samples", "train_labels", "test_samples", "test_labels"};
  } else if (format == "csv") {
    keys = {"train", "test"};
  }
  for (const char* key : keys) {
    const std::string path = JobInputString(spec, key);
    if (path.empty()) continue;
    AddJobInputFile(&out, "dataset file", field + "." + key,
                    ResolveJobFileIn(job_dir, path));
  }
  return out;
}

std::vector<JobInputFile> JobInputFiles(const std::string& name,
                                        const nlohmann::json& params,
                                        const std::string& job_dir) {
  std::vector<JobInputFile> out;
  if (name == "synthetic" || name == "transformer") return out;
  if (name == "mlp" || name == "cnn") {
    AddFashionMnistFiles(
        &out, "job.dataset_dir",
        ResolveJobFileIn(job_dir,
                         JobInputString(params, "dataset_dir", kFashionMnistDefaultDir)));
    return out;
  }
  if (name == "torchscript") {
    const std::string model = JobInputString(params, "model");
    if (!model.empty()) {
      AddJobInputFile(&out, "model file", "job.model",
                      ResolveJobFileIn(job_dir, model));
    }
  }
  // torchscript, and plug-in jobs that take a dataset_spec.h "dataset".
  if (params.is_object() && params.contains("dataset")) {
    for (const JobInputFile& f :
         DatasetSpecFiles(params["dataset"], "job.dataset", job_dir)) {
      AddJobInputFile(&out, f.what, f.field, f.path);
    }
  }
  return out;
}

}  // namespace veritrain
