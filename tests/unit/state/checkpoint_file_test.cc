// Tests for the checkpoint file format: round trips, the exact layout, and
// every class of damage the reader must detect (foreign, unsupported,
// truncated, corrupt, tampered), produced by damaging real written files.
#include "core/state/checkpoint_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/state/atomic_file.h"
#include "core/state/state_hash.h"
#include "core/util/resident_memory.h"
#include "tests/support/files.h"
#include "tests/support/tensors.h"

namespace veritrain {
namespace {

using testing_util::MakeTensor;

using testing_util::ReadFile;
using testing_util::ScratchDir;

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kHeaderSize = 24;
constexpr size_t kTrailerSize = 40;

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 + seed);
  return s;
}

// Several dtypes, a 0-d scalar and an empty tensor, deliberately unsorted.
State TestState() {
  return {
      MakeTensor("layer1.weight", DType::kFloat32, {3, 5}, Pattern(60, 1)),
      MakeTensor("layer1.bias", DType::kFloat64, {5}, Pattern(40, 2)),
      MakeTensor("step", DType::kInt64, {}, Pattern(8, 3)),
      MakeTensor("empty", DType::kFloat32, {0, 4}, ""),
      MakeTensor("adam.exp_avg.layer1.weight", DType::kBFloat16, {3, 5},
                 Pattern(30, 4)),
      MakeTensor("rng", DType::kUInt8, {17}, Pattern(17, 5)),
      MakeTensor("half", DType::kFloat16, {2, 1, 2}, Pattern(8, 6)),
      MakeTensor("counts", DType::kInt32, {3}, Pattern(12, 7)),
  };
}

json TestMeta() {
  return {{"step", 12},
          {"job", "mlp"},
          {"lr", 0.001},
          {"nested", {{"list", {1, 2.5, nullptr, true, "é"}}}},
          // Room for manifest edits in the tamper tests (see WithManifest).
          {"pad", std::string(400, 'p')}};
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

uint64_t LoadU64(const std::string& s, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

void StoreU64(std::string* s, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) (*s)[at + i] = static_cast<char>(v >> (8 * i));
}

// The bytes of a checkpoint of TestState() and TestMeta().
std::string GoodFile() {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  Status s = WriteCheckpoint(path, TestState(), TestMeta());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return ReadFile(path);
}

Result<Checkpoint> Decode(const std::string& file) {
  return DecodeCheckpoint(Bytes::FromString(file), "ckpt.vtc");
}

// Recomputes the trailer hash, as a deliberate tamperer would: over the
// header and the padded manifest (version 2) or every byte before the
// trailer (version 1).
void Reseal(std::string* file) {
  ASSERT_GE(file->size(), kTrailerSize);
  const size_t body = file->size() - kTrailerSize;
  // (A damaged manifest length may point past the end: every byte then.)
  const uint64_t len = LoadU64(*file, 16);
  const size_t sealed =
      (*file)[8] == 1 || len > body ? body : std::min<size_t>(body, (kHeaderSize + len + 63) / 64 * 64);
  Digest d = Sha256Of(file->data(), sealed);
  std::memcpy(file->data() + body, d.bytes.data(), 32);
}

json ManifestOf(const std::string& file) {
  return json::parse(file.substr(kHeaderSize, LoadU64(file, 16)));
}

// Edits the manifest of `file` in place and reseals it. The edited manifest
// (with meta.pad dropped to make room) is padded with JSON whitespace to the
// original length, so every offset stays where it was.
std::string WithManifest(std::string file,
                         const std::function<void(json&)>& edit) {
  const size_t len = LoadU64(file, 16);
  json m = ManifestOf(file);
  m["meta"].erase("pad");
  edit(m);
  std::string text = m.dump();
  EXPECT_LE(text.size(), len) << "edit does not fit";
  text.resize(len, ' ');
  file.replace(kHeaderSize, len, text);
  Reseal(&file);
  return file;
}

// `file` (version 2) as the version 1 writer wrote it: the version numbers,
// and a trailer over every byte before it.
std::string AsVersion1(std::string file) {
  const size_t len = LoadU64(file, 16);
  const std::string manifest = file.substr(kHeaderSize, len);
  const size_t at = manifest.find("\"version\":2");
  EXPECT_NE(at, std::string::npos);
  file[kHeaderSize + at + 10] = '1';
  file[8] = 1;
  Reseal(&file);
  return file;
}

// A file with a hand-made manifest and no tensors.
std::string FileWithManifest(const std::string& manifest) {
  std::string f("VTCKPT\r\n\x02\0\0\0\0\0\0\0", 16);
  f.append(8, '\0');
  StoreU64(&f, 16, manifest.size());
  f += manifest;
  f.append((64 - f.size() % 64) % 64, '\0');
  f.append(32, '\0');
  f += "VTCKEND\n";
  Reseal(&f);
  return f;
}

void ExpectError(const Result<Checkpoint>& r, Status::Code code,
                 const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "decoded a damaged file (expected: " << needle << ")";
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_EQ(r.status().message().rfind("ckpt.vtc: ", 0), 0u)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find(needle), std::string::npos)
      << "wanted \"" << needle << "\" in " << r.status().ToString();
}

