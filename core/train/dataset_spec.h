// The "dataset" field of jobs that take their data from files (the
// torchscript job, plug-in jobs): which loader, which files, how to scale.
//
// JSON, by format (file paths resolve as job_files.h says; "test" files
// are optional: without them the held-out set is the training set):
//
//   {"format": "fashion-mnist", "dir": "/usr/share/datasets/fashion-mnist"}
//   {"format": "idx", "train_samples": "train-images-idx3-ubyte.gz",
//    "train_labels": "...", "test_samples": "...", "test_labels": "...",
//    "scale": 1, "mean": 0, "std": 1}
//   {"format": "csv", "train": "train.csv", "test": "test.csv",
//    "label_column": -1, "header": "auto" | true | false, "delimiter": ","}
//   {"format": "tensor", "train_samples": "x.vtt", "train_labels": "y.vtt",
//    "test_samples": "...", "test_labels": "...", "scale": 1, "mean": 0,
//    "std": 1}
//   {"format": "synthetic", "features": 16, "classes": 4,
//    "train_size": 2048, "test_size": 512}
//
// Every format also takes "train_limit" and "test_limit" (keep the first N
// samples; 0 keeps all), except synthetic; test_limit needs test files.
// Unknown fields are rejected.
// See csv_loader.h, dataset_files.h and tensor_file.h for the file formats
// and what each sample's Merkle leaf covers.
// DatasetSpecFiles (job_input_files.h) lists the files of each format: a
// format or file field added here must be added there too.
//
// Thread-safety: pure functions (file reads aside).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/train/dataset.h"
#include "core/util/status.h"

namespace veritrain {

struct DatasetPair {
  Dataset train;
  Dataset test;  // the training set when the spec names no test files
  // The number of classes: 1 + the largest label of either set.
  int64_t classes = 0;
};

// Loads the datasets `j` describes. `path` names the field in errors
// ("job.dataset.format: unknown format 'x' (known: csv, fashion-mnist, idx,
// synthetic, tensor)"); file errors name the file. `data_seed` drives the
// synthetic format.
// REQUIRES: dtype is kFloat32 or kFloat64.
Result<DatasetPair> LoadDatasetSpec(const nlohmann::json& j,
                                    const std::string& path,
                                    uint64_t data_seed,
                                    torch::ScalarType dtype);

}  // namespace veritrain
