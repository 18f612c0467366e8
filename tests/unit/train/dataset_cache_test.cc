// Tests for the decoded-dataset cache: a hit gives the bits of a cold
// decode (Fashion-MNIST through its loader too), every damaged or foreign
// entry is refused and rebuilt, concurrent builders leave one valid entry,
// a failed store loses nothing, and clearing removes entries and nothing
// else.
#include "core/train/dataset_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <torch/types.h>

#include <atomic>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto/merkle.h"
#include "core/state/disk_full_env.h"
#include "core/train/dataset_cache_file.h"
#include "core/train/dataset_files.h"
#include "core/train/torch_bridge.h"
#include "tests/support/files.h"

// A namespace of its own: the test files of unit_train build as one unit.
namespace veritrain::dataset_cache_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kFashion = "/usr/share/datasets/fashion-mnist";

// A fresh directory for one test, removed afterwards.
class CacheDir {
 public:
  explicit CacheDir(const std::string& name)
      : path_(::testing::TempDir() + "/veritrain_dataset_cache_" + name) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~CacheDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets an environment variable for the scope (the test binary is single
// threaded while it runs).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    had_ = std::getenv(name) != nullptr;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A source file whose bytes the key hashes, and a small dataset "decoded"
// from it: `samples` rows of `features` values derived from the seed.
struct Source {
  std::string path;
  int64_t samples;
  int64_t features;
  torch::ScalarType dtype;
};

// Pure arithmetic on the source's bytes (no global generator), so that
// threads decoding at once get the same bits.
Dataset DecodeSource(const Source& s) {
  const std::string bytes = ReadAll(s.path);
  uint64_t seed = 0;
  for (char c : bytes) seed = seed * 131 + static_cast<uint8_t>(c);
  const double scale = 1.0 + static_cast<double>(seed % 97);
  torch::Tensor x = torch::arange(s.samples * s.features, torch::kFloat64)
                        .mul(scale)
                        .sin()
                        .reshape({s.samples, s.features})
                        .to(s.dtype);
  torch::Tensor y = torch::arange(s.samples, torch::kInt64).remainder(7);
  std::vector<Digest> leaves;
  for (int64_t i = 0; i < s.samples; ++i) {
    leaves.push_back(MerkleLeafHash(std::to_string(seed) + "/" + std::to_string(i)));
  }
  return DatasetFromLeaves(x.contiguous(), y, std::move(leaves));
}

// An entry file's header length (dataset_cache_file.h: u32 at offset 12).
size_t HeaderBytes(const std::string& file) {
  uint32_t n = 0;
  for (int i = 3; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(file[12 + i]);
  return n;
}

// The key recorded in an entry file's header.
nlohmann::json HeaderKey(const std::string& file) {
  return nlohmann::json::parse(file.substr(48, HeaderBytes(file)))["key"];
}

DatasetCacheKey KeyOf(const Source& s) {
  return DatasetCacheKey{"test/1", {{"features", s.features}}, s.dtype, {s.path}};
}

// Loads `s` through the cache in `dir`, counting the decodes.
Result<Dataset> Load(const std::string& dir, const Source& s, int* decodes = nullptr,
                     Env* env = nullptr) {
  return LoadThroughCache(
      dir, KeyOf(s),
      [&]() -> Result<Dataset> {
        if (decodes != nullptr) ++*decodes;
        return DecodeSource(s);
      },
      env);
}

void ExpectSameDataset(const Dataset& a, const Dataset& b) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_TRUE(BitEqual(a.x, b.x));
  EXPECT_TRUE(BitEqual(a.y, b.y));
  EXPECT_EQ(a.x.scalar_type(), b.x.scalar_type());
  EXPECT_EQ(a.x.sizes(), b.x.sizes());
  EXPECT_EQ(a.root, b.root);
  ASSERT_EQ(a.tree->size(), b.tree->size());
  for (size_t i = 0; i < a.tree->size(); ++i) ASSERT_EQ(a.tree->leaf(i), b.tree->leaf(i)) << i;
}

Source MakeSource(const std::string& dir, const std::string& content, int64_t samples = 37,
                  int64_t features = 5, torch::ScalarType dtype = torch::kFloat32) {
  const std::string path = dir + "/source-" + content;
  WriteAll(path, content);
  return Source{path, samples, features, dtype};
}

std::string EntryOf(const std::string& dir, const Source& s) {
  auto p = DatasetCachePath(dir, KeyOf(s));
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : "";
}

TEST(DatasetCacheTest, AHitReturnsTheBitsOfAColdDecodeWithoutDecoding) {
  CacheDir dir("hit");
  for (torch::ScalarType dtype : {torch::kFloat32, torch::kFloat64}) {
    for (int64_t samples : {1, 2, 37, 1000}) {
      const Source s = MakeSource(dir.path(), "hit" + std::to_string(samples), samples,
                                  samples % 7 + 1, dtype);
      const Dataset cold = DecodeSource(s);
      int decodes = 0;
      auto first = Load(dir.path(), s, &decodes);
      ASSERT_TRUE(first.ok()) << first.status().ToString();
      EXPECT_EQ(decodes, 1);
      ASSERT_TRUE(fs::exists(EntryOf(dir.path(), s)));
      auto second = Load(dir.path(), s, &decodes);
      ASSERT_TRUE(second.ok()) << second.status().ToString();
      EXPECT_EQ(decodes, 1) << "a valid entry must not be decoded again";
      ExpectSameDataset(*first, cold);
      ExpectSameDataset(*second, cold);
    }
  }
}

TEST(DatasetCacheTest, TheKeyIsTheSourcesContentNotTheirPath) {
  CacheDir dir("key");
  const Source a = MakeSource(dir.path(), "one");
  int decodes = 0;
  ASSERT_TRUE(Load(dir.path(), a, &decodes).ok());
  // The same bytes under another name: the same entry.
  Source moved = a;
  moved.path = dir.path() + "/moved";
  fs::copy_file(a.path, moved.path);
  ASSERT_TRUE(Load(dir.path(), moved, &decodes).ok());
  EXPECT_EQ(decodes, 1);
  // New bytes at the same path: another entry, decoded from the new bytes.
  WriteAll(a.path, "two");
  auto changed = Load(dir.path(), a, &decodes);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(decodes, 2);
  ExpectSameDataset(*changed, DecodeSource(a));
  // So do another dtype and other parameters.
  Source f64 = a;
  f64.dtype = torch::kFloat64;
  EXPECT_NE(EntryOf(dir.path(), f64), EntryOf(dir.path(), a));
  DatasetCacheKey other = KeyOf(a);
  other.params["features"] = 6;
  EXPECT_NE(*DatasetCachePath(dir.path(), other), EntryOf(dir.path(), a));
}

TEST(DatasetCacheTest, EveryFlippedByteAndEveryTruncationIsRefused) {
  CacheDir dir("flip");
  const Source s = MakeSource(dir.path(), "flip", 9, 3);
  ASSERT_TRUE(Load(dir.path(), s).ok());
  const std::string entry = EntryOf(dir.path(), s);
  const std::string good = ReadAll(entry);
  const nlohmann::json key = HeaderKey(good);
  ASSERT_TRUE(VerifyCacheFile(good, key, "e").ok());
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(VerifyCacheFile(bad, key, "e").ok()) << "byte " << i << " of " << good.size();
  }
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(VerifyCacheFile(good.substr(0, n), key, "e").ok()) << n;
  }
  EXPECT_THAT(VerifyCacheFile(good + '\0', key, "e").status().message(), HasSubstr("too long"));
}