void ExpectSameState(const State& got, const State& want) {
  State sorted = want;
  std::sort(
      sorted.begin(), sorted.end(),
      [](const TensorData& a, const TensorData& b) { return a.name < b.name; });
  ASSERT_EQ(got.size(), sorted.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].name, sorted[i].name);
    EXPECT_EQ(got[i].dtype, sorted[i].dtype) << got[i].name;
    EXPECT_EQ(got[i].shape, sorted[i].shape) << got[i].name;
    EXPECT_EQ(got[i].bytes.view(), sorted[i].bytes.view()) << got[i].name;
  }
}

// ---------------------------------------------------------------- round trip

TEST(CheckpointFileTest, RoundTrip) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  const State state = TestState();
  ASSERT_TRUE(WriteCheckpoint(path, state, TestMeta()).ok());
  auto c = ReadCheckpoint(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectSameState(c->state, state);
  EXPECT_EQ(c->meta, TestMeta());
  EXPECT_EQ(c->state_hash, *StateHash(state));
  for (const TensorData& t : c->state) {
    // Views into a page-aligned mapping at 64-byte aligned offsets.
    if (!t.bytes.empty()) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(t.bytes.data()) % 64, 0u) << t.name;
    }
  }
}

TEST(CheckpointFileTest, TensorsOutliveTheCheckpointAndTheFileName) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  ASSERT_TRUE(WriteCheckpoint(path, TestState(), TestMeta()).ok());
  TensorData kept;
  {
    auto c = ReadCheckpoint(path);
    ASSERT_TRUE(c.ok());
    kept = *FindTensor(c->state, "layer1.weight");
  }
  fs::remove(path);
  EXPECT_EQ(kept.bytes.view(), Pattern(60, 1));
}

TEST(CheckpointFileTest, EmptyStateAndNullMeta) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  ASSERT_TRUE(WriteCheckpoint(path, {}, json()).ok());
  auto c = ReadCheckpoint(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->state.empty());
  EXPECT_TRUE(c->meta.is_null());
  EXPECT_EQ(c->state_hash, *StateHash({}));
}

TEST(CheckpointFileTest, WriteReadWriteIsByteIdentical) {
  ScratchDir dir;
  const std::string p1 = dir.path() + "/1.vtc";
  const std::string p2 = dir.path() + "/2.vtc";
  ASSERT_TRUE(WriteCheckpoint(p1, TestState(), TestMeta()).ok());
  auto c = ReadCheckpoint(p1);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(WriteCheckpoint(p2, c->state, c->meta).ok());
  EXPECT_EQ(ReadFile(p1), ReadFile(p2));
}

// The tensors' hashes of `state` in canonical order, as the solver has
// them after hashing the state (TensorHashes, with two threads).
std::vector<Digest> HashesOf(const State& state) {
  auto named = TensorHashes(state, /*threads=*/2);
  EXPECT_TRUE(named.ok()) << named.status().ToString();
  std::vector<Digest> out;
  if (named.ok()) {
    for (const auto& [name, h] : *named) out.push_back(h);
  }
  return out;
}

TEST(CheckpointFileTest, WritingWithGivenHashesGivesTheSameFile) {
  ScratchDir dir;
  const std::string p1 = dir.path() + "/1.vtc";
  const std::string p2 = dir.path() + "/2.vtc";
  const State state = TestState();
  ASSERT_TRUE(WriteCheckpoint(p1, state, TestMeta()).ok());
  Status s = WriteCheckpointWithHashes(p2, state, TestMeta(), HashesOf(state));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadFile(p1), ReadFile(p2));
  auto c = ReadCheckpoint(p2);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->state_hash, *StateHash(state));
}

