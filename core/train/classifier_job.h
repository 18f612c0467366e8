// Feed-forward classifier jobs: the built-in "mlp" and "synthetic" jobs,
// and the class behind them for other classification datasets.
//
// Model: features -> [Linear -> ReLU] per hidden size -> Linear -> classes,
// layers named fc1, relu1, fc2, relu2, ..., fc<n>; mean cross-entropy loss;
// Adam or SGD (see optimizer_config.h). Step graph, in order:
//   fc1.forward relu1.forward ... fc<n>.forward loss.forward loss.backward
//   fc<n>.backward ... relu1.backward fc1.backward
//   <opt>.fc1.weight <opt>.fc1.bias ... <opt>.fc<n>.bias
// Parameters are initialised as torch.nn.Linear does (uniform in
// ±1/sqrt(fan_in)), each tensor from SplitMix64 under
// DeriveSeed(init_seed, "<value name>") (rng.h), so the initial state is
// the same on every platform. The batch of step s holds the samples
// BatchIndices(data_seed, s, batch_size, training set size).
//
// Job fields (besides the common ones of job_config.h):
//   mlp:       hidden [128], optimizer, dataset_dir
//              ("/usr/share/datasets/fashion-mnist"), train_limit (0 = all
//              60000), test_limit (0 = all 10000).
//   synthetic: hidden [32], optimizer, features 16, classes 4,
//              train_size 2048, test_size 512 (see MakeSyntheticDataset);
//              test knobs slow_setup_ms, slow_test_ms (0; at most 600000):
//              building the job and its test pass compute for at least that
//              long (slow_job.h), to test what goes on meanwhile.
// Unknown fields are rejected, naming the field. DatasetRoot() commits to
// the training set as used (the first train_limit samples when limited).
//
// Thread-safety: the jobs are thread-compatible (const methods may run
// concurrently).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/train/dataset.h"
#include "core/train/job.h"
#include "core/train/layer_nodes.h"

namespace veritrain {

Result<std::unique_ptr<TrainingJob>> MakeMlpJob(const JobConfig& config);
Result<std::unique_ptr<TrainingJob>> MakeSyntheticJob(const JobConfig& config);

// A classifier job over given datasets, with `classes` output classes.
// InvalidArgument when a dataset is empty, their feature counts differ, or
// a label is outside [0, classes).
Result<std::unique_ptr<TrainingJob>> MakeClassifierJob(
    const JobConfig& config, const std::vector<int64_t>& hidden,
    int64_t classes, Dataset train, Dataset test);

// A classifier job over a given chain of layers (the first reads the
// [N, features] inputs, the last writes [N, classes] logits); the cnn job is
// one. Errors as MakeClassifierJob, and InvalidArgument when `layers` is
// empty or the chain does not form a valid step graph.
Result<std::unique_ptr<TrainingJob>> MakeLayeredClassifierJob(
    const JobConfig& config, std::vector<Layer> layers, int64_t classes,
    Dataset train, Dataset test);

}  // namespace veritrain