// The cases a user meets on disk, through the loader: each is refused with
// a named reason, the data returned are a fresh decode, and the entry is
// valid again afterwards.
TEST(DatasetCacheTest, CorruptTruncatedAndForeignEntriesAreRebuilt) {
  CacheDir dir("rebuild");
  const Source s = MakeSource(dir.path(), "rebuild", 64, 4);
  const Source other = MakeSource(dir.path(), "other", 64, 4);
  ASSERT_TRUE(Load(dir.path(), s).ok());
  ASSERT_TRUE(Load(dir.path(), other).ok());
  const std::string entry = EntryOf(dir.path(), s);
  const std::string good = ReadAll(entry);
  const size_t payload = (48 + HeaderBytes(good) + 63) / 64 * 64;  // where x starts
  struct Damage {
    std::string what;
    std::string bytes;
    std::string reason;
  };
  std::string x_flip = good;
  x_flip[payload + 5] ^= 0x40;
  std::string leaf_flip = good;
  leaf_flip[good.size() - 1] ^= 0x01;
  std::string header_flip = good;
  header_flip[60] ^= 0x01;
  // An entry written before the payload checksum became XXH3-128.
  std::string version1 = good;
  version1[8] = 1;
  const std::vector<Damage> damages = {
      {"a flipped bit in x", x_flip, "payload checksum mismatch"},
      {"a flipped bit in a leaf", leaf_flip, "payload checksum mismatch"},
      {"an entry of format version 1", version1, "unsupported format version 1"},
      {"a flipped bit in the header", header_flip, "header hash mismatch"},
      {"cut in the payload", good.substr(0, good.size() - 100), "truncated"},
      {"cut in the header", good.substr(0, 70), "truncated"},
      {"empty", "", "truncated"},
      {"another key's entry", ReadAll(EntryOf(dir.path(), other)), "made for another key"},
      {"not an entry", "hello, world, this is not a cache file at all; not at all.", "bad magic"},
  };
  for (const Damage& d : damages) {
    SCOPED_TRACE(d.what);
    WriteAll(entry, d.bytes);
    const DatasetCacheCounters before = GetDatasetCacheCounters();
    int decodes = 0;
    auto loaded = Load(dir.path(), s, &decodes);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(decodes, 1);
    EXPECT_EQ(GetDatasetCacheCounters().rejected, before.rejected + 1);
    ExpectSameDataset(*loaded, DecodeSource(s));
    EXPECT_EQ(ReadAll(entry), good) << "the entry is rebuilt whole";
    // What the log says: the file and the reason.
    auto verdict = VerifyCacheFile(d.bytes, HeaderKey(good), entry);
    ASSERT_FALSE(verdict.ok());
    EXPECT_THAT(verdict.status().message(), HasSubstr(d.reason));
    EXPECT_THAT(verdict.status().message(), HasSubstr(entry));
  }
}

