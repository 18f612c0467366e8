#include "core/train/sequence_task.h"

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "core/train/dataset_commitment.h"
#include "core/train/dataset_files.h"
#include "core/train/rng.h"

namespace veritrain {

Dataset MakeSequenceDataset(const SequenceTaskSpec& spec, uint64_t data_seed,
                            bool train) {
  const int64_t n = train ? spec.train_size : spec.test_size;
  const int64_t len = spec.seq_len;
  const int64_t half = len / 2;
  SplitMix64 rng(DeriveSeed(data_seed, train ? "sequences/train" : "sequences/test"));
  std::vector<int64_t> x(static_cast<size_t>(n * len));
  std::vector<int64_t> y(static_cast<size_t>(n * len), -100);
  const auto draw = static_cast<uint64_t>(spec.vocab - 1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t* xi = &x[static_cast<size_t>(i * len)];
    int64_t* yi = &y[static_cast<size_t>(i * len)];
    for (int64_t t = 0; t < half; ++t) {
      xi[t] = 1 + static_cast<int64_t>(rng.Below(draw));
      xi[t + half] = xi[t];
    }
    for (int64_t t = half - 1; t + 1 < len; ++t) yi[t] = xi[t + 1];
  }
  std::string label_bytes, feature_bytes;
  AppendLittleEndian(&label_bytes, y.data(), y.size() * sizeof(int64_t));
  AppendLittleEndian(&feature_bytes, x.data(), x.size() * sizeof(int64_t));
  const size_t row = static_cast<size_t>(len) * sizeof(int64_t);
  std::vector<Digest> leaves = SampleLeafHashes(label_bytes, row, feature_bytes,
                                                row, static_cast<size_t>(n));
  auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  torch::Tensor xt = torch::from_blob(x.data(), {n, len}, i64).clone();
  torch::Tensor yt = torch::from_blob(y.data(), {n, len}, i64).clone();
  return DatasetFromLeaves(std::move(xt), std::move(yt), std::move(leaves));
}

}  // namespace veritrain