TEST(CheckpointFileTest, WritingWithTheWrongNumberOfHashesIsRefused) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  std::vector<Digest> hashes = HashesOf(TestState());
  hashes.pop_back();
  Status s = WriteCheckpointWithHashes(path, TestState(), TestMeta(), hashes);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("7 tensor hashes given for 8 tensors"),
            std::string::npos)
      << s.ToString();
  EXPECT_FALSE(fs::exists(path));
}

TEST(CheckpointFileTest, AWrongGivenHashMakesAFileTheReaderRejects) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  std::vector<Digest> hashes = HashesOf(TestState());
  hashes[0].bytes[0] ^= 1;  // canonical order: "adam.exp_avg.layer1.weight"
  ASSERT_TRUE(
      WriteCheckpointWithHashes(path, TestState(), TestMeta(), hashes).ok());
  auto c = ReadCheckpoint(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kCorruption);
  EXPECT_NE(c.status().message().find("adam.exp_avg.layer1.weight"),
            std::string::npos)
      << c.status().ToString();
}

TEST(CheckpointFileTest, LayoutFollowsTheSpec) {
  const std::string f = GoodFile();
  EXPECT_EQ(f.substr(0, 8), std::string("VTCKPT\r\n"));
  EXPECT_EQ(f.substr(8, 8), std::string("\x02\0\0\0\0\0\0\0", 8));
  const uint64_t m_len = LoadU64(f, 16);
  ASSERT_LE(kHeaderSize + m_len, f.size());
  const json m = ManifestOf(f);
  EXPECT_EQ(m["format"], "veritrain-checkpoint");
  EXPECT_EQ(m["version"], 2);
  EXPECT_EQ(m["meta"], TestMeta());
  EXPECT_EQ(m["state_hash"], StateHash(TestState())->Hex());

  const State want = TestState();
  uint64_t cursor = kHeaderSize + m_len;
  std::string prev;
  for (const json& e : m["tensors"]) {
    const std::string name = e["name"];
    EXPECT_LT(prev, name);
    prev = name;
    const TensorData* t = FindTensor(want, name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(e["dtype"], DTypeName(t->dtype));
    EXPECT_EQ(e["shape"].get<std::vector<int64_t>>(), t->shape);
    EXPECT_EQ(e["sha256"], TensorHash(*t).Hex());
    const uint64_t offset = e["offset"];
    const uint64_t size = e["size"];
    EXPECT_EQ(size, t->bytes.size());
    EXPECT_EQ(offset % 64, 0u) << name;
    EXPECT_EQ(offset, (cursor + 63) / 64 * 64) << name;
    EXPECT_EQ(f.substr(cursor, offset - cursor),
              std::string(offset - cursor, '\0'));
    EXPECT_EQ(f.substr(offset, size), t->bytes.view()) << name;
    cursor = offset + size;
  }
  EXPECT_EQ(cursor, f.size() - kTrailerSize);
  EXPECT_EQ(f.substr(f.size() - 8), "VTCKEND\n");
  // The trailer seals the header and the manifest up to the data.
  const Digest trailer = Sha256Of(f.data(), (kHeaderSize + m_len + 63) / 64 * 64);
  EXPECT_EQ(f.substr(f.size() - kTrailerSize, 32), std::string(trailer.view()));
}

// Expected size and SHA-256 of the whole file computed independently by a
// Python 3 script (hashlib, struct, json.dumps(sort_keys=True,
// separators=(",", ":"))) that encodes this state per the format comment in
// checkpoint_file.h and the hash definitions in state_hash.h.
TEST(CheckpointFileTest, KnownAnswerFile) {
  float f32[2] = {1.0f, -2.5f};
  int64_t i64 = 7;
  const State state = {
      MakeTensor("b", DType::kFloat32, {2},
                 std::string(reinterpret_cast<const char*>(f32), 8)),
      MakeTensor("a", DType::kInt64, {},
                 std::string(reinterpret_cast<const char*>(&i64), 8)),
      MakeTensor("c", DType::kUInt8, {0}, ""),
      MakeTensor("d", DType::kUInt8, {2, 3}, std::string("\0\1\2\3\4\5", 6)),
      MakeTensor("e", DType::kBFloat16, {1, 1}, std::string("\x80\x3f", 2)),
  };
  ScratchDir dir;
  const std::string path = dir.path() + "/kat.vtc";
  ASSERT_TRUE(
      WriteCheckpoint(path, state, json{{"job", "synthetic"}, {"step", 3}})
          .ok());
  const std::string f = ReadFile(path);
  EXPECT_EQ(f.size(), 1130u);
  EXPECT_EQ(Sha256Of(f).Hex(),
            "847b7591d4b7be5694982ca74538b46c630ebd856762a16090e74fa99a11a3b9");
  // The same file in version 1 is the one the script computed for it: the
  // versions differ in their version numbers and trailer only.
  EXPECT_EQ(Sha256Of(AsVersion1(f)).Hex(),
            "106b0b559b23911b5b83615032d49f27a65b8950583b9d86bcab5310f5b3f4ae");
}

// ------------------------------------------------------- foreign, version

TEST(CheckpointFileTest, ForeignFiles) {
  std::string f = GoodFile();
  f[0] = 'X';
  ExpectError(Decode(f), Status::Code::kInvalidArgument,
              "not a veritrain checkpoint");
  ExpectError(Decode("PK\x03\x04 this is a zip file, not ours"),
              Status::Code::kInvalidArgument, "not a veritrain checkpoint");
  ExpectError(Decode("abc"), Status::Code::kInvalidArgument,
              "not a veritrain checkpoint");
  // Text-mode mangling turns "\r\n" into "\n".
  std::string mangled = GoodFile();
  mangled.erase(6, 1);
  ExpectError(Decode(mangled), Status::Code::kInvalidArgument,
              "not a veritrain checkpoint");
}

TEST(CheckpointFileTest, UnsupportedVersion) {
  for (char v : {0, 3, 9}) {
    std::string f = GoodFile();
    f[8] = v;
    ExpectError(Decode(f), Status::Code::kInvalidArgument,
                "unsupported format version " + std::to_string(v) +
                    " (this build reads versions 1 and 2)");
  }
}

TEST(CheckpointFileTest, Version1FilesAreStillReadAndFullySealed) {
  const std::string v1 = AsVersion1(GoodFile());
  auto r = Decode(v1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectSameState(r->state, TestState());
  EXPECT_EQ(r->state_hash, *StateHash(TestState()));
  // Its trailer covers the data: a flipped tensor byte breaks it first.
  std::string f = v1;
  const uint64_t offset = ManifestOf(f)["tensors"][3]["offset"];
  f[offset + 2] ^= 0x40;
  ExpectError(Decode(f), Status::Code::kCorruption,
              "trailer hash mismatch: file is corrupt or was modified");
  // A version 2 trailer on a version 1 file is refused, and the other way.
  std::string mixed = v1;
  mixed[8] = 2;
  ExpectError(Decode(mixed), Status::Code::kCorruption, "trailer hash mismatch");
  for (size_t i = 0; i < v1.size(); i += 7) {
    std::string g = v1;
    g[i] ^= 0x01;
    EXPECT_FALSE(Decode(g).ok()) << "flip at " << i << " of a version 1 file went unnoticed";
  }
}

TEST(CheckpointFileTest, ReservedMustBeZero) {
  std::string f = GoodFile();
  f[12] = 1;
  ExpectError(Decode(f), Status::Code::kCorruption, "reserved");
}

// ---------------------------------------------------------------- truncation

TEST(CheckpointFileTest, TruncatedAtEveryOffset) {
  const std::string f = GoodFile();
  for (size_t cut = 0; cut < f.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    ExpectError(Decode(f.substr(0, cut)), Status::Code::kCorruption,
                "truncated");
  }
}

TEST(CheckpointFileTest, TruncatedFilesOnDisk) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  const std::string f = GoodFile();
  for (size_t cut : {size_t{0}, size_t{7}, size_t{23}, size_t{100},
                     f.size() / 2, f.size() - 41, f.size() - 1}) {
    Spit(path, f.substr(0, cut));
    auto r = ReadCheckpoint(path);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << cut;
    EXPECT_NE(r.status().message().find(path + ": truncated"),
              std::string::npos)
        << r.status().ToString();
  }
}

TEST(CheckpointFileTest, ManifestLengthPastTheEnd) {
  std::string f = GoodFile();
  StoreU64(&f, 16, f.size() - kHeaderSize + 1);
  ExpectError(Decode(f), Status::Code::kCorruption,
              "truncated: manifest length");
  StoreU64(&f, 16, ~uint64_t{0});
  ExpectError(Decode(f), Status::Code::kCorruption,
              "truncated: manifest length");
}

// ---------------------------------------------------------------- corruption

TEST(CheckpointFileTest, FlippedManifestByteBreaksTheTrailer) {
  std::string f = GoodFile();
  const size_t at = f.find("\"step\":12");
  ASSERT_NE(at, std::string::npos);
  f[at + 8] = '3';
  ExpectError(Decode(f), Status::Code::kCorruption,
              "trailer hash mismatch: file is corrupt or was modified");
}

TEST(CheckpointFileTest, FlippedDataByteBreaksTheTensorsHash) {
  std::string f = GoodFile();
  const json m = ManifestOf(f);
  const std::string name = m["tensors"][3]["name"];
  const uint64_t offset = m["tensors"][3]["offset"];
  f[offset + 2] ^= 0x40;
  ExpectError(Decode(f), Status::Code::kCorruption,
              "tensor \"" + name + "\": hash mismatch");
}

TEST(CheckpointFileTest, FlippedDataByteWithResealedTrailerNamesTheTensor) {
  std::string f = GoodFile();
  const json m = ManifestOf(f);
  const std::string name = m["tensors"][3]["name"];
  const uint64_t offset = m["tensors"][3]["offset"];
  f[offset + 2] ^= 0x40;
  Reseal(&f);
  ExpectError(Decode(f), Status::Code::kCorruption,
              "tensor \"" + name + "\": hash mismatch");
}

TEST(CheckpointFileTest, EveryFlippedByteIsDetected) {
  const std::string good = GoodFile();
  ASSERT_TRUE(Decode(good).ok());
  for (size_t i = 0; i < good.size(); ++i) {
    std::string f = good;
    f[i] ^= 0x01;
    auto r = Decode(f);
    EXPECT_FALSE(r.ok()) << "flip at " << i << " went unnoticed";
  }
}

TEST(CheckpointFileTest, ResealedDamageNeverChangesTheTensorsUnnoticed) {
  // A tamperer who recomputes the trailer hash gets past the first check.
  // Random damage must then either be rejected or leave the tensors (and
  // the state hash) exactly as written; only meta is unauthenticated.
  const std::string good = GoodFile();
  const Digest want = *StateHash(TestState());
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string f = good;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      const size_t at = rng() % (f.size() - kTrailerSize);
      f[at] = static_cast<char>(iter % 2 ? rng() : f[at] ^ (1 << (rng() % 8)));
    }
    Reseal(&f);
    auto r = Decode(f);
    if (!r.ok()) continue;
    ++accepted;
    EXPECT_EQ(r->state_hash, want) << iter;
    ExpectSameState(r->state, TestState());
  }
  EXPECT_LT(accepted, 3000);  // most damage is caught
}