// A FIFO in an entry's place: opening it for reading waited for a writer
// that never came, and check and every role hung. It is refused as not a
// regular file, and the entry rebuilt.
TEST(DatasetCacheTest, AFifoInAnEntrysPlaceIsRefusedNotWaitedOn) {
  CacheDir dir("fifo");
  const Source s = MakeSource(dir.path(), "fifo", 64, 4);
  ASSERT_TRUE(Load(dir.path(), s).ok());
  const std::string entry = EntryOf(dir.path(), s);
  const std::string good = ReadAll(entry);
  ASSERT_EQ(std::remove(entry.c_str()), 0);
  ASSERT_EQ(::mkfifo(entry.c_str(), 0600), 0);
  int decodes = 0;
  auto loaded = Load(dir.path(), s, &decodes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(decodes, 1);
  ExpectSameDataset(*loaded, DecodeSource(s));
  EXPECT_EQ(ReadAll(entry), good);
}

TEST(DatasetCacheTest, ConcurrentBuildersLeaveOneValidEntry) {
  CacheDir dir("concurrent");
  const Source s = MakeSource(dir.path(), "concurrent", 2000, 16);
  const Dataset cold = DecodeSource(s);
  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  std::vector<Result<Dataset>> results(kThreads, Status::Internal("not run"));
  std::atomic<int> ready{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) {
      }
      results[t] = Load(dir.path(), s);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ExpectSameDataset(*r, cold);
  }
  auto files = ListDatasetCache(dir.path());
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u) << "one entry, no temporary file left";
  EXPECT_FALSE(files->front().temporary);
  int decodes = 0;
  auto again = Load(dir.path(), s, &decodes);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(decodes, 0);
  ExpectSameDataset(*again, cold);
}

