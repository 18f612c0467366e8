#include "core/train/dataset_cache_file.h"

#include <cstring>
#include <limits>
#include <optional>

#include "core/util/json_depth.h"

namespace veritrain {

namespace {

constexpr char kMagic[8] = {'V', 'T', 'D', 'S', 'E', 'T', '\r', '\n'};
constexpr uint32_t kVersion = 2;
constexpr size_t kPrefixBytes = 48;  // magic, version, header length, header hash
constexpr size_t kAlign = 64;
constexpr char kFormat[] = "veritrain-dataset-cache";

size_t AlignUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

size_t ElementSize(torch::ScalarType t) { return t == torch::kFloat64 ? 8 : 4; }

// Offsets of x, y and the leaves after a head of `head_bytes`; false when
// the sizes overflow.
bool Place(size_t head_bytes, int64_t samples, int64_t features, torch::ScalarType dtype,
           CacheFileLayout* l) {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 64);
  const auto n = static_cast<uint64_t>(samples);
  const auto f = static_cast<uint64_t>(features);
  if (n > kMax || f > kMax || (f != 0 && n > kMax / f)) return false;
  l->samples = samples;
  l->features = features;
  l->dtype = dtype;
  l->x_offset = AlignUp(head_bytes);
  l->x_bytes = static_cast<size_t>(n * f) * ElementSize(dtype);
  l->y_offset = AlignUp(l->x_offset + l->x_bytes);
  l->y_bytes = static_cast<size_t>(n) * 8;
  l->leaves_offset = AlignUp(l->y_offset + l->y_bytes);
  l->leaves_bytes = static_cast<size_t>(n) * 32;
  return true;
}

}  // namespace

std::string_view CachePadding(size_t end) {
  static const char kZeros[kAlign] = {};
  return std::string_view(kZeros, AlignUp(end) - end);
}

std::string EncodeCacheFileHead(const nlohmann::json& key, int64_t samples,
                                int64_t features, torch::ScalarType dtype,
                                const Digest& root, const Checksum128& payload,
                                CacheFileLayout* layout) {
  const nlohmann::json header = {{"format", kFormat},
                                 {"version", kVersion},
                                 {"key", key},
                                 {"samples", samples},
                                 {"features", features},
                                 {"x_dtype", dtype == torch::kFloat64 ? "f64" : "f32"},
                                 {"root", root.Hex()},
                                 {"payload_xxh3", payload.Hex()}};
  const std::string text = header.dump();
  std::string out(kMagic, sizeof(kMagic));
  PutU32(&out, kVersion);
  PutU32(&out, static_cast<uint32_t>(text.size()));
  out += Sha256Of(text).view();
  out += text;
  Place(out.size(), samples, features, dtype, layout);
  layout->root = root;
  out += CachePadding(out.size());
  return out;
}

Result<CacheFileLayout> VerifyCacheFile(std::string_view file,
                                        const nlohmann::json& expected_key,
                                        const std::string& name) {
  const std::string at = name + ": ";
  if (file.size() < kPrefixBytes) {
    return Status::Corruption(at + "truncated: " + std::to_string(file.size()) +
                              " bytes, shorter than the " + std::to_string(kPrefixBytes) +
                              "-byte prefix");
  }
  if (std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0) {
    return Status::InvalidArgument(at + "not a veritrain dataset cache file (bad magic)");
  }
  if (const uint32_t v = GetU32(file, 8); v != kVersion) {
    return Status::InvalidArgument(at + "unsupported format version " + std::to_string(v));
  }
  const size_t header_bytes = GetU32(file, 12);
  if (header_bytes > kMaxCacheHeaderBytes) {
    return Status::Corruption(at + "header length " + std::to_string(header_bytes) +
                              " exceeds the limit of " + std::to_string(kMaxCacheHeaderBytes));
  }
  if (file.size() < kPrefixBytes + header_bytes) {
    return Status::Corruption(at + "truncated: the file ends inside its header");
  }
  const std::string_view text = file.substr(kPrefixBytes, header_bytes);
  if (Sha256Of(text).view() != file.substr(16, 32)) {
    return Status::Corruption(at + "header hash mismatch: the file is corrupt");
  }
  if (JsonDeeperThan(text, kMaxJsonFileDepth)) {
    return Status::Corruption(at + "header is JSON nested too deep");
  }
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(at + "header is not JSON: " + e.what());
  }
  auto field = [&](const char* k) -> const nlohmann::json* {
    return h.is_object() && h.contains(k) ? &h.at(k) : nullptr;
  };
  const nlohmann::json* format = field("format");
  if (format == nullptr || *format != kFormat || field("version") == nullptr ||
      *field("version") != kVersion) {
    return Status::Corruption(at + "header: format or version is not " + kFormat + " " +
                              std::to_string(kVersion));
  }
  if (field("key") == nullptr || *field("key") != expected_key) {
    return Status::Corruption(at + "made for another key: " +
                              (field("key") == nullptr ? "none" : field("key")->dump()) +
                              ", expected " + expected_key.dump());
  }
  const nlohmann::json* samples = field("samples");
  const nlohmann::json* features = field("features");
  const nlohmann::json* x_dtype = field("x_dtype");
  const nlohmann::json* root = field("root");
  const nlohmann::json* payload = field("payload_xxh3");
  if (samples == nullptr || !samples->is_number_integer() || samples->get<int64_t>() < 0 ||
      features == nullptr || !features->is_number_integer() || features->get<int64_t>() < 0) {
    return Status::Corruption(at + "header: samples and features must be integers >= 0");
  }
  if (x_dtype == nullptr || (*x_dtype != "f32" && *x_dtype != "f64")) {
    return Status::Corruption(at + "header: x_dtype must be \"f32\" or \"f64\"");
  }
  std::optional<Digest> root_digest;
  std::optional<Checksum128> payload_checksum;
  if (root != nullptr && root->is_string()) root_digest = Digest::FromHex(root->get<std::string>());
  if (payload != nullptr && payload->is_string()) {
    payload_checksum = Checksum128::FromHex(payload->get<std::string>());
  }
  if (!root_digest) return Status::Corruption(at + "header: root must be 64 hex digits");
  if (!payload_checksum) {
    return Status::Corruption(at + "header: payload_xxh3 must be 32 hex digits");
  }
  CacheFileLayout layout;
  const torch::ScalarType dtype = *x_dtype == "f64" ? torch::kFloat64 : torch::kFloat32;
  if (!Place(kPrefixBytes + header_bytes, samples->get<int64_t>(), features->get<int64_t>(),
             dtype, &layout)) {
    return Status::Corruption(at + "header: samples x features is too large");
  }
  layout.root = *root_digest;
  const size_t end = layout.leaves_offset + layout.leaves_bytes;
  if (file.size() != end) {
    return Status::Corruption(at + (file.size() < end ? "truncated: " : "too long: ") +
                              std::to_string(file.size()) + " bytes, expected " +
                              std::to_string(end) + " for " + samples->dump() + " samples of " +
                              features->dump() + " features");
  }
  const std::string_view padding = file.substr(kPrefixBytes + header_bytes,
                                               layout.x_offset - kPrefixBytes - header_bytes);
  if (padding.find_first_not_of('\0') != std::string_view::npos) {
    return Status::Corruption(at + "non-zero padding after the header");
  }
  if (ChecksumOf(file.substr(layout.x_offset)) != *payload_checksum) {
    return Status::Corruption(at + "payload checksum mismatch: the file is corrupt");
  }
  return layout;
}

}  // namespace veritrain