TEST(CheckpointFileTest, NonZeroPaddingIsCorruption) {
  std::string f = GoodFile();
  const json m = ManifestOf(f);
  const uint64_t offset = m["tensors"][1]["offset"];
  ASSERT_EQ(f[offset - 1], '\0');  // the first tensor is not 64-byte sized
  f[offset - 1] = 1;
  Reseal(&f);
  ExpectError(Decode(f), Status::Code::kCorruption, "padding");
}

// ------------------------------------------------------- tampered manifests

TEST(CheckpointFileTest, ManifestEditHelperKeepsValidFilesValid) {
  // Control for the tests below: re-encoding the manifest with padding and
  // resealing still gives a valid file, so their failures come from the edit.
  auto r = Decode(WithManifest(GoodFile(), [](json&) {}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->meta.contains("pad"));
}

TEST(CheckpointFileTest, MalformedManifestJson) {
  std::string f = GoodFile();
  f[kHeaderSize] = 'x';  // "x"format":... is not JSON
  Reseal(&f);
  ExpectError(Decode(f), Status::Code::kCorruption,
              "manifest is not valid JSON");
}

TEST(CheckpointFileTest, ManifestFieldErrorsNameTheField) {
  const std::string good = GoodFile();
  struct Case {
    std::function<void(json&)> edit;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {[](json& m) { m.erase("tensors"); }, "'tensors' is missing"},
      {[](json& m) { m.erase("meta"); }, "'meta' is missing"},
      {[](json& m) { m["tensors"] = "none"; }, "'tensors' is not an array"},
      {[](json& m) { m["state_hash"] = 5; }, "'state_hash' is not a string"},
      {[](json& m) { m["state_hash"] = "abc"; }, "'state_hash' is not 64 hex"},
      {[](json& m) { m["format"] = "safetensors"; }, "'format' is"},
      {[](json& m) { m["version"] = 1; }, "'version' is 1, but the header says 2"},
      {[](json& m) { m["extra"] = 1; }, "'extra' is not part of the checkpoint format"},
      {[](json& m) { m["tensors"][2] = 7; }, "'tensors[2]' is not an object"},
      {[](json& m) { m["tensors"][2].erase("sha256"); },
       "'tensors[2].sha256' is missing"},
      {[](json& m) { m["tensors"][2]["shape"] = "3x5"; },
       "'tensors[2].shape' is not an array"},
      {[](json& m) { m["tensors"][2]["shape"][0] = -3; },
       "'tensors[2].shape[0]' is not a dimension"},
      {[](json& m) { m["tensors"][2]["shape"][0] = 1.5; },
       "'tensors[2].shape[0]' is not a dimension"},
      {[](json& m) { m["tensors"][2]["offset"] = "64"; },
       "'tensors[2].offset' is not a non-negative integer"},
      {[](json& m) { m["tensors"][2]["dtype"] = "f128"; },
       "'tensors[2].dtype' names no known dtype"},
      {[](json& m) { m["tensors"][2]["name"] = ""; },
       "'tensors[2].name' is empty"},
      {[](json& m) { m["tensors"][2]["name"] = 3; },
       "'tensors[2].name' is not a string"},
      {[](json& m) { m["tensors"][2]["size"] = 4; },
       "'tensors[2].size' is 4, which does not match"},
      {[](json& m) { m["tensors"][2]["unit"] = "m"; },
       "'tensors[2].unit' is not part of the checkpoint format"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.needle);
    ExpectError(Decode(WithManifest(good, c.edit)), Status::Code::kCorruption,
                c.needle);
  }
}

TEST(CheckpointFileTest, TensorRangeErrors) {
  const std::string good = GoodFile();
  const json m = ManifestOf(good);
  const std::string t1 = m["tensors"][1]["name"];
  const std::string t0 = m["tensors"][0]["name"];
  const size_t last = m["tensors"].size() - 1;
  const std::string tl = m["tensors"][last]["name"];

  ExpectError(Decode(WithManifest(good,
                                  [](json& j) {
                                    uint64_t o = j["tensors"][1]["offset"];
                                    j["tensors"][1]["offset"] = o + 8;
                                  })),
              Status::Code::kCorruption, "is misaligned");
  ExpectError(Decode(WithManifest(good,
                                  [](json& j) {
                                    j["tensors"][1]["offset"] =
                                        j["tensors"][0]["offset"];
                                  })),
              Status::Code::kCorruption, "tensor \"" + t1 + "\": range [");
  ExpectError(Decode(WithManifest(good,
                                  [](json& j) {
                                    j["tensors"][1]["offset"] =
                                        j["tensors"][0]["offset"];
                                  })),
              Status::Code::kCorruption, "overlaps tensor \"" + t0 + "\"");
  ExpectError(Decode(WithManifest(
                  good, [](json& j) { j["tensors"][0]["offset"] = 0; })),
              Status::Code::kCorruption, "overlaps the header and manifest");
  // The last tensor grows past the trailer: dtype x shape x size agree.
  ExpectError(Decode(WithManifest(good,
                                  [last](json& j) {
                                    json& e = j["tensors"][last];
                                    e["dtype"] = "u8";
                                    e["shape"] = {1000};
                                    e["size"] = 1000;
                                  })),
              Status::Code::kCorruption,
              "truncated: tensor \"" + tl + "\" data");
  ExpectError(Decode(WithManifest(good,
                                  [](json& j) {
                                    uint64_t o = j["tensors"][1]["offset"];
                                    j["tensors"][1]["offset"] = o + 64;
                                  })),
              Status::Code::kCorruption, "leaves a gap");
}

TEST(CheckpointFileTest, HashFieldsMustMatchTheTensors) {
  const std::string good = GoodFile();
  const json m = ManifestOf(good);
  const std::string t2 = m["tensors"][2]["name"];
  ExpectError(
      Decode(WithManifest(
          good,
          [](json& j) { j["tensors"][2]["sha256"] = std::string(64, 'a'); })),
      Status::Code::kCorruption, "tensor \"" + t2 + "\": hash mismatch");
  ExpectError(
      Decode(WithManifest(
          good, [](json& j) { j["state_hash"] = std::string(64, '0'); })),
      Status::Code::kCorruption, "does not match the tensors");
  // Renaming a tensor (keeping order) changes its header: its hash fails.
  ExpectError(Decode(WithManifest(good,
                                  [](json& j) {
                                    std::string n = j["tensors"][2]["name"];
                                    j["tensors"][2]["name"] = n + "~";
                                  })),
              Status::Code::kCorruption, "hash mismatch");
}

TEST(CheckpointFileTest, TensorsMustBeInNameOrderAndUnique) {
  const std::string good = GoodFile();
  ExpectError(
      Decode(WithManifest(
          good, [](json& j) { std::swap(j["tensors"][1], j["tensors"][2]); })),
      Status::Code::kCorruption, "not in name order");
  ExpectError(
      Decode(WithManifest(
          good,
          [](json& j) { j["tensors"][2]["name"] = j["tensors"][1]["name"]; })),
      Status::Code::kCorruption, "twice");
}

TEST(CheckpointFileTest, DeeplyNestedManifestIsRejectedWithoutCrashing) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  ExpectError(Decode(FileWithManifest(deep)), Status::Code::kCorruption,
              "nests deeper");
  // Brackets inside strings do not count.
  const json ok_meta = {{"s", std::string(500, '[')}};
  auto r = Decode(FileWithManifest(json{
      {"format", "veritrain-checkpoint"},
      {"version", 2},
      {"meta", ok_meta},
      {"state_hash", StateHash({})->Hex()},
      {"tensors", json::array()}}.dump()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->meta, ok_meta);
}

// ---------------------------------------------------------------- writing

TEST(CheckpointFileTest, WriteRejectsInvalidInput) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  State dup = TestState();
  dup.push_back(dup[0]);
  Status s = WriteCheckpoint(path, dup, TestMeta());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("duplicate tensor name \"layer1.weight\""),
            std::string::npos)
      << s.ToString();

  State bad_name = {MakeTensor("w\xff", DType::kUInt8, {1}, "x")};
  s = WriteCheckpoint(path, bad_name, TestMeta());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("tensor name"), std::string::npos) << s.ToString();

  s = WriteCheckpoint(path, TestState(), json{{"bad", "\xc3"}});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("meta"), std::string::npos) << s.ToString();

  json deep = 1;
  for (int i = 0; i < 65; ++i) deep = json::array({deep});
  s = WriteCheckpoint(path, TestState(), deep);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("deeper than 64"), std::string::npos)
      << s.ToString();
  json limit = 1;
  for (int i = 0; i < 64; ++i) limit = json::array({limit});
  ASSERT_TRUE(WriteCheckpoint(path, TestState(), limit).ok());
  auto r = ReadCheckpoint(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->meta, limit);
  fs::remove(path);

  EXPECT_TRUE(dir.Entries().empty());
}