TEST(DatasetCacheTest, AStoreThatFailsLosesNothing) {
  CacheDir dir("full");
  const Source s = MakeSource(dir.path(), "full", 300, 8);
  DiskFullEnv full(Env::Default(), 1000);
  const DatasetCacheCounters before = GetDatasetCacheCounters();
  auto loaded = Load(dir.path(), s, nullptr, &full);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameDataset(*loaded, DecodeSource(s));
  EXPECT_EQ(GetDatasetCacheCounters().store_failures, before.store_failures + 1);
  EXPECT_TRUE(ListDatasetCache(dir.path())->empty()) << "no entry, no temporary file";
  // A cache directory that is a file: the same.
  const std::string not_a_dir = dir.path() + "/plain-file";
  WriteAll(not_a_dir, "x");
  auto second = Load(not_a_dir, s);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ExpectSameDataset(*second, DecodeSource(s));
}

TEST(DatasetCacheTest, DecodeErrorsAndUnreadableSourcesPassThrough) {
  CacheDir dir("errors");
  DatasetCacheKey key{"test/1", {}, torch::kFloat32, {dir.path() + "/missing"}};
  auto r = LoadThroughCache(dir.path(), key,
                            [] { return Result<Dataset>(Status::NotFound("missing: gone")); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "missing: gone");
  const Source s = MakeSource(dir.path(), "bad");
  r = LoadThroughCache(dir.path(), KeyOf(s),
                       [] { return Result<Dataset>(Status::Corruption("bad label")); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "bad label");
  EXPECT_TRUE(ListDatasetCache(dir.path())->empty());
}

TEST(DatasetCacheTest, ClearRemovesEntriesAndLeftoversAndNothingElse) {
  CacheDir dir("clear");
  const Source a = MakeSource(dir.path(), "a");
  const Source b = MakeSource(dir.path(), "b");
  auto held = Load(dir.path(), a);
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(Load(dir.path(), b).ok());
  const std::string leftover = EntryOf(dir.path(), a) + ".tmp.12345.0";
  WriteAll(leftover, "half a file");
  const std::string unrelated = dir.path() + "/datasets/README";
  WriteAll(unrelated, "not ours");
  auto listed = ListDatasetCache(dir.path());
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
  auto removed = ClearDatasetCache(dir.path());
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->size(), 3u);
  EXPECT_TRUE(ListDatasetCache(dir.path())->empty());
  EXPECT_TRUE(fs::exists(unrelated));
  // A dataset mapped before the clear stays readable; the next load decodes.
  ExpectSameDataset(*held, DecodeSource(a));
  int decodes = 0;
  ASSERT_TRUE(Load(dir.path(), a, &decodes).ok());
  EXPECT_EQ(decodes, 1);
  // Clearing a cache that does not exist is not an error.
  EXPECT_TRUE(ClearDatasetCache(dir.path() + "/nothing-here")->empty());
}

// A cache directory that is a file is a mistyped one: said, not listed as
// an empty cache. A FIFO named as an entry is no entry (it was counted).
TEST(DatasetCacheTest, AFileForTheDirectoryIsRefusedAndOnlyFilesAreEntries) {
  testing_util::ScratchDir dir;
  const std::string file = dir.path() + "/a-file";
  WriteAll(file, "not a directory");
  auto listed = ListDatasetCache(file);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(listed.status().message(), file + " is not a directory");
  EXPECT_FALSE(ClearDatasetCache(file).ok());
  const Source a = MakeSource(dir.path(), "a");
  ASSERT_TRUE(Load(dir.path(), a).ok());
  const std::string fifo = dir.path() + "/datasets/" + std::string(64, '0') + ".vtds";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  listed = ListDatasetCache(dir.path());
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

TEST(DatasetCacheTest, TheDirectoryFollowsTheEnvironment) {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "");
    ScopedEnv own("VERITRAIN_CACHE_DIR", "");
    EXPECT_EQ(DatasetCacheDir(), "/home/someone/.cache/veritrain");
  }
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    ScopedEnv own("VERITRAIN_CACHE_DIR", "");
    EXPECT_EQ(DatasetCacheDir(), "/xdg/veritrain");
  }
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    ScopedEnv own("VERITRAIN_CACHE_DIR", "/mine");
    EXPECT_EQ(DatasetCacheDir(), "/mine");
  }
  ScopedEnv off("VERITRAIN_CACHE_DIR", "off");
  EXPECT_EQ(DatasetCacheDir(), "");
}

