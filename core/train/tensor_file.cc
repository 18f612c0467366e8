#include "core/train/tensor_file.h"

#include <cstring>

#include "core/state/atomic_file.h"

namespace veritrain {

namespace {

constexpr size_t kFixedHeader = 16;
constexpr int kMaxRank = 8;
constexpr uint64_t kMaxDim = uint64_t{1} << 40;
constexpr uint64_t kMaxBytes = uint64_t{1} << 40;

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

uint64_t GetLe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::string EncodeTensorFile(const TensorData& t) {
  std::string out(kTensorFileMagic, 8);
  PutLe(&out, kTensorFileVersion, 4);
  out.push_back(static_cast<char>(t.dtype));
  out.push_back(static_cast<char>(t.shape.size()));
  PutLe(&out, 0, 2);
  for (int64_t d : t.shape) PutLe(&out, static_cast<uint64_t>(d), 8);
  out.append(t.bytes.view());
  return out;
}

Result<TensorData> DecodeTensorFile(const Bytes& bytes,
                                    const std::string& source,
                                    int64_t max_items) {
  const std::string where = source + ": ";
  const uint8_t* p = bytes.data();
  const uint64_t size = bytes.size();
  auto cut_short = [&](uint64_t expected) {
    return Status::Corruption(where + "file ends after " +
                              std::to_string(size) + " bytes, expected " +
                              std::to_string(expected));
  };
  if (size < 8 || std::memcmp(p, kTensorFileMagic, 8) != 0) {
    if (size < 8 && (size == 0 || std::memcmp(p, kTensorFileMagic, size) == 0)) {
      return cut_short(kFixedHeader);
    }
    return Status::Corruption(where + "bad magic (expected " +
                              std::string(kTensorFileMagic) +
                              "): not a veritrain tensor file");
  }
  if (size < kFixedHeader) return cut_short(kFixedHeader);
  const uint64_t version = GetLe(p + 8, 4);
  if (version != kTensorFileVersion) {
    return Status::Corruption(where + "unsupported version " +
                              std::to_string(version) + " (this build reads " +
                              std::to_string(kTensorFileVersion) + ")");
  }
  const auto dtype = static_cast<DType>(p[12]);
  const size_t elem = DTypeSize(dtype);
  if (elem == 0 || p[12] > static_cast<uint8_t>(DType::kBFloat16)) {
    return Status::Corruption(where + "unknown dtype tag " +
                              std::to_string(p[12]));
  }
  const int rank = p[13];
  if (rank < 1 || rank > kMaxRank) {
    return Status::Corruption(where + "rank " + std::to_string(rank) +
                              " (expected 1 to " + std::to_string(kMaxRank) +
                              ")");
  }
  if (GetLe(p + 14, 2) != 0) {
    return Status::Corruption(where + "reserved header bytes are not zero");
  }
  const uint64_t header = kFixedHeader + 8 * static_cast<uint64_t>(rank);
  if (size < header) return cut_short(header);
  TensorData t;
  t.dtype = dtype;
  uint64_t numel = 1;
  for (int i = 0; i < rank; ++i) {
    const uint64_t d = GetLe(p + kFixedHeader + 8 * i, 8);
    if (d >= kMaxDim) {
      return Status::Corruption(where + "dimension " + std::to_string(i) +
                                " is " + std::to_string(d) + " (too large)");
    }
    // Checked before multiplying: numel * elem stays below 2^64.
    if (d != 0 && numel > kMaxBytes / d) {
      return Status::Corruption(where + "the shape is too large");
    }
    numel *= d;
    t.shape.push_back(static_cast<int64_t>(d));
  }
  const uint64_t data_bytes = numel * elem;
  if (data_bytes > kMaxBytes) {
    return Status::Corruption(where + "the shape is too large");
  }
  if (size < header + data_bytes) return cut_short(header + data_bytes);
  if (size > header + data_bytes) {
    return Status::Corruption(where + std::to_string(size - header -
                                                     data_bytes) +
                              " bytes after the data");
  }
  uint64_t keep = data_bytes;
  if (max_items > 0 && t.shape[0] > max_items) {
    keep = data_bytes / static_cast<uint64_t>(t.shape[0]) *
           static_cast<uint64_t>(max_items);
    t.shape[0] = max_items;
  }
  t.bytes = Bytes::Borrow(std::make_shared<Bytes>(bytes), p + header,
                          static_cast<size_t>(keep));
  return t;
}

Result<TensorData> ReadTensorFile(const std::string& path, int64_t max_items) {
  VT_ASSIGN_OR_RETURN(Bytes bytes, ReadFileBytes(path));
  return DecodeTensorFile(bytes, path, max_items);
}

Status WriteTensorFile(const std::string& path, const TensorData& t) {
  const std::string bytes = EncodeTensorFile(t);
  return WriteFileAtomically(path, {bytes});
}

}  // namespace veritrain
