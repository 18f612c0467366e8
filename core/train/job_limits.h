// Size limits of the built-in jobs: how large a model and a dataset a
// scenario may ask for.
//
// `veritrain check` builds the job to check it, and every role builds it
// again; a model of 235 million parameters ("hidden": [300000] on the mlp)
// took `check` 52 s and 5 GB. The limits keep every built-in job small
// enough to check in seconds and to train on a CPU, and each job tests them
// from its parameters before it allocates anything, with an error that
// names the field and the limit:
//   parameters   at most kMaxModelParameters (2^24 = 16,777,216: 64 MiB of
//                float32 per copy; an Adam step holds four copies)
//   data         at most kMaxDatasetValues (2^26 = 67,108,864 numbers over
//                the training and test sets: 256 MiB of float32)
//   layers       at most kMaxLayers hidden layers or conv blocks
//   batch        at most kMaxBatchBytes (2^28 = 256 MiB) of inputs and
//                activations in one step's batch, estimated as
//                job.batch_size × the values one example holds (its input,
//                every node's output and that output's gradient) × the
//                dtype's bytes. The schema lets job.batch_size reach 2^24,
//                and every example of a batch is drawn (epochs wrap), so
//                on the synthetic job a batch of 2^24 took `check` alone
//                past 15 GB. The built-in jobs estimate it from their
//                parameters; op jobs (TorchScript, a plug-in's ops) measure
//                one example's activations by running the model on it.
// Plug-in and TorchScript jobs bring their own model and data files; their
// size is the files'.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "core/util/status.h"

namespace veritrain {

inline constexpr int64_t kMaxModelParameters = int64_t{1} << 24;
inline constexpr int64_t kMaxDatasetValues = int64_t{1} << 26;
inline constexpr int64_t kMaxLayers = 256;
inline constexpr int64_t kMaxBatchBytes = int64_t{1} << 28;

// A count of parameters or values summed from products of sizes, saturated
// at the int64 maximum instead of overflowing (the sizes come from a
// scenario file and can be anything up to 2^63 - 1).
class SizeCount {
 public:
  // Adds a × b × c (each >= 0).
  void Add(int64_t a, int64_t b = 1, int64_t c = 1);
  int64_t value() const { return value_; }

 private:
  int64_t value_ = 0;
};

// InvalidArgument "job.hidden: the model would have 235,500,010 parameters,
// more than the limit of 16,777,216 ..." when `parameters` exceeds
// kMaxModelParameters; `fields` names what sets the size ("job.hidden").
Status CheckModelParameters(int64_t parameters, const std::string& fields);
// The same for the numbers in a job's training and test sets.
Status CheckDatasetValues(int64_t values, const std::string& fields);
// The same for a list of layers (`count` entries of `field`).
Status CheckLayerCount(int64_t count, const std::string& field);

// The bytes of one number of the job's dtype ("float64": 8, else 4).
int64_t DTypeBytes(const std::string& dtype);

// InvalidArgument "job.batch_size: a batch of 16,777,216 examples would
// hold about 22,548,578,304 bytes of inputs and activations (1,344 bytes
// an example, estimated from job.features, job.hidden, job.classes), more
// than the limit of 268,435,456 bytes; lower job.batch_size" when
// batch_size × values_per_example × element_bytes exceeds kMaxBatchBytes
// (saturating, like SizeCount). `fields` names what sets an example's size.
// REQUIRES: every count >= 0.
Status CheckBatchBytes(int64_t batch_size, int64_t values_per_example,
                       int64_t element_bytes, const std::string& fields);

// Rows of the test set a job's TestAccuracy evaluates at once: twice the
// training batch, at most kMaxTestChunkRows. A chunk then holds about
// what a training step's batch does (forward outputs only, of twice the
// rows), whatever a row's size: 1024 rows at a time made a transformer's
// (width 384, 16 tokens a row) MLP activations 100 MB each, and the
// evaluation after training was the solver's peak, 11 times its 42 MB
// state. REQUIRES: batch_size >= 1.
inline constexpr int64_t kMaxTestChunkRows = 1024;
int64_t TestChunkRows(int64_t batch_size);

}  // namespace veritrain
