#include "core/train/dataset_files.h"

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <utility>

#include "core/crypto/merkle.h"
#include "core/state/atomic_file.h"
#include "core/train/dataset_cache.h"
#include "core/train/dataset_commitment.h"
#include "core/train/idx.h"
#include "core/train/tensor_file.h"
#include "core/train/torch_bridge.h"

namespace veritrain {

namespace {

// Big-endian element i of an IDX array as a double.
double IdxValue(const IdxArray& a, int64_t i) {
  const size_t size = IdxTypeSize(a.type);
  const auto* p =
      reinterpret_cast<const uint8_t*>(a.data.data()) + static_cast<size_t>(i) * size;
  uint64_t bits = 0;
  for (size_t k = 0; k < size; ++k) bits = (bits << 8) | p[k];
  switch (a.type) {
    case 0x08:
      return static_cast<double>(static_cast<uint8_t>(bits));
    case 0x09:
      return static_cast<double>(static_cast<int8_t>(bits));
    case 0x0B:
      return static_cast<double>(static_cast<int16_t>(bits));
    case 0x0C:
      return static_cast<double>(static_cast<int32_t>(bits));
    case 0x0D: {
      const auto u = static_cast<uint32_t>(bits);
      float f;
      std::memcpy(&f, &u, sizeof(f));
      return static_cast<double>(f);
    }
    default: {
      double d;
      std::memcpy(&d, &bits, sizeof(d));
      return d;
    }
  }
}

bool IsIntegerIdxType(uint8_t type) {
  return type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C;
}

torch::Tensor Scale(torch::Tensor x, const FeatureScaling& s) {
  if (s.scale == 1.0 && s.mean == 0.0 && s.std == 1.0) return x;
  return x.div(s.scale).sub(s.mean).div(s.std);
}

Status CheckLabels(const std::vector<int64_t>& labels,
                   const std::string& path) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) {
      return Status::Corruption(path + ": label " + std::to_string(labels[i]) +
                                " of sample " + std::to_string(i) +
                                " is negative");
    }
  }
  return Status::Ok();
}

// `labels` and `samples` are the files' own counts, not the counts kept
// under a limit: a labels file that belongs to other samples is refused
// whatever the limit.
Status CheckCounts(int64_t labels, int64_t samples, const std::string& labels_path,
                   const std::string& samples_path) {
  if (labels != samples) {
    return Status::Corruption(labels_path + ": " + std::to_string(labels) +
                              " labels for the " + std::to_string(samples) +
                              " samples of " + samples_path);
  }
  if (samples == 0) return Status::Corruption(samples_path + ": no samples");
  return Status::Ok();
}

template <typename T>
std::optional<std::pair<int64_t, int64_t>> FirstNonFiniteOf(const torch::Tensor& x) {
  const T* p = x.data_ptr<T>();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(p[i])) {
      const int64_t features = x.size(1);
      return std::make_pair(i / features, i % features);
    }
  }
  return std::nullopt;
}

// Refuses a dataset with a value that is not finite in the job's dtype
// (NaN or inf stored, a value beyond the dtype's range, or one scaled out
// of it): training on it gives NaN, which no check after would see as an
// input error.
Status CheckFinite(const torch::Tensor& x, const std::string& samples_path) {
  const auto bad = FirstNonFinite(x);
  if (!bad) return Status::Ok();
  const double value = x[bad->first][bad->second].item<double>();
  return Status::Corruption(samples_path + ": sample " + std::to_string(bad->first) +
                            ", feature " + std::to_string(bad->second) + " is " +
                            (std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf") +
                            " as " + DTypeNameOf(x.scalar_type()) +
                            " (after scaling): training data must be finite");
}

}  // namespace

std::optional<std::pair<int64_t, int64_t>> FirstNonFinite(const torch::Tensor& x) {
  if (x.numel() == 0) return std::nullopt;
  if (x.scalar_type() == torch::kFloat64) return FirstNonFiniteOf<double>(x);
  return FirstNonFiniteOf<float>(x);
}

