// The files a job reads, as its fields name them: what a run's results
// depend on besides the scenario's text (a sweep records their SHA-256 so
// that --resume and merge can tell when they changed; see
// scenarios/sweep/sweep_inputs.h).
//
//   mlp, cnn      the four Fashion-MNIST files in dataset_dir (default
//                 /usr/share/datasets/fashion-mnist; used as written: these
//                 jobs do not resolve it against the job file directory)
//   torchscript   model, and the files of dataset (dataset_spec.h)
//   plug-in jobs  the files of dataset, when they take one as
//                 dataset_spec.h describes it; other files a plug-in reads
//                 on its own are not known here
//   synthetic, transformer: none
//
// Paths are resolved as the job resolves them (job_files.h), against the
// directory given rather than the process's, and made absolute.
//
// Thread-safety: pure functions (no file is read).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace veritrain {

struct JobInputFile {
  std::string what;   // "model file", "dataset file", "plug-in library"
  std::string field;  // where the scenario names it: "job.model",
                      // "job.dataset.train", "plugins"
  std::string path;   // absolute
};

// The files the job `name` with fields `params` (the scenario's job.params)
// reads when relative paths resolve against `job_dir` ("" for the working
// directory), in field order, each once. Fields of the wrong type or
// missing required ones add nothing: making the job refuses those.
std::vector<JobInputFile> JobInputFiles(const std::string& name,
                                        const nlohmann::json& params,
                                        const std::string& job_dir);

// The files a "dataset" object (dataset_spec.h) names, resolved as
// LoadDatasetSpec resolves them; `field` is its place ("job.dataset").
// Nothing for the synthetic format, an unknown one, or a value that is not
// an object.
std::vector<JobInputFile> DatasetSpecFiles(const nlohmann::json& spec,
                                           const std::string& field,
                                           const std::string& job_dir);

}  // namespace veritrain
