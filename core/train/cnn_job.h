// The built-in "cnn" job: a small convolutional classifier on
// Fashion-MNIST, trained as a step graph like the mlp (classifier_job.h).
//
// Model, for channels [c1, ..., cn], kernel k and hidden [h1, ..., hm]:
//   conv1 (1 -> c1, k x k, on the 28 x 28 image) -> relu_c1 -> pool1 (2 x 2)
//   -> ... -> conv<n> -> relu_c<n> -> pool<n> -> flatten
//   -> fc1 -> relu1 -> ... -> fc<m+1> (10 classes)
// Mean cross-entropy loss; Adam or SGD (optimizer_config.h). Parameters are
// initialised as torch.nn.Conv2d and torch.nn.Linear do (uniform in
// ±1/sqrt(fan_in)), from the project's generator, so the initial state is
// the same on every platform. Batches and the dataset commitment are the
// mlp's.
//
// Job fields (besides the common ones of job_config.h): channels [8, 16],
// kernel 5, hidden [64], optimizer, dataset_dir
// ("/usr/share/datasets/fashion-mnist"), train_limit (0 = all 60000),
// test_limit (0 = all 10000). Unknown fields are rejected, naming the
// field; so is a shape that does not fit the 28 x 28 image.
//
// Thread-safety: as classifier jobs (thread-compatible).
#pragma once

#include <memory>

#include "core/train/job.h"

namespace veritrain {

Result<std::unique_ptr<TrainingJob>> MakeCnnJob(const JobConfig& config);

}  // namespace veritrain