const char* DTypeNameOf(torch::ScalarType dtype) {
  return dtype == torch::kFloat64 ? "float64" : "float32";
}

void AppendLittleEndian(std::string* out, const void* value, size_t size) {
  out->append(static_cast<const char*>(value), size);
}

Dataset DatasetFromLeaves(torch::Tensor x, torch::Tensor y,
                          std::vector<Digest> leaves) {
  Dataset d;
  d.x = std::move(x);
  d.y = std::move(y);
  auto tree = std::make_shared<const MerkleTree>(std::move(leaves));
  d.root = tree->root();
  d.tree = std::move(tree);
  return d;
}

Dataset FirstSamples(const Dataset& d, int64_t limit) {
  if (limit == 0 || limit >= d.size()) return d;
  std::vector<Digest> leaves(static_cast<size_t>(limit));
  for (size_t i = 0; i < leaves.size(); ++i) leaves[i] = d.tree->leaf(i);
  return DatasetFromLeaves(d.x.narrow(0, 0, limit), d.y.narrow(0, 0, limit), std::move(leaves));
}

namespace {

// What DecodeIdxDataset computes, for the cache's key: bump the version
// whenever that changes.
// idx/2: refuses values that are not finite (an idx/1 entry may hold them).
// idx/3: refuses a gzip file cut inside its trailer.
constexpr const char* kIdxDecoder = "idx/3";

Result<Dataset> DecodeIdxDataset(const std::string& samples_path,
                                 const std::string& labels_path, int64_t limit,
                                 const FeatureScaling& scaling,
                                 torch::ScalarType dtype) {
  VT_ASSIGN_OR_RETURN(IdxArray samples, ReadIdx(samples_path, limit));
  VT_ASSIGN_OR_RETURN(IdxArray labels, ReadIdx(labels_path, limit));
  if (labels.dims.size() != 1 || !IsIntegerIdxType(labels.type)) {
    return Status::Corruption(labels_path +
                              ": labels must be a vector of integers "
                              "(IDX type u8, i8, i16 or i32)");
  }
  VT_RETURN_IF_ERROR(
      CheckCounts(labels.file_items, samples.file_items, labels_path, samples_path));
  const int64_t n = samples.dims[0];
  const int64_t features = n == 0 ? 0 : samples.numel() / n;
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    y[static_cast<size_t>(i)] = static_cast<int64_t>(IdxValue(labels, i));
  }
  VT_RETURN_IF_ERROR(CheckLabels(y, labels_path));
  std::vector<Digest> leaves = SampleLeafHashes(
      labels.data, IdxTypeSize(labels.type), samples.data,
      static_cast<size_t>(features) * IdxTypeSize(samples.type),
      static_cast<size_t>(n));
  try {
    torch::Tensor x;
    if (samples.type == 0x08) {
      // Straight from the bytes, as LoadFashionMnist does.
      auto u8 = torch::TensorOptions().dtype(torch::kUInt8);
      x = torch::from_blob(samples.data.data(), {n, features}, u8).to(dtype);
    } else {
      std::vector<double> v(static_cast<size_t>(n * features));
      for (int64_t i = 0; i < n * features; ++i) {
        v[static_cast<size_t>(i)] = IdxValue(samples, i);
      }
      auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
      x = torch::from_blob(v.data(), {n, features}, f64)
              .to(dtype, /*non_blocking=*/false, /*copy=*/true);
    }
    x = Scale(x, scaling).contiguous();
    VT_RETURN_IF_ERROR(CheckFinite(x, samples_path));
    torch::Tensor yt =
        torch::from_blob(y.data(), {n}, torch::TensorOptions().dtype(torch::kInt64))
            .clone();
    return DatasetFromLeaves(std::move(x), std::move(yt), std::move(leaves));
  } catch (const std::exception& e) {
    return Status::Internal(samples_path + ": converting to tensors: " +
                            e.what());
  }
}

}  // namespace

