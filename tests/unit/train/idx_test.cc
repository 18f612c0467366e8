// Tests for the IDX reader and the per-sample dataset commitment.
#include "core/train/idx.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "core/crypto/merkle.h"
#include "core/train/dataset_commitment.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ReadFile;
using testing_util::WriteFile;

using ::testing::HasSubstr;

const std::string kDir = "/usr/share/datasets/fashion-mnist";

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/veritrain_idx_test_" + name;
}

// A raw (not gzipped) u8 IDX file of shape [2, 3].
std::string SmallIdx() {
  return std::string("\x00\x00\x08\x02", 4) +
         std::string("\x00\x00\x00\x02", 4) +
         std::string("\x00\x00\x00\x03", 4) + "abcdef";
}

TEST(IdxTest, ReadsFashionMnistTrainingImages) {
  auto r = ReadIdx(kDir + "/train-images-idx3-ubyte.gz");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, 0x08);
  EXPECT_EQ(r->dims, (std::vector<int64_t>{60000, 28, 28}));
  EXPECT_EQ(r->data.size(), 60000u * 28 * 28);
}

TEST(IdxTest, ReadsFashionMnistLabels) {
  auto r = ReadIdx(kDir + "/train-labels-idx1-ubyte.gz");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dims, (std::vector<int64_t>{60000}));
  int counts[10] = {};
  for (char c : r->data) {
    const auto label = static_cast<unsigned char>(c);
    ASSERT_LT(label, 10);
    ++counts[label];
  }
  // Fashion-MNIST's training set is balanced: 6000 of each class.
  for (int c : counts) EXPECT_EQ(c, 6000);
  // The first labels, as read by reference_values.py.
  EXPECT_EQ(r->data.substr(0, 5), std::string("\x09\x00\x00\x03\x00", 5));
}

TEST(IdxTest, MaxItemsReadsAPrefix) {
  auto all = ReadIdx(kDir + "/t10k-labels-idx1-ubyte.gz");
  auto some = ReadIdx(kDir + "/t10k-labels-idx1-ubyte.gz", 100);
  ASSERT_TRUE(all.ok() && some.ok());
  EXPECT_EQ(some->dims, (std::vector<int64_t>{100}));
  EXPECT_EQ(some->data, all->data.substr(0, 100));
}

TEST(IdxTest, ReadsRawFiles) {
  const std::string path = TempPath("raw.idx");
  WriteFile(path, SmallIdx());
  auto r = ReadIdx(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(r->data, "abcdef");
  std::remove(path.c_str());
}

TEST(IdxTest, TruncatedGzipNamesFileAndSizes) {
  const std::string path = TempPath("cut-labels.gz");
  const std::string whole = ReadFile(kDir + "/train-labels-idx1-ubyte.gz");
  ASSERT_GT(whole.size(), 10000u);
  WriteFile(path, whole.substr(0, 10000));
  auto r = ReadIdx(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(r.status().message(), HasSubstr(path));
  EXPECT_THAT(r.status().message(), HasSubstr("file ends after"));
  // 8 header bytes + 60000 labels.
  EXPECT_THAT(r.status().message(), HasSubstr("expected 60008"));
  std::remove(path.c_str());
}

// Cut inside its 8-byte trailer, a gzip file still holds every byte of
// data but not the CRC-32 that checks them: it was read as whole.
TEST(IdxTest, AGzipFileCutInsideItsTrailerIsRefused) {
  const std::string whole = ReadFile(kDir + "/t10k-labels-idx1-ubyte.gz");
  for (size_t cut : {1u, 4u, 8u}) {
    const std::string path = TempPath("cut-trailer.gz");
    WriteFile(path, whole.substr(0, whole.size() - cut));
    auto r = ReadIdx(path);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_THAT(r.status().message(), HasSubstr(path + ": the gzip stream is cut short"));
    std::remove(path.c_str());
  }
  // Whole, it reads.
  const std::string path = TempPath("whole.gz");
  WriteFile(path, whole);
  EXPECT_TRUE(ReadIdx(path).ok());
  std::remove(path.c_str());
}

TEST(IdxTest, TruncatedRawFile) {
  const std::string path = TempPath("cut.idx");
  WriteFile(path, SmallIdx().substr(0, 14));
  auto r = ReadIdx(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("file ends after 14 bytes, expected 18"));
  WriteFile(path, SmallIdx().substr(0, 6));  // inside the dimensions
  r = ReadIdx(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("file ends after 6 bytes, expected 12"));
  std::remove(path.c_str());
}

TEST(IdxTest, BadMagicUnsupportedTypeAndTrailingBytes) {
  const std::string path = TempPath("bad.idx");
  std::string bad = SmallIdx();
  bad[0] = 1;
  WriteFile(path, bad);
  auto r = ReadIdx(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(r.status().message(), HasSubstr(path));
  EXPECT_THAT(r.status().message(), HasSubstr("bad magic"));

  bad = SmallIdx();
  bad[2] = 0x07;
  WriteFile(path, bad);
  r = ReadIdx(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("unsupported element type 0x07"));

  WriteFile(path, SmallIdx() + "x");
  r = ReadIdx(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("unexpected bytes after"));
  std::remove(path.c_str());
}

TEST(IdxTest, AbsurdDimensionsAreRejected) {
  const std::string path = TempPath("huge.idx");
  // u8, 3 dimensions of 2^24 - 1 each: about 2^72 bytes.
  std::string huge = std::string("\x00\x00\x08\x03", 4);
  for (int i = 0; i < 3; ++i) huge += std::string("\x00\xff\xff\xff", 4);
  WriteFile(path, huge);
  auto r = ReadIdx(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("too large"));
  std::remove(path.c_str());
}

TEST(IdxTest, MissingFileIsIOError) {
  auto r = ReadIdx("/nonexistent/dir/x.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kIOError);
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/dir/x.gz"));
}

TEST(DatasetCommitmentTest, LeafIsMerkleLeafOfIndexLabelFeatures) {
  std::string data(
      "\x05\x00\x00\x00\x00\x00\x00\x00"
      "L"
      "feat",
      13);
  EXPECT_EQ(SampleLeafHash(5, "L", "feat"), MerkleLeafHash(data));
  EXPECT_NE(SampleLeafHash(5, "L", "feat"), SampleLeafHash(6, "L", "feat"));
}

TEST(DatasetCommitmentTest, FashionMnistLeavesMatchReference) {
  auto images = ReadIdx(kDir + "/train-images-idx3-ubyte.gz", 3);
  auto labels = ReadIdx(kDir + "/train-labels-idx1-ubyte.gz", 3);
  ASSERT_TRUE(images.ok() && labels.ok());
  auto leaves = SampleLeafHashes(labels->data, 1, images->data, 784, 3);
  ASSERT_EQ(leaves.size(), 3u);
  // From reference_values.py (Python hashlib over the raw IDX bytes).
  EXPECT_EQ(leaves[0].Hex(),
            "ffabe5b12a36abcb1843273b9b273b6b358f6e4af68b63ae0d2180b72122fb7a");
  EXPECT_EQ(MerkleRoot(leaves).Hex(),
            "da5e90dcd34e1024ee0420e0717f9e8cee7fa927a2c9c245abb1f8259b81caed");
}

}  // namespace
}  // namespace veritrain
