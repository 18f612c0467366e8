#include "core/state/checkpoint_file.h"

#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/state/atomic_file.h"
#include "core/state/state_hash.h"
#include "core/util/freed_pages.h"

namespace veritrain {
namespace {

using nlohmann::json;

constexpr std::string_view kMagic("VTCKPT\r\n", 8);
constexpr std::string_view kEndMarker("VTCKEND\n", 8);
constexpr std::string_view kFormatName = "veritrain-checkpoint";
constexpr uint64_t kHeaderSize = 24;
constexpr uint64_t kTrailerSize = 40;
constexpr uint64_t kAlign = 64;
// How deeply the caller's meta may nest; the manifest adds one level.
constexpr int kMaxMetaDepth = 64;
constexpr int kMaxManifestDepth = kMaxMetaDepth + 1;
constexpr char kZeros[kAlign] = {};

uint64_t Align64(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t LoadLE(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }


// True when `j` nests more than `limit` levels of arrays/objects.
bool DeeperThan(const json& j, int limit) {
  if (!j.is_structured()) return false;
  if (limit == 0) return true;
  for (const auto& child : j) {
    if (DeeperThan(child, limit - 1)) return true;
  }
  return false;
}

// True when the JSON text nests more than `limit` levels. Brackets inside
// strings are skipped; for invalid JSON the answer does not matter (the
// parser rejects it).
bool TextDeeperThan(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// ---------------------------------------------------------------- writing

// Byte offsets of each tensor given where the data section starts; returns
// the end of the last tensor (the trailer's offset).
uint64_t LayOut(const std::vector<const TensorData*>& sorted,
                uint64_t data_start, std::vector<uint64_t>* offsets) {
  offsets->clear();
  uint64_t cursor = data_start;
  for (const TensorData* t : sorted) {
    uint64_t offset = Align64(cursor);
    offsets->push_back(offset);
    cursor = offset + t->bytes.size();
  }
  return cursor;
}

json ManifestJson(const std::vector<const TensorData*>& sorted,
                  const std::vector<Digest>& hashes,
                  const std::vector<uint64_t>& offsets, const json& meta,
                  const Digest& state_hash) {
  json tensors = json::array();
  for (size_t i = 0; i < sorted.size(); ++i) {
    const TensorData& t = *sorted[i];
    json entry = json::object();
    entry["name"] = t.name;
    entry["dtype"] = DTypeName(t.dtype);
    entry["shape"] = t.shape;
    entry["offset"] = offsets[i];
    entry["size"] = static_cast<uint64_t>(t.bytes.size());
    entry["sha256"] = hashes[i].Hex();
    tensors.push_back(std::move(entry));
  }
  json manifest = json::object();
  manifest["format"] = std::string(kFormatName);
  manifest["version"] = kCheckpointFormatVersion;
  manifest["meta"] = meta;
  manifest["state_hash"] = state_hash.Hex();
  manifest["tensors"] = std::move(tensors);
  return manifest;
}

// Encodes `j` compactly; InvalidArgument when a string is not UTF-8.
Result<std::string> DumpJson(const json& j, const std::string& what) {
  try {
    return j.dump();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(what +
                                   " cannot be encoded as JSON: " + e.what());
  }
}

// `given_hashes`: the tensors' hashes in canonical order, or null to
// compute them here.
Result<StagedFile> StageCheckpointImpl(const std::string& path, const State& state,
                                       const json& meta,
                                       const std::vector<Digest>* given_hashes, Env* env,
                                       const std::function<void(uint64_t)>& reserved) {
  VT_ASSIGN_OR_RETURN(auto sorted, SortedTensors(state));
  if (given_hashes != nullptr && given_hashes->size() != sorted.size()) {
    return Status::InvalidArgument(
        std::to_string(given_hashes->size()) + " tensor hashes given for " +
        std::to_string(sorted.size()) + " tensors");
  }
  if (DeeperThan(meta, kMaxMetaDepth)) {
    return Status::InvalidArgument("meta nests deeper than " +
                                   std::to_string(kMaxMetaDepth) + " levels");
  }
  VT_RETURN_IF_ERROR(DumpJson(meta, "meta").status());
  for (const TensorData* t : sorted) {
    VT_RETURN_IF_ERROR(
        DumpJson(json(t->name), "tensor name " + Quoted(t->name)).status());
  }
  std::vector<Digest> hashes;
  if (given_hashes != nullptr) {
    hashes = *given_hashes;
  } else {
    hashes.reserve(sorted.size());
    for (const TensorData* t : sorted) hashes.push_back(TensorHash(*t));
  }
  const Digest state_hash = StateHashFromTensorHashes(hashes);

  // The data section starts at the 64-byte boundary after the manifest, and
  // the manifest holds the offsets: iterate to the fixed point. Offsets only
  // grow, so the manifest only grows; it settles after a step or two.
  uint64_t data_start = Align64(kHeaderSize);
  std::vector<uint64_t> offsets;
  std::string manifest;
  uint64_t trailer_offset = 0;
  for (int round = 0;; ++round) {
    if (round == 16) return Status::Internal("manifest layout did not settle");
    trailer_offset = LayOut(sorted, data_start, &offsets);
    VT_ASSIGN_OR_RETURN(manifest, DumpJson(ManifestJson(sorted, hashes, offsets,
                                                        meta, state_hash),
                                           "manifest"));
    uint64_t want = Align64(kHeaderSize + manifest.size());
    if (want == data_start) break;
    data_start = want;
  }

  std::string header;
  header.append(kMagic);
  PutU32(&header, kCheckpointFormatVersion);
  PutU32(&header, 0);
  PutU64(&header, manifest.size());

  std::vector<std::string_view> pieces = {header, manifest};
  uint64_t cursor = kHeaderSize + manifest.size();
  pieces.emplace_back(kZeros, data_start - cursor);
  cursor = data_start;
  for (size_t i = 0; i < sorted.size(); ++i) {
    pieces.emplace_back(kZeros, offsets[i] - cursor);
    pieces.push_back(sorted[i]->bytes.view());
    cursor = offsets[i] + sorted[i]->bytes.size();
  }
  if (cursor != trailer_offset) return Status::Internal("layout mismatch");

  // Version 2: the trailer covers the header and the manifest (with its
  // padding); the manifest's tensor hashes cover the data.
  Sha256 h;
  for (size_t i = 0; i < 3; ++i) h.Update(pieces[i]);
  std::string trailer(h.Finish().view());
  trailer.append(kEndMarker);
  pieces.push_back(trailer);
  return StageFileAtomically(path, pieces, 0666, env, reserved);
}

// ---------------------------------------------------------------- reading

struct Entry {
  std::string name;
  DType dtype = DType::kInvalid;
  std::vector<int64_t> shape;
  uint64_t offset = 0;
  uint64_t size = 0;
  Digest sha256;
};

struct Manifest {
  json meta;
  Digest state_hash;
  std::vector<Entry> tensors;
};

Status BadField(const std::string& field, const std::string& problem) {
  return Status::Corruption("manifest field '" + field + "' " + problem);
}

// The member `key` of object `obj`, which is described as `where`.
Result<const json*> Member(const json& obj, const std::string& where,
                           const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return BadField(where + key, "is missing");
  return &*it;
}

Status OnlyKeys(const json& obj, const std::string& where,
                std::initializer_list<const char*> keys) {
  for (const auto& item : obj.items()) {
    bool known = false;
    for (const char* k : keys) known = known || item.key() == k;
    if (!known) return BadField(where + item.key(), "is not part of the checkpoint format");
  }
  return Status::Ok();
}

Result<std::string> GetString(const json& obj, const std::string& where,
                              const char* key) {
  VT_ASSIGN_OR_RETURN(const json* v, Member(obj, where, key));
  if (!v->is_string()) return BadField(where + key, "is not a string");
  return v->get<std::string>();
}

Result<uint64_t> GetU64(const json& obj, const std::string& where,
                        const char* key) {
  VT_ASSIGN_OR_RETURN(const json* v, Member(obj, where, key));
  if (!v->is_number_unsigned()) {
    return BadField(where + key, "is not a non-negative integer");
  }
  return v->get<uint64_t>();
}

Result<Digest> GetDigest(const json& obj, const std::string& where,
                         const char* key) {
  VT_ASSIGN_OR_RETURN(std::string hex, GetString(obj, where, key));
  auto d = Digest::FromHex(hex);
  if (!d) return BadField(where + key, "is not 64 hex characters");
  return *d;
}

// Bytes a tensor of this dtype and shape takes; nullopt on overflow.
std::optional<uint64_t> ExpectedSize(DType dtype,
                                     const std::vector<int64_t>& shape) {
  uint64_t n = DTypeSize(dtype);
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) {
      return std::nullopt;
    }
  }
  return n;
}

Result<Entry> ParseEntry(const json& j, size_t index) {
  const std::string where = "tensors[" + std::to_string(index) + "].";
  if (!j.is_object()) {
    return BadField(where.substr(0, where.size() - 1), "is not an object");
  }
  VT_RETURN_IF_ERROR(OnlyKeys(
      j, where, {"name", "dtype", "shape", "offset", "size", "sha256"}));
  Entry e;
  VT_ASSIGN_OR_RETURN(e.name, GetString(j, where, "name"));
  if (e.name.empty()) return BadField(where + "name", "is empty");
  VT_ASSIGN_OR_RETURN(std::string dtype, GetString(j, where, "dtype"));
  auto d = DTypeFromName(dtype);
  if (!d) return BadField(where + "dtype", "names no known dtype: " + dtype);
  e.dtype = *d;
  VT_ASSIGN_OR_RETURN(const json* shape, Member(j, where, "shape"));
  if (!shape->is_array()) return BadField(where + "shape", "is not an array");
  for (size_t k = 0; k < shape->size(); ++k) {
    const json& dim = (*shape)[k];
    if (!dim.is_number_unsigned() ||
        dim.get<uint64_t>() >
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return BadField(where + "shape[" + std::to_string(k) + "]",
                      "is not a dimension (a non-negative 63-bit integer)");
    }
    e.shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
  }
  VT_ASSIGN_OR_RETURN(e.offset, GetU64(j, where, "offset"));
  VT_ASSIGN_OR_RETURN(e.size, GetU64(j, where, "size"));
  VT_ASSIGN_OR_RETURN(e.sha256, GetDigest(j, where, "sha256"));
  auto expected = ExpectedSize(e.dtype, e.shape);
  if (!expected || *expected != e.size) {
    return BadField(where + "size",
                    "is " + std::to_string(e.size) + ", which does not match " +
                        "dtype " + DTypeName(e.dtype) + " x shape " +
                        ShapeString(e.shape) + " of tensor " + Quoted(e.name));
  }
  return e;
}

Result<Manifest> ParseManifest(std::string_view text, uint64_t header_version) {
  if (TextDeeperThan(text, kMaxManifestDepth)) {
    return Status::Corruption("manifest JSON nests deeper than " +
                              std::to_string(kMaxManifestDepth) + " levels");
  }
  json j = json::parse(text.begin(), text.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corruption("manifest is not valid JSON");
  }
  if (!j.is_object()) return Status::Corruption("manifest is not an object");
  VT_RETURN_IF_ERROR(
      OnlyKeys(j, "", {"format", "version", "meta", "state_hash", "tensors"}));
  VT_ASSIGN_OR_RETURN(std::string format, GetString(j, "", "format"));
  if (format != kFormatName) {
    return BadField("format", "is \"" + format + "\", expected \"" +
                                  std::string(kFormatName) + "\"");
  }
  VT_ASSIGN_OR_RETURN(uint64_t version, GetU64(j, "", "version"));
  if (version != header_version) {
    return BadField("version", "is " + std::to_string(version) +
                                   ", but the header says " +
                                   std::to_string(header_version));
  }
  Manifest m;
  if (!j.contains("meta")) return BadField("meta", "is missing");
  m.meta = std::move(j["meta"]);
  VT_ASSIGN_OR_RETURN(m.state_hash, GetDigest(j, "", "state_hash"));
  VT_ASSIGN_OR_RETURN(const json* tensors, Member(j, "", "tensors"));
  if (!tensors->is_array()) return BadField("tensors", "is not an array");
  for (size_t i = 0; i < tensors->size(); ++i) {
    VT_ASSIGN_OR_RETURN(Entry e, ParseEntry((*tensors)[i], i));
    if (!m.tensors.empty()) {
      const std::string& prev = m.tensors.back().name;
      if (prev == e.name) {
        return Status::Corruption("manifest names tensor " + Quoted(e.name) +
                                  " twice");
      }
      if (std::string_view(e.name) < std::string_view(prev)) {
        return Status::Corruption("manifest tensors are not in name order: " +
                                  Quoted(e.name) + " follows " + Quoted(prev));
      }
    }
    m.tensors.push_back(std::move(e));
  }
  return m;
}

bool AllZero(const uint8_t* p, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// Checks that the tensors sit exactly where the writer puts them: aligned,
// in order, not overlapping, inside the data section, zero padding between.
Status CheckLayout(const Manifest& m, const uint8_t* file,
                   uint64_t manifest_end, uint64_t trailer_start) {
  const uint64_t data_start = Align64(manifest_end);
  if (!AllZero(file + manifest_end, data_start - manifest_end)) {
    return Status::Corruption("padding after the manifest is not zero");
  }
  uint64_t cursor = data_start;
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const Entry& e = m.tensors[i];
    const std::string range =
        "[" + std::to_string(e.offset) + ", +" + std::to_string(e.size) + ")";
    if (e.offset % kAlign != 0) {
      return Status::Corruption("tensor " + Quoted(e.name) + ": offset " +
                                std::to_string(e.offset) +
                                " is misaligned (not a multiple of 64)");
    }
    if (e.offset < cursor) {
      return Status::Corruption(
          "tensor " + Quoted(e.name) + ": range " + range + " overlaps " +
          (i == 0 ? std::string("the header and manifest")
                  : "tensor " + Quoted(m.tensors[i - 1].name)));
    }
    if (e.offset > trailer_start || e.size > trailer_start - e.offset) {
      return Status::Corruption("truncated: tensor " + Quoted(e.name) +
                                " data " + range +
                                " runs past the end of the data section (" +
                                std::to_string(trailer_start) + " bytes)");
    }
    if (e.offset != Align64(cursor)) {
      return Status::Corruption(
          "tensor " + Quoted(e.name) + ": offset " + std::to_string(e.offset) +
          " leaves a gap; expected " + std::to_string(Align64(cursor)));
    }
    if (!AllZero(file + cursor, e.offset - cursor)) {
      return Status::Corruption("padding before tensor " + Quoted(e.name) +
                                " is not zero");
    }
    cursor = e.offset + e.size;
  }
  if (cursor != trailer_start) {
    return Status::Corruption(std::to_string(trailer_start - cursor) +
                              " unexpected bytes before the trailer");
  }
  return Status::Ok();
}

// `verify`: hash the trailer and every tensor (else trust the manifest's
// hashes, see MapCheckpoint).
Result<Checkpoint> DecodeImpl(const Bytes& file, bool verify) {
  const uint8_t* p = file.data();
  const uint64_t n = file.size();
  const std::string_view all = file.view();

  const size_t magic_len = n < kMagic.size() ? n : kMagic.size();
  if (all.substr(0, magic_len) != kMagic.substr(0, magic_len)) {
    return Status::InvalidArgument("not a veritrain checkpoint (bad magic)");
  }
  if (n < kHeaderSize) {
    return Status::Corruption("truncated: " + std::to_string(n) +
                              " bytes, shorter than the 24-byte header");
  }
  const uint64_t version = LoadLE(p + 8, 4);
  if (version != 1 && version != kCheckpointFormatVersion) {
    return Status::InvalidArgument(
        "unsupported format version " + std::to_string(version) +
        " (this build reads versions 1 and " +
        std::to_string(kCheckpointFormatVersion) + ")");
  }
  const uint64_t reserved = LoadLE(p + 12, 4);
  if (reserved != 0) {
    return Status::Corruption("reserved header field is " +
                              std::to_string(reserved) + ", expected 0");
  }
  const uint64_t manifest_len = LoadLE(p + 16, 8);
  if (manifest_len > n - kHeaderSize) {
    return Status::Corruption(
        "truncated: manifest length " + std::to_string(manifest_len) +
        " runs past the end of the file (" + std::to_string(n) + " bytes)");
  }
  const uint64_t manifest_end = kHeaderSize + manifest_len;
  if (Align64(manifest_end) > n || n - Align64(manifest_end) < kTrailerSize) {
    return Status::Corruption(
        "truncated: no room for the trailer after the "
        "manifest");
  }
  const uint64_t trailer_start = n - kTrailerSize;
  if (all.substr(n - kEndMarker.size()) != kEndMarker) {
    return Status::Corruption("truncated: the trailer's end marker is missing");
  }
  Digest stored;
  std::copy(p + trailer_start, p + trailer_start + 32, stored.bytes.begin());
  // Version 1's trailer covers every byte before it; version 2's the header
  // and the manifest with its padding (the tensors are checked against the
  // manifest's hashes below).
  const uint64_t sealed = version == 1 ? trailer_start : Align64(manifest_end);
  if (verify && Sha256Of(p, sealed) != stored) {
    return Status::Corruption(
        "trailer hash mismatch: file is corrupt or was modified");
  }

  VT_ASSIGN_OR_RETURN(Manifest m,
                      ParseManifest(all.substr(kHeaderSize, manifest_len), version));
  VT_RETURN_IF_ERROR(CheckLayout(m, p, manifest_end, trailer_start));

  auto holder = std::make_shared<const Bytes>(file);
  Checkpoint c;
  c.state.reserve(m.tensors.size());
  std::vector<Digest> hashes;
  hashes.reserve(m.tensors.size());
  for (Entry& e : m.tensors) {
    TensorData t;
    t.name = std::move(e.name);
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    t.bytes = Bytes::Borrow(holder, p + e.offset, e.size);
    if (!t.consistent()) {
      return Status::Corruption("tensor " + Quoted(t.name) +
                                " has an absurd shape " + ShapeString(t.shape));
    }
    const Digest h = verify ? TensorHash(t) : e.sha256;
    if (h != e.sha256) {
      return Status::Corruption("tensor " + Quoted(t.name) +
                                ": hash mismatch: its bytes or header were "
                                "modified");
    }
    hashes.push_back(h);
    c.state.push_back(std::move(t));
  }
  c.state_hash = StateHashFromTensorHashes(hashes);
  if (c.state_hash != m.state_hash) {
    return Status::Corruption("state_hash " + m.state_hash.Hex() +
                              " does not match the tensors (" +
                              c.state_hash.Hex() + ")");
  }
  c.tensor_hashes = std::move(hashes);
  c.meta = std::move(m.meta);
  return c;
}

}  // namespace

namespace {

// Stages the checkpoint and, when `publish`, puts it in place; `out` (when
// not published) receives the staged file.
Status WriteCheckpointPhases(const std::string& path, const State& state, const json& meta,
                             const std::vector<Digest>* tensor_hashes, Env* env,
                             std::optional<StagedFile>* out,
                             const std::function<void(uint64_t)>& reserved = nullptr) {
  try {
    Result<StagedFile> staged =
        StageCheckpointImpl(path, state, meta, tensor_hashes, env, reserved);
    if (!staged.ok()) return staged.status().WithContext("write checkpoint " + path);
    if (out != nullptr) {
      out->emplace(std::move(*staged));
      return Status::Ok();
    }
    return staged->Publish().WithContext("write checkpoint " + path);
  } catch (const std::exception& e) {  // allocation failure, OpenSSL init
    return Status::Internal("write checkpoint " + path + ": " + e.what());
  }
}

}  // namespace

Status WriteCheckpoint(const std::string& path, const State& state,
                       const nlohmann::json& meta, Env* env) {
  return WriteCheckpointPhases(path, state, meta, nullptr, env, nullptr);
}

Status WriteCheckpointWithHashes(const std::string& path, const State& state,
                                 const nlohmann::json& meta,
                                 const std::vector<Digest>& tensor_hashes,
                                 Env* env) {
  return WriteCheckpointPhases(path, state, meta, &tensor_hashes, env, nullptr);
}

Result<StagedFile> StageCheckpointWithHashes(const std::string& path, const State& state,
                                             const nlohmann::json& meta,
                                             const std::vector<Digest>& tensor_hashes,
                                             Env* env, const std::function<void(uint64_t)>& reserved) {
  std::optional<StagedFile> staged;
  VT_RETURN_IF_ERROR(
      WriteCheckpointPhases(path, state, meta, &tensor_hashes, env, &staged, reserved));
  return std::move(*staged);
}

namespace {

Result<Checkpoint> Decode(const Bytes& file_bytes,
                          const std::string& source_name, bool verify) {
  try {
    Result<Checkpoint> r = DecodeImpl(file_bytes, verify);
    if (!r.ok()) return r.status().WithContext(source_name);
    return r;
  } catch (const std::exception& e) {  // allocation failure, OpenSSL init
    return Status::Internal(source_name + ": " + e.what());
  }
}

}  // namespace

Result<Checkpoint> DecodeCheckpoint(const Bytes& file_bytes,
                                    const std::string& source_name) {
  return Decode(file_bytes, source_name, /*verify=*/true);
}

namespace {

// A mapped file's tensors, each the owner of its own pages: a tensor let
// go (a step replacing it, say) takes its pages out of the process's
// resident memory at once (they stay in the page cache, and a view still
// reading them faults them in again from the file), rather than when the
// last tensor of the file goes and the file is unmapped.
void OwnPagesPerTensor(Checkpoint* c) {
  for (TensorData& t : c->state) {
    const Bytes whole = t.bytes;
    std::shared_ptr<const void> owner(new Bytes(whole), [](const void* p) {
      const auto* b = static_cast<const Bytes*>(p);
      ReturnPages(const_cast<uint8_t*>(b->data()), b->size());
      delete b;
    });
    t.bytes = Bytes::Borrow(std::move(owner), whole.data(), whole.size());
  }
}

Result<Checkpoint> ReadAndDecode(const std::string& path, bool verify) {
  bool mapped = false;
  VT_ASSIGN_OR_RETURN(Bytes file, ReadFileBytes(path, &mapped));
  VT_ASSIGN_OR_RETURN(Checkpoint c, Decode(file, path, verify));
  if (mapped) OwnPagesPerTensor(&c);
  return c;
}

}  // namespace

Result<Checkpoint> ReadCheckpoint(const std::string& path) {
  return ReadAndDecode(path, /*verify=*/true);
}

Result<Checkpoint> MapCheckpoint(const std::string& path) {
  return ReadAndDecode(path, /*verify=*/false);
}

}  // namespace veritrain