Result<Dataset> LoadIdxDataset(const std::string& samples_path,
                               const std::string& labels_path, int64_t limit,
                               const FeatureScaling& scaling,
                               torch::ScalarType dtype) {
  // As LoadFashionMnist does: the whole set through the cache, cut to
  // `limit`; read as before when the whole set does not decode.
  const nlohmann::json params = {
      {"scale", scaling.scale}, {"mean", scaling.mean}, {"std", scaling.std}};
  const std::string cache_dir = DatasetCacheDir();
  if (cache_dir.empty()) return DecodeIdxDataset(samples_path, labels_path, limit, scaling, dtype);
  Result<Dataset> whole = LoadThroughCache(
      cache_dir, DatasetCacheKey{kIdxDecoder, params, dtype, {samples_path, labels_path}},
      [&] { return DecodeIdxDataset(samples_path, labels_path, 0, scaling, dtype); });
  if (whole.ok()) return FirstSamples(*whole, limit);
  if (limit > 0) return DecodeIdxDataset(samples_path, labels_path, limit, scaling, dtype);
  return whole;
}

Result<Dataset> LoadTensorFileDataset(const std::string& samples_path,
                                      const std::string& labels_path,
                                      int64_t limit,
                                      const FeatureScaling& scaling,
                                      torch::ScalarType dtype) {
  // Each file is read whole anyway: decode it whole for its count, and
  // again (a view of the same bytes) for the first `limit` entries.
  VT_ASSIGN_OR_RETURN(Bytes samples_bytes, ReadFileBytes(samples_path));
  VT_ASSIGN_OR_RETURN(Bytes labels_bytes, ReadFileBytes(labels_path));
  VT_ASSIGN_OR_RETURN(TensorData samples, DecodeTensorFile(samples_bytes, samples_path));
  VT_ASSIGN_OR_RETURN(TensorData labels, DecodeTensorFile(labels_bytes, labels_path));
  switch (samples.dtype) {
    case DType::kFloat32:
    case DType::kFloat64:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kUInt8:
      break;
    default:
      return Status::Corruption(samples_path + ": samples of dtype " +
                                DTypeName(samples.dtype) +
                                " are not supported (f32, f64, i32, i64, u8)");
  }
  if (labels.shape.size() != 1 ||
      (labels.dtype != DType::kUInt8 && labels.dtype != DType::kInt32 &&
       labels.dtype != DType::kInt64)) {
    return Status::Corruption(labels_path +
                              ": labels must be a vector of integers "
                              "(dtype u8, i32 or i64)");
  }
  VT_RETURN_IF_ERROR(
      CheckCounts(labels.shape[0], samples.shape[0], labels_path, samples_path));
  if (limit > 0 && limit < samples.shape[0]) {
    VT_ASSIGN_OR_RETURN(samples, DecodeTensorFile(samples_bytes, samples_path, limit));
    VT_ASSIGN_OR_RETURN(labels, DecodeTensorFile(labels_bytes, labels_path, limit));
  }
  const int64_t n = samples.shape[0];
  const int64_t features = samples.numel() / n;
  VT_ASSIGN_OR_RETURN(torch::Tensor xs, FromTensorData(samples));
  VT_ASSIGN_OR_RETURN(torch::Tensor ys, FromTensorData(labels));
  try {
    torch::Tensor y = ys.to(torch::kInt64).contiguous();
    std::vector<int64_t> yv(y.data_ptr<int64_t>(), y.data_ptr<int64_t>() + n);
    VT_RETURN_IF_ERROR(CheckLabels(yv, labels_path));
    std::vector<Digest> leaves = SampleLeafHashes(
        labels.bytes.view(), DTypeSize(labels.dtype), samples.bytes.view(),
        static_cast<size_t>(features) * DTypeSize(samples.dtype),
        static_cast<size_t>(n));
    torch::Tensor x = Scale(xs.reshape({n, features}).to(dtype), scaling).contiguous();
    VT_RETURN_IF_ERROR(CheckFinite(x, samples_path));
    return DatasetFromLeaves(std::move(x), std::move(y), std::move(leaves));
  } catch (const std::exception& e) {
    return Status::Internal(samples_path + ": converting to tensors: " +
                            e.what());
  }
}

}  // namespace veritrain
