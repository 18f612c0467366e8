// The decoded-dataset cache as users meet it, through the veritrain
// command: two checks started at once on a cold cache each succeed and
// leave one valid entry per set; a check on a warm cache decodes nothing;
// a damaged entry is named in the log and rebuilt; `veritrain cache
// list/clear` show and remove entries and nothing else. The job is the
// mlp on a small Fashion-MNIST-format dataset written by the test.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using test_support::CommandResult;

// Gzipped IDX: zero, zero, type, rank, big-endian u32 dims, then `data`.
void WriteIdxGz(const std::string& path, uint8_t rank_type, std::vector<uint32_t> dims,
                const std::string& data) {
  std::string bytes = {0, 0, static_cast<char>(rank_type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<char>((d >> s) & 0xFF));
  }
  bytes += data;
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

// A Fashion-MNIST-shaped set of `n` samples named "train" or "t10k".
void WriteFashionSet(const std::string& dir, const std::string& name, uint32_t n) {
  std::string pixels(static_cast<size_t>(n) * 784, '\0');
  std::string labels(n, '\0');
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<char>((i * 37 + n) % 251);
  for (uint32_t i = 0; i < n; ++i) labels[i] = static_cast<char>(i % 10);
  WriteIdxGz(dir + "/" + name + "-images-idx3-ubyte.gz", 0x08, {n, 28, 28}, pixels);
  WriteIdxGz(dir + "/" + name + "-labels-idx1-ubyte.gz", 0x08, {n}, labels);
}

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::MakeTestDir("vt-cache-");
    ASSERT_FALSE(dir_.empty());
    cache_ = dir_ + "/cache";
    data_ = dir_ + "/data";
    fs::create_directories(data_);
    WriteFashionSet(data_, "train", 300);
    WriteFashionSet(data_, "t10k", 100);
    auto j = nlohmann::json::parse(test_support::ReadWholeFile(
        std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/quickstart.json"));
    j["job"]["steps"] = 20;
    j["job"]["params"]["dataset_dir"] = data_;
    j["protocol"]["checkpoint_interval"] = 10;
    j["expect"] = nlohmann::json::array();
    scenario_ = dir_ + "/small.json";
    std::ofstream(scenario_) << j.dump(2);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `veritrain ARGS --cache-dir <the test's cache>` in its own temp dir.
  CommandResult Veritrain(std::vector<std::string> args, const std::string& tmp) {
    fs::create_directories(tmp);
    args.push_back("--cache-dir");
    args.push_back(cache_);
    return test_support::WaitVeritrain(test_support::SpawnVeritrain(args, tmp), tmp);
  }
  std::vector<fs::path> Files(const std::string& under) {
    std::vector<fs::path> out;
    if (!fs::exists(under)) return out;
    for (const auto& e : fs::directory_iterator(under)) out.push_back(e.path());
    return out;
  }
  static int Count(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  std::string dir_, cache_, data_, scenario_;
};

TEST_F(CacheTest, ChecksAtOnceBuildOneEntryPerSetAndAWarmCheckDecodesNothing) {
  const pid_t a = test_support::SpawnVeritrain({"check", scenario_, "--cache-dir", cache_},
                                               (fs::create_directories(dir_ + "/a"), dir_ + "/a"));
  const pid_t b = test_support::SpawnVeritrain({"check", scenario_, "--cache-dir", cache_},
                                               (fs::create_directories(dir_ + "/b"), dir_ + "/b"));
  const CommandResult ra = test_support::WaitVeritrain(a, dir_ + "/a");
  const CommandResult rb = test_support::WaitVeritrain(b, dir_ + "/b");
  ASSERT_EQ(ra.exit_code, 0) << ra.out << ra.err;
  ASSERT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  // Two entries (train and test), no temporary file left by either writer.
  const std::vector<fs::path> entries = Files(cache_ + "/datasets");
  ASSERT_EQ(entries.size(), 2u) << ::testing::PrintToString(entries);
  for (const auto& e : entries) EXPECT_EQ(e.extension(), ".vtds") << e;

  const CommandResult warm = Veritrain({"check", scenario_}, dir_ + "/c");
  ASSERT_EQ(warm.exit_code, 0) << warm.out << warm.err;
  EXPECT_EQ(Count(warm.err, "dataset cache: using"), 2) << warm.err;  // log lines: stderr
  EXPECT_EQ(Count(warm.out + warm.err, "decoded"), 0) << warm.out;
  EXPECT_EQ(Count(warm.out + warm.err, "rebuilding"), 0) << warm.out;
}

TEST_F(CacheTest, ADamagedEntryIsNamedAndRebuilt) {
  ASSERT_EQ(Veritrain({"check", scenario_}, dir_ + "/a").exit_code, 0);
  const std::vector<fs::path> entries = Files(cache_ + "/datasets");
  ASSERT_EQ(entries.size(), 2u);
  // Cut one entry short and flip a bit of the other's payload.
  const std::string cut = entries[0].string(), flipped = entries[1].string();
  fs::resize_file(cut, fs::file_size(cut) - 1000);
  {
    std::fstream f(flipped, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-5000, std::ios::end);
    char c = 0;
    f.read(&c, 1);
    f.seekp(-5000, std::ios::end);
    c = static_cast<char>(c ^ 0x10);
    f.write(&c, 1);
  }
  const CommandResult r = Veritrain({"check", scenario_}, dir_ + "/b");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string log = r.out + r.err;
  EXPECT_NE(log.find(cut + ": truncated"), std::string::npos) << log;
  EXPECT_NE(log.find(flipped + ": payload checksum mismatch"), std::string::npos) << log;
  EXPECT_EQ(Count(log, "not used, decoding"), 2) << log;
  // Rebuilt: the next check uses both.
  const CommandResult again = Veritrain({"check", scenario_}, dir_ + "/c");
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_EQ(Count(again.err, "dataset cache: using"), 2) << again.err;
}

TEST_F(CacheTest, ListAndClearShowAndRemoveEntriesOnly) {
  ASSERT_EQ(Veritrain({"check", scenario_}, dir_ + "/a").exit_code, 0);
  std::ofstream(cache_ + "/datasets/notes.txt") << "the user's own file";
  const CommandResult list = Veritrain({"cache", "list"}, dir_ + "/b");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(Count(list.out, ".vtds"), 2) << list.out;
  EXPECT_NE(list.out.find(cache_ + ": 2 file(s)"), std::string::npos) << list.out;
  const CommandResult where = Veritrain({"cache", "dir"}, dir_ + "/c");
  EXPECT_EQ(where.out, cache_ + "\n");

  const CommandResult clear = Veritrain({"cache", "clear"}, dir_ + "/d");
  ASSERT_EQ(clear.exit_code, 0) << clear.err;
  EXPECT_EQ(Count(clear.out, "removed "), 2) << clear.out;
  const std::vector<fs::path> left = Files(cache_ + "/datasets");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].filename(), "notes.txt");
  // The next check decodes again, and says so.
  const CommandResult cold = Veritrain({"check", scenario_}, dir_ + "/e");
  ASSERT_EQ(cold.exit_code, 0);
  EXPECT_EQ(Count(cold.err, "dataset cache: decoded"), 2) << cold.err;
  // With the cache off there is nothing to clear, and the command says why.
  const std::string tmp = dir_ + "/f";
  fs::create_directories(tmp);
  const CommandResult off = test_support::WaitVeritrain(
      test_support::SpawnVeritrain({"cache", "clear", "--cache-dir", "off"}, tmp), tmp);
  EXPECT_EQ(off.exit_code, 2);
  EXPECT_NE(off.err.find("the dataset cache is off"), std::string::npos) << off.err;
}

}  // namespace
}  // namespace veritrain
