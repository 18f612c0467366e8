#include "core/train/dataset.h"

#include <torch/torch.h>

#include <sys/stat.h>

#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

#include "core/train/dataset_cache.h"
#include "core/train/dataset_commitment.h"
#include "core/train/dataset_files.h"
#include "core/train/idx.h"
#include "core/train/rng.h"

namespace veritrain {

namespace {

constexpr int64_t kPixels = 28 * 28;
// The training set's pixel mean and standard deviation after scaling to
// [0, 1] (the values commonly used for Fashion-MNIST).
constexpr double kMean = 0.2860;
constexpr double kStd = 0.3530;

}  // namespace

namespace {

// Fashion-MNIST as loaded, remembered by the process: building a job for
// another seed (calibration builds one per calibration seed; an in-process
// sweep one per run) does not decode the files again. Keyed by what was
// asked and by the files' size and modification time; a few entries at
// most. The tensors are never modified in place by their users.
struct LoadKey {
  std::string files;  // paths, sizes and mtimes
  int64_t limit = 0;
  int dtype = 0;
  bool operator<(const LoadKey& o) const {
    return std::tie(files, limit, dtype) < std::tie(o.files, o.limit, o.dtype);
  }
};

std::string FileStamp(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return path + "|missing";
  return path + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

std::mutex loaded_mutex;
std::map<LoadKey, Dataset>& Loaded() {
  static auto* loaded = new std::map<LoadKey, Dataset>();
  return *loaded;
}
constexpr size_t kMaxLoaded = 4;

Result<Dataset> ReadFashionMnist(const std::string& dir, bool train, int64_t limit,
                                 torch::ScalarType dtype);

// What ReadFashionMnist computes, for the cache's key: bump the version
// whenever that changes (scaling, leaf contents, label checks).
// fashion-mnist/2: refuses a gzip file cut inside its trailer (a /1 entry
// may have been decoded from one).
constexpr const char* kFashionMnistDecoder = "fashion-mnist/2";

}  // namespace

std::string FashionMnistFile(const std::string& dir, bool train, bool labels) {
  return dir + "/" + (train ? "train" : "t10k") +
         (labels ? "-labels-idx1-ubyte.gz" : "-images-idx3-ubyte.gz");
}

Result<FashionMnistSplits> LoadFashionMnistForJob(const std::string& field,
                                                  const std::string& dir, int64_t train_limit,
                                                  int64_t test_limit, torch::ScalarType dtype) {
  const std::string where = field + " '" + dir + "'";
  auto train = LoadFashionMnist(dir, /*train=*/true, train_limit, dtype);
  if (!train.ok()) return train.status().WithContext(where);
  auto test = LoadFashionMnist(dir, /*train=*/false, test_limit, dtype);
  if (!test.ok()) return test.status().WithContext(where);
  return FashionMnistSplits{std::move(*train), std::move(*test)};
}

Result<Dataset> LoadFashionMnist(const std::string& dir, bool train,
                                 int64_t limit, torch::ScalarType dtype) {
  const std::string images = FashionMnistFile(dir, train, /*labels=*/false);
  const std::string labels = FashionMnistFile(dir, train, /*labels=*/true);
  const LoadKey key{FileStamp(images) + "\n" + FileStamp(labels), limit,
                    static_cast<int>(dtype)};
  {
    std::lock_guard<std::mutex> lock(loaded_mutex);
    auto it = Loaded().find(key);
    if (it != Loaded().end()) return it->second;
  }
  // The whole set through the decoded-dataset cache, cut to `limit`. A
  // set whose whole decode fails may still have `limit` good samples (a
  // file cut short after them): read as before, the error is then the
  // file's own.
  const std::string cache_dir = DatasetCacheDir();
  Result<Dataset> read = Status::Unavailable("not read");
  if (cache_dir.empty()) {
    read = ReadFashionMnist(dir, train, limit, dtype);
  } else {
    read = LoadThroughCache(cache_dir,
                            DatasetCacheKey{kFashionMnistDecoder, {}, dtype, {images, labels}},
                            [&] { return ReadFashionMnist(dir, train, 0, dtype); });
    if (read.ok()) {
      read = FirstSamples(*read, limit);
    } else if (limit > 0) {
      read = ReadFashionMnist(dir, train, limit, dtype);
    }
  }
  VT_ASSIGN_OR_RETURN(Dataset d, std::move(read));
  std::lock_guard<std::mutex> lock(loaded_mutex);
  if (Loaded().size() >= kMaxLoaded) Loaded().erase(Loaded().begin());
  Loaded().emplace(key, d);
  return d;
}

void ForgetLoadedDatasets() {
  std::lock_guard<std::mutex> lock(loaded_mutex);
  Loaded().clear();
}

namespace {

Result<Dataset> ReadFashionMnist(const std::string& dir, bool train, int64_t limit,
                                 torch::ScalarType dtype) {
  const std::string prefix = dir + "/" + (train ? "train" : "t10k");
  const std::string images_path = FashionMnistFile(dir, train, /*labels=*/false);
  const std::string labels_path = FashionMnistFile(dir, train, /*labels=*/true);
  VT_ASSIGN_OR_RETURN(IdxArray images, ReadIdx(images_path, limit));
  VT_ASSIGN_OR_RETURN(IdxArray labels, ReadIdx(labels_path, limit));
  if (images.type != 0x08 || images.dims.size() != 3 ||
      images.dims[1] * images.dims[2] != kPixels) {
    return Status::Corruption(images_path +
                              ": expected u8 images of 28x28 pixels");
  }
  if (labels.type != 0x08 || labels.dims.size() != 1) {
    return Status::Corruption(labels_path + ": expected a u8 vector");
  }
  // The files' own counts, so that a limit does not hide a mismatch.
  if (labels.file_items != images.file_items) {
    return Status::Corruption(labels_path + ": " + std::to_string(labels.file_items) +
                              " labels for the " + std::to_string(images.file_items) +
                              " images of " + images_path);
  }
  const int64_t n = images.dims[0];
  for (int64_t i = 0; i < n; ++i) {
    const auto label = static_cast<uint8_t>(labels.data[i]);
    if (label >= kFashionMnistClasses) {
      return Status::Corruption(labels_path + ": label " +
                                std::to_string(label) + " of sample " +
                                std::to_string(i) + " is not in 0..9");
    }
  }
  std::vector<Digest> leaves =
      SampleLeafHashes(labels.data, 1, images.data,
                       static_cast<size_t>(kPixels), static_cast<size_t>(n));
  try {
    auto u8 = torch::TensorOptions().dtype(torch::kUInt8);
    torch::Tensor pixels =
        torch::from_blob(images.data.data(), {n, kPixels}, u8);
    // Elementwise ops only: the same bits at any thread count.
    torch::Tensor x = pixels.to(dtype).div(255.0).sub(kMean).div(kStd);
    torch::Tensor y =
        torch::from_blob(labels.data.data(), {n}, u8).to(torch::kInt64);
    return DatasetFromLeaves(x.contiguous(), y.contiguous(), std::move(leaves));
  } catch (const std::exception& e) {
    return Status::Internal(prefix + ": converting to tensors: " + e.what());
  }
}

}  // namespace

Dataset MakeSyntheticDataset(const SyntheticSpec& spec, uint64_t data_seed,
                             bool train, torch::ScalarType dtype) {
  const int64_t f = spec.features;
  const int64_t c = spec.classes;
  const int64_t n = train ? spec.train_size : spec.test_size;

  SplitMix64 teacher_rng(DeriveSeed(data_seed, "teacher"));
  std::vector<double> w(static_cast<size_t>(c * f));
  std::vector<double> b(static_cast<size_t>(c));
  for (double& v : w) v = teacher_rng.Uniform(-1.0, 1.0);
  for (double& v : b) v = teacher_rng.Uniform(-1.0, 1.0);

  SplitMix64 rng(DeriveSeed(data_seed, train ? "train" : "test"));
  std::vector<double> x(static_cast<size_t>(n * f));
  std::vector<int64_t> y(static_cast<size_t>(n));
  std::string label_bytes;
  std::string feature_bytes;
  for (int64_t i = 0; i < n; ++i) {
    double* xi = &x[static_cast<size_t>(i * f)];
    for (int64_t k = 0; k < f; ++k) xi[k] = rng.Uniform(-1.0, 1.0);
    int64_t best = 0;
    double best_score = 0.0;
    for (int64_t cls = 0; cls < c; ++cls) {
      double s = b[static_cast<size_t>(cls)];
      for (int64_t k = 0; k < f; ++k)
        s += w[static_cast<size_t>(cls * f + k)] * xi[k];
      if (cls == 0 || s > best_score) {
        best = cls;
        best_score = s;
      }
    }
    y[static_cast<size_t>(i)] = best;
    AppendLittleEndian(&label_bytes, &best, sizeof(best));
  }
  AppendLittleEndian(&feature_bytes, x.data(), x.size() * sizeof(double));
  std::vector<Digest> leaves = SampleLeafHashes(
      label_bytes, sizeof(int64_t), feature_bytes,
      static_cast<size_t>(f) * sizeof(double), static_cast<size_t>(n));
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  torch::Tensor xt = torch::from_blob(x.data(), {n, f}, f64).clone().to(dtype);
  torch::Tensor yt =
      torch::from_blob(y.data(), {n},
                       torch::TensorOptions().dtype(torch::kInt64))
          .clone();
  return DatasetFromLeaves(xt.contiguous(), yt, std::move(leaves));
}

}  // namespace veritrain