TEST(CheckpointFileTest, ReplacesAnExistingFileWholeAndLeavesNoTempFiles) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  State big = TestState();
  big.push_back(MakeTensor("big", DType::kUInt8, {100000}, Pattern(100000, 9)));
  ASSERT_TRUE(WriteCheckpoint(path, big, TestMeta()).ok());
  const State small = {MakeTensor("only", DType::kInt32, {2}, Pattern(8, 1))};
  ASSERT_TRUE(WriteCheckpoint(path, small, json{{"v", 2}}).ok());
  auto c = ReadCheckpoint(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectSameState(c->state, small);
  EXPECT_EQ(c->meta, (json{{"v", 2}}));
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"c.vtc"});
}

TEST(CheckpointFileTest, FailedWriteLeavesNothingBehind) {
  ScratchDir dir;
  const std::string path = dir.path() + "/missing/c.vtc";
  Status s = WriteCheckpoint(path, TestState(), TestMeta());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(CheckpointFileTest, ReadMissingFileIsNotFound) {
  ScratchDir dir;
  auto r = ReadCheckpoint(dir.path() + "/nope.vtc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("nope.vtc"), std::string::npos);
}

// ---------------------------------------------------------------- mapping

TEST(CheckpointFileTest, ReadGivesTheVerifiedTensorHashesInStateOrder) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  ASSERT_TRUE(WriteCheckpoint(path, TestState(), TestMeta()).ok());
  auto c = ReadCheckpoint(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->tensor_hashes.size(), c->state.size());
  for (size_t i = 0; i < c->state.size(); ++i) {
    EXPECT_EQ(c->tensor_hashes[i], TensorHash(c->state[i])) << c->state[i].name;
  }
}

TEST(CheckpointFileTest, MapCheckpointGivesWhatReadGivesForAGoodFile) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  ASSERT_TRUE(WriteCheckpoint(path, TestState(), TestMeta()).ok());
  auto read = ReadCheckpoint(path);
  auto mapped = MapCheckpoint(path);
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  EXPECT_EQ(mapped->state_hash, read->state_hash);
  EXPECT_EQ(mapped->tensor_hashes, read->tensor_hashes);
  EXPECT_EQ(mapped->meta, read->meta);
  ASSERT_EQ(mapped->state.size(), read->state.size());
  for (size_t i = 0; i < read->state.size(); ++i) {
    EXPECT_EQ(mapped->state[i].bytes.view(), read->state[i].bytes.view());
  }
}