// An IDX dataset whose values are not finite is refused by its decoder,
// so it is never stored; and an entry an earlier decoder stored for it
// (idx/1, which did not check) is not what the loader reads.
TEST(DatasetCacheTest, IdxDataThatIsNotFiniteIsNeverCachedAsValid) {
  CacheDir dir("nonfinite");
  ScopedEnv env("VERITRAIN_CACHE_DIR", dir.path());
  // Two f32 samples of two values (big-endian), the second a NaN; u8 labels.
  const std::string samples = std::string("\0\0\x0D\x02\0\0\0\x02\0\0\0\x02", 12) +
                              std::string("\x3F\x80\0\0\x3F\x80\0\0", 8) +
                              std::string("\x3F\x80\0\0\x7F\xC0\0\0", 8);
  const std::string labels = std::string("\0\0\x08\x01\0\0\0\x02\0\x01", 10);
  const std::string x_path = dir.path() + "/x.idx";
  const std::string y_path = dir.path() + "/y.idx";
  WriteAll(x_path, samples);
  WriteAll(y_path, labels);
  // What the loader before the check stored: the decoded set, NaN and all.
  const FeatureScaling none;
  const nlohmann::json params = {{"scale", none.scale}, {"mean", none.mean}, {"std", none.std}};
  const DatasetCacheKey stale{"idx/1", params, torch::kFloat32, {x_path, y_path}};
  auto stored = LoadThroughCache(dir.path(), stale, [] {
    torch::Tensor x = torch::tensor({{1.0f, 1.0f}, {1.0f, std::nanf("")}});
    std::vector<Digest> leaves = {MerkleLeafHash("0"), MerkleLeafHash("1")};
    return Result<Dataset>(DatasetFromLeaves(x, torch::tensor({0, 1}, torch::kInt64), leaves));
  });
  ASSERT_TRUE(stored.ok());
  auto listed = ListDatasetCache(dir.path());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  for (int load = 0; load < 2; ++load) {
    auto r = LoadIdxDataset(x_path, y_path, 0, none, torch::kFloat32);
    ASSERT_FALSE(r.ok()) << "load " << load;
    EXPECT_THAT(r.status().message(), HasSubstr(x_path + ": sample 1, feature 1 is nan"));
  }
  listed = ListDatasetCache(dir.path());
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u) << "a refused dataset was stored";
}

// Fashion-MNIST through its loader: with the cache off (the loader as it
// was), cold (decoded and stored) and warm (mapped) give the same bits and
// the same dataset root, at limits the other tests do not use.
TEST(DatasetCacheTest, FashionMnistFromTheCacheIsTheColdDecode) {
  CacheDir dir("fashion");
  Result<Dataset> off = Status::Internal("not loaded");
  {
    ScopedEnv env("VERITRAIN_CACHE_DIR", "off");
    off = LoadFashionMnist(kFashion, /*train=*/false, 333);
  }
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  ScopedEnv env("VERITRAIN_CACHE_DIR", dir.path());
  const DatasetCacheCounters c0 = GetDatasetCacheCounters();
  auto cold = LoadFashionMnist(kFashion, /*train=*/false, 334);
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  const DatasetCacheCounters c1 = GetDatasetCacheCounters();
  EXPECT_EQ(c1.decodes, c0.decodes + 1);
  auto warm = LoadFashionMnist(kFashion, /*train=*/false, 335);
  ASSERT_TRUE(warm.ok()) << warm.status().ToString();
  const DatasetCacheCounters c2 = GetDatasetCacheCounters();
  EXPECT_EQ(c2.decodes, c1.decodes) << "the warm load decoded";
  EXPECT_EQ(c2.hits, c1.hits + 1);
  ExpectSameDataset(FirstSamples(*warm, 333), *off);
  ExpectSameDataset(FirstSamples(*warm, 334), *cold);
  EXPECT_EQ(warm->size(), 335);
  EXPECT_TRUE(warm->x.is_contiguous());
  // The whole test set, as the mlp and cnn jobs load it by default.
  auto whole = LoadFashionMnist(kFashion, /*train=*/false, 0);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->size(), 10000);
  ExpectSameDataset(FirstSamples(*whole, 335), *warm);
}

}  // namespace
}  // namespace veritrain::dataset_cache_test