// As ExpectError, for a file read from disk (its message starts with the
// path).
void ExpectFileError(const Result<Checkpoint>& r, Status::Code code,
                     const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "read a damaged file (expected: " << needle << ")";
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_NE(r.status().message().find(needle), std::string::npos)
      << "wanted \"" << needle << "\" in " << r.status().ToString();
}

TEST(CheckpointFileTest, MapCheckpointHashesNothingButChecksTheStructure) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  std::string f = GoodFile();
  const json m = ManifestOf(f);
  const std::string name = m["tensors"][3]["name"];
  const uint64_t offset = m["tensors"][3]["offset"];
  f[offset + 2] ^= 0x40;
  Spit(path, f);
  // The damaged bytes are returned with the manifest's hash, which no longer
  // matches them: a receiver checking the hash refuses them.
  auto mapped = MapCheckpoint(path);
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  const TensorData* t = FindTensor(mapped->state, name);
  ASSERT_NE(t, nullptr);
  const size_t at = static_cast<size_t>(t - mapped->state.data());
  EXPECT_NE(TensorHash(*t), mapped->tensor_hashes[at]);
  ExpectFileError(ReadCheckpoint(path), Status::Code::kCorruption,
                  "tensor \"" + name + "\": hash mismatch");
  // Structure is still checked: a state_hash that is not the root of the
  // tensor hashes, or a truncated file.
  Spit(path, WithManifest(GoodFile(), [](json& j) {
         j["state_hash"] = std::string(64, 'a');
       }));
  ExpectFileError(MapCheckpoint(path), Status::Code::kCorruption,
              "does not match the tensors");
  Spit(path, GoodFile().substr(0, 100));
  ExpectFileError(MapCheckpoint(path), Status::Code::kCorruption, "truncated");
}

// A read checkpoint's tensor let go leaves the process's resident memory
// at once, while the file's other tensors are still in use: a step that
// replaces a loaded state tensor by tensor frees it as it goes (the file
// stays mapped until its last tensor goes).
TEST(CheckpointFile, ATensorLetGoLeavesResidentMemoryAtOnce) {
  ScratchDir dir;
  const std::string path = dir.path() + "/big.vtc";
  const size_t bytes = size_t{16} << 20;
  const std::string second = Pattern(bytes, 9);
  ASSERT_TRUE(WriteCheckpoint(path,
                              {MakeTensor("a", DType::kUInt8, {static_cast<int64_t>(bytes)},
                                          Pattern(bytes, 8)),
                               MakeTensor("b", DType::kUInt8, {static_cast<int64_t>(bytes)},
                                          second)},
                              TestMeta())
                  .ok());
  for (auto read : {ReadCheckpoint, MapCheckpoint}) {
    auto c = read(path);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_EQ(c->state.size(), 2u);
    // Every page in memory (ReadCheckpoint has read them to verify them).
    uint64_t sum = 0;
    for (const TensorData& t : c->state) {
      for (size_t i = 0; i < t.bytes.size(); i += 4096) sum += t.bytes.data()[i];
    }
    EXPECT_GT(sum, 0u);
    const int64_t before = ResidentBytes();
    c->state.erase(c->state.begin());  // "a"
    const int64_t after = ResidentBytes();
    EXPECT_GE(before - after, static_cast<int64_t>(bytes) * 9 / 10);
    EXPECT_EQ(c->state[0].bytes.view(), second);
  }
}

}  // namespace
}  // namespace veritrain
