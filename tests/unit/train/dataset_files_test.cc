// Tests for the tensor file format, the IDX and tensor-file dataset
// loaders, and the "dataset" job field.
#include "core/train/dataset_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>
#include <zlib.h>

#include "core/crypto/merkle.h"
#include "core/train/dataset_commitment.h"
#include "core/train/dataset_spec.h"
#include "core/train/job_files.h"
#include "core/train/tensor_file.h"
#include "core/train/torch_bridge.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::WriteFile;

using ::testing::HasSubstr;

const std::string kFashion = "/usr/share/datasets/fashion-mnist";

std::string Temp(const std::string& name) {
  return ::testing::TempDir() + "/veritrain_dataset_files_" + name;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

// An IDX header: zero, zero, type, rank, then big-endian u32 dims.
std::string IdxHeader(uint8_t type, std::vector<uint32_t> dims) {
  std::string h = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<char>((d >> s) & 0xFF));
  }
  return h;
}

TensorData Td(const torch::Tensor& t) { return ToTensorData("t", t.contiguous()); }

TEST(TensorFileTest, RoundTripsEveryDtypeAndEncodesTheDocumentedLayout) {
  torch::Tensor f = torch::arange(6, torch::kFloat32).reshape({2, 3});
  const std::string bytes = EncodeTensorFile(Td(f));
  // magic, version 1, dtype 1 (f32), rank 2, reserved, dims 2 and 3.
  const std::string header = std::string("VTTENSOR") +
                             std::string("\x01\x00\x00\x00\x01\x02\x00\x00", 8) +
                             std::string("\x02\0\0\0\0\0\0\0", 8) +
                             std::string("\x03\0\0\0\0\0\0\0", 8);
  ASSERT_EQ(bytes.substr(0, header.size()), header);
  EXPECT_EQ(bytes.size(), header.size() + 24);
  for (const torch::Tensor& t :
       {f, torch::arange(5, torch::kFloat64), torch::arange(4, torch::kInt64),
        torch::arange(3, torch::kInt32).reshape({3, 1, 1}),
        torch::arange(7, torch::kUInt8)}) {
    auto back = DecodeTensorFile(Bytes::FromString(EncodeTensorFile(Td(t))), "x");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    auto tensor = FromTensorData(*back);
    ASSERT_TRUE(tensor.ok());
    EXPECT_TRUE(BitEqual(*tensor, t));
  }
}

TEST(TensorFileTest, MaxItemsKeepsAPrefix) {
  torch::Tensor t = torch::arange(12, torch::kInt64).reshape({4, 3});
  auto d = DecodeTensorFile(Bytes::FromString(EncodeTensorFile(Td(t))), "x", 2);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(BitEqual(*FromTensorData(*d), t.narrow(0, 0, 2)));
}

TEST(TensorFileTest, DamagedFilesAreNamedErrors) {
  const std::string good = EncodeTensorFile(Td(torch::arange(4, torch::kFloat32)));
  auto error = [](std::string bytes) {
    auto r = DecodeTensorFile(Bytes::FromString(std::move(bytes)), "f.vtt");
    EXPECT_FALSE(r.ok());
    if (r.ok()) return std::string();
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    return r.status().message();
  };
  EXPECT_THAT(error("PK\x03\x04 not a tensor file"),
              HasSubstr("f.vtt: bad magic (expected VTTENSOR)"));
  EXPECT_THAT(error(""), HasSubstr("f.vtt: file ends after 0 bytes, expected 16"));
  EXPECT_THAT(error(good.substr(0, 10)),
              HasSubstr("f.vtt: file ends after 10 bytes, expected 16"));
  EXPECT_THAT(error(good.substr(0, good.size() - 1)),
              HasSubstr("f.vtt: file ends after 39 bytes, expected 40"));
  EXPECT_THAT(error(good + "x"), HasSubstr("f.vtt: 1 bytes after the data"));
  std::string v2 = good;
  v2[8] = 2;
  EXPECT_THAT(error(v2), HasSubstr("unsupported version 2 (this build reads 1)"));
  std::string dtype = good;
  dtype[12] = 9;
  EXPECT_THAT(error(dtype), HasSubstr("unknown dtype tag 9"));
  std::string rank = good;
  rank[13] = 0;
  EXPECT_THAT(error(rank), HasSubstr("rank 0 (expected 1 to 8)"));
  std::string huge = good;
  huge[16 + 6] = 1;  // dimension 2^48
  EXPECT_THAT(error(huge), HasSubstr("too large"));
}

TEST(TensorFileTest, WriteThenRead) {
  const std::string path = Temp("rw.vtt");
  torch::Tensor t = torch::randn({3, 2}, torch::kFloat64);
  ASSERT_TRUE(WriteTensorFile(path, Td(t)).ok());
  auto back = ReadTensorFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(BitEqual(*FromTensorData(*back), t));
  auto missing = ReadTensorFile(path + ".nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(path + ".nope"));
}

TEST(IdxDatasetTest, ReproducesTheFashionMnistLoaderBitForBit) {
  FeatureScaling s;
  s.scale = 255;
  s.mean = 0.2860;
  s.std = 0.3530;
  auto generic = LoadIdxDataset(kFashion + "/t10k-images-idx3-ubyte.gz",
                                kFashion + "/t10k-labels-idx1-ubyte.gz", 500, s);
  ASSERT_TRUE(generic.ok()) << generic.status().ToString();
  auto fashion = LoadFashionMnist(kFashion, /*train=*/false, 500);
  ASSERT_TRUE(fashion.ok());
  EXPECT_TRUE(BitEqual(generic->x, fashion->x));
  EXPECT_TRUE(BitEqual(generic->y, fashion->y));
  EXPECT_EQ(generic->root, fashion->root);
}

TEST(IdxDatasetTest, ReadsOtherTypesGzippedOrNot) {
  // Three samples of two big-endian i16 values, labels as i32.
  const std::string samples = IdxHeader(0x0B, {3, 2}) +
                              std::string("\x00\x01\xFF\xFF\x01\x00\x00\x02"
                                          "\x00\x03\x00\x04", 12);
  const std::string labels = IdxHeader(0x0C, {3}) +
                             std::string("\0\0\0\2\0\0\0\0\0\0\0\1", 12);
  WriteGzip(Temp("s.idx.gz"), samples);
  WriteFile(Temp("l.idx"), labels);
  auto d = LoadIdxDataset(Temp("s.idx.gz"), Temp("l.idx"), 0, {}, torch::kFloat64);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(torch::equal(
      d->x, torch::tensor({{1.0, -1.0}, {256.0, 2.0}, {3.0, 4.0}}, torch::kFloat64)));
  EXPECT_TRUE(torch::equal(d->y, torch::tensor({2, 0, 1}, torch::kInt64)));
  // Leaf 1 covers the label and sample bytes as stored (big-endian).
  EXPECT_EQ(d->tree->leaf(1),
            SampleLeafHash(1, std::string("\0\0\0\0", 4),
                           std::string("\x01\x00\x00\x02", 4)));
}

TEST(IdxDatasetTest, FileCutShortOrMismatchedIsNamed) {
  const std::string samples = IdxHeader(0x08, {4, 2}) + "abcdefgh";
  const std::string labels = IdxHeader(0x08, {4}) + std::string("\0\1\2\3", 4);
  WriteFile(Temp("short.idx"), samples.substr(0, samples.size() - 3));
  WriteFile(Temp("labels.idx"), labels);
  auto r = LoadIdxDataset(Temp("short.idx"), Temp("labels.idx"), 0, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(Temp("short.idx") + ": file ends after 17 bytes, expected 20"));
  WriteFile(Temp("three.idx"), IdxHeader(0x08, {3}) + std::string("\0\1\2", 3));
  WriteFile(Temp("samples.idx"), samples);
  r = LoadIdxDataset(Temp("samples.idx"), Temp("three.idx"), 0, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(Temp("three.idx") + ": 3 labels for the 4 samples of " +
                        Temp("samples.idx")));
  WriteFile(Temp("float_labels.idx"), IdxHeader(0x0D, {4}) + std::string(16, '\0'));
  r = LoadIdxDataset(Temp("samples.idx"), Temp("float_labels.idx"), 0, {});
  EXPECT_THAT(r.status().message(), HasSubstr("labels must be a vector of integers"));
  WriteFile(Temp("bad_magic.idx"), std::string("\x1f\x8c") + samples);
  r = LoadIdxDataset(Temp("bad_magic.idx"), Temp("labels.idx"), 0, {});
  EXPECT_THAT(r.status().message(),
              HasSubstr(Temp("bad_magic.idx") + ": bad magic number"));
}

// A limit keeps the first samples of each file, but the files must still
// belong together: their own counts are compared, not the counts kept.
TEST(IdxDatasetTest, LabelsOfOtherSamplesAreRefusedUnderALimit) {
  WriteFile(Temp("lim_samples.idx"), IdxHeader(0x08, {4, 2}) + "abcdefgh");
  WriteFile(Temp("lim_three.idx"), IdxHeader(0x08, {3}) + std::string("\0\1\2", 3));
  WriteFile(Temp("lim_five.idx"), IdxHeader(0x08, {5}) + std::string("\0\1\2\1\0", 5));
  for (int64_t limit : {1, 2, 3, 4, 10}) {
    auto r = LoadIdxDataset(Temp("lim_samples.idx"), Temp("lim_three.idx"), limit, {});
    ASSERT_FALSE(r.ok()) << "limit " << limit;
    EXPECT_THAT(r.status().message(),
                HasSubstr(Temp("lim_three.idx") + ": 3 labels for the 4 samples of " +
                          Temp("lim_samples.idx")));
    r = LoadIdxDataset(Temp("lim_samples.idx"), Temp("lim_five.idx"), limit, {});
    ASSERT_FALSE(r.ok()) << "limit " << limit;
    EXPECT_THAT(r.status().message(), HasSubstr(": 5 labels for the 4 samples of "));
  }
  // Fashion-MNIST's training labels are not the test images' labels.
  auto r = LoadIdxDataset(kFashion + "/t10k-images-idx3-ubyte.gz",
                          kFashion + "/train-labels-idx1-ubyte.gz", 200, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("60000 labels for the 10000 samples of"));
}

TEST(TensorDatasetTest, LabelsOfOtherSamplesAreRefusedUnderALimit) {
  ASSERT_TRUE(WriteTensorFile(Temp("lim_x.vtt"), Td(torch::ones({5, 2}))).ok());
  ASSERT_TRUE(
      WriteTensorFile(Temp("lim_y.vtt"), Td(torch::tensor({0, 1, 0, 1}, torch::kInt64))).ok());
  for (int64_t limit : {1, 3, 4, 5, 9}) {
    auto r = LoadTensorFileDataset(Temp("lim_x.vtt"), Temp("lim_y.vtt"), limit, {});
    ASSERT_FALSE(r.ok()) << "limit " << limit;
    EXPECT_THAT(r.status().message(), HasSubstr(Temp("lim_y.vtt") +
                                                ": 4 labels for the 5 samples of " +
                                                Temp("lim_x.vtt")));
  }
  // Files that belong together are still cut to the limit.
  ASSERT_TRUE(WriteTensorFile(Temp("lim_y5.vtt"),
                              Td(torch::tensor({0, 1, 0, 1, 1}, torch::kInt64)))
                  .ok());
  auto d = LoadTensorFileDataset(Temp("lim_x.vtt"), Temp("lim_y5.vtt"), 3, {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->size(), 3);
  EXPECT_EQ(d->x.size(0), 3);
}

// Training data that is not finite in the job's dtype gives NaN training
// that nothing after would call an input error: refused, naming the file,
// the sample and the feature.
TEST(TensorDatasetTest, ValuesThatAreNotFiniteInTheJobsDtypeAreRefused) {
  ASSERT_TRUE(WriteTensorFile(Temp("fin_y.vtt"), Td(torch::tensor({0, 1, 0}, torch::kInt64))).ok());
  struct Case {
    torch::Tensor x;
    torch::ScalarType dtype;
    std::string what;
  };
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Case> refused = {
      {torch::tensor({{0.0f, 1.0f}, {2.0f, static_cast<float>(nan)}, {4.0f, 5.0f}}),
       torch::kFloat32, "sample 1, feature 1 is nan as float32"},
      {torch::tensor({{0.0, 1.0}, {2.0, 3.0}, {-inf, 5.0}}, torch::kFloat64), torch::kFloat64,
       "sample 2, feature 0 is -inf as float64"},
      // Finite in the file, beyond float32's range once converted.
      {torch::tensor({{0.0, 1e300}, {2.0, 3.0}, {4.0, 5.0}}, torch::kFloat64), torch::kFloat32,
       "sample 0, feature 1 is inf as float32"},
  };
  for (const Case& c : refused) {
    ASSERT_TRUE(WriteTensorFile(Temp("fin_x.vtt"), Td(c.x)).ok());
    auto r = LoadTensorFileDataset(Temp("fin_x.vtt"), Temp("fin_y.vtt"), 0, {}, c.dtype);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_THAT(r.status().message(), HasSubstr(Temp("fin_x.vtt") + ": " + c.what));
  }
  // 1e300 is finite as float64.
  ASSERT_TRUE(WriteTensorFile(Temp("fin_x.vtt"), Td(refused[2].x)).ok());
  auto r = LoadTensorFileDataset(Temp("fin_x.vtt"), Temp("fin_y.vtt"), 0, {}, torch::kFloat64);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  // A sample the limit leaves out is not training data.
  ASSERT_TRUE(WriteTensorFile(Temp("fin_x.vtt"), Td(refused[1].x)).ok());
  r = LoadTensorFileDataset(Temp("fin_x.vtt"), Temp("fin_y.vtt"), 2, {}, torch::kFloat64);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

TEST(IdxDatasetTest, ValuesThatAreNotFiniteInTheJobsDtypeAreRefused) {
  WriteFile(Temp("fin_l.idx"), IdxHeader(0x08, {2}) + std::string("\0\1", 2));
  // f64 samples (big-endian): 1.0, 1e300 / 2.0, 3.0.
  auto be = [](double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    std::string out;
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((bits >> s) & 0xFF));
    return out;
  };
  WriteFile(Temp("fin_s.idx"), IdxHeader(0x0E, {2, 2}) + be(1.0) + be(1e300) + be(2.0) + be(3.0));
  auto r = LoadIdxDataset(Temp("fin_s.idx"), Temp("fin_l.idx"), 0, {}, torch::kFloat32);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(Temp("fin_s.idx") + ": sample 0, feature 1 is inf as float32"));
  EXPECT_TRUE(LoadIdxDataset(Temp("fin_s.idx"), Temp("fin_l.idx"), 0, {}, torch::kFloat64).ok());
  // u8 pixels scaled out of range.
  WriteFile(Temp("fin_u8.idx"), IdxHeader(0x08, {2, 2}) + std::string("\0\1\2\3", 4));
  FeatureScaling huge_mean;
  huge_mean.mean = 1e300;
  r = LoadIdxDataset(Temp("fin_u8.idx"), Temp("fin_l.idx"), 0, huge_mean, torch::kFloat32);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr(Temp("fin_u8.idx") + ": sample 0, feature 0 is -inf as float32 "
                                             "(after scaling)"));
}

TEST(TensorDatasetTest, LoadsSamplesAndLabelsWithTheirBytesCommitted) {
  torch::Tensor x = torch::tensor({{0.5f, 1.0f}, {2.0f, -3.0f}, {4.0f, 5.0f}});
  torch::Tensor y = torch::tensor({1, 0, 1}, torch::kInt32);
  ASSERT_TRUE(WriteTensorFile(Temp("x.vtt"), Td(x)).ok());
  ASSERT_TRUE(WriteTensorFile(Temp("y.vtt"), Td(y)).ok());
  FeatureScaling s;
  s.scale = 2;
  auto d = LoadTensorFileDataset(Temp("x.vtt"), Temp("y.vtt"), 0, s);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(torch::equal(d->x, x / 2));
  EXPECT_TRUE(torch::equal(d->y, torch::tensor({1, 0, 1}, torch::kInt64)));
  const int32_t label = 0;
  const float sample[2] = {2.0f, -3.0f};
  EXPECT_EQ(d->tree->leaf(1),
            SampleLeafHash(1, std::string(reinterpret_cast<const char*>(&label), 4),
                           std::string(reinterpret_cast<const char*>(sample), 8)));
  ASSERT_TRUE(WriteTensorFile(Temp("y2.vtt"), Td(torch::tensor({1, 0}, torch::kInt64))).ok());
  auto r = LoadTensorFileDataset(Temp("x.vtt"), Temp("y2.vtt"), 0, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("y2.vtt: 2 labels for the 3 samples of " + Temp("x.vtt")));
  ASSERT_TRUE(WriteTensorFile(Temp("neg.vtt"), Td(torch::tensor({1, -2, 0}, torch::kInt64))).ok());
  r = LoadTensorFileDataset(Temp("x.vtt"), Temp("neg.vtt"), 0, {});
  EXPECT_THAT(r.status().message(), HasSubstr("neg.vtt: label -2 of sample 1 is negative"));
}

// Samples of zero features leave nothing to learn: refused, with the
// shape, rather than trained on, verified and reported as an accuracy.
TEST(DatasetSpecTest, SamplesWithNoFeaturesAreRefused) {
  ASSERT_TRUE(WriteTensorFile(Temp("empty_x.vtt"), Td(torch::ones({32, 0}))).ok());
  ASSERT_TRUE(WriteTensorFile(Temp("empty_y.vtt"),
                              Td(torch::zeros({32}, torch::kInt64)))
                  .ok());
  auto p = LoadDatasetSpec({{"format", "tensor"},
                            {"train_samples", Temp("empty_x.vtt")},
                            {"train_labels", Temp("empty_y.vtt")}},
                           "job.dataset", 1, torch::kFloat32);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("the samples have no features (shape [32, 0])"));
}

TEST(DatasetSpecTest, LoadsEachFormatAndResolvesRelativePaths) {
  ASSERT_TRUE(WriteTensorFile(Temp("sx.vtt"), Td(torch::ones({4, 3}))).ok());
  ASSERT_TRUE(WriteTensorFile(Temp("sy.vtt"), Td(torch::tensor({0, 1, 2, 1}, torch::kInt64))).ok());
  SetJobFileDir(::testing::TempDir());
  auto p = LoadDatasetSpec({{"format", "tensor"},
                            {"train_samples", "veritrain_dataset_files_sx.vtt"},
                            {"train_labels", "veritrain_dataset_files_sy.vtt"}},
                           "job.dataset", 1, torch::kFloat32);
  SetJobFileDir("");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->train.size(), 4);
  EXPECT_EQ(p->test.root, p->train.root);  // no test files: the training set
  EXPECT_EQ(p->classes, 3);

  WriteFile(Temp("train.csv"), "f,label\n1,0\n2,1\n");
  WriteFile(Temp("test.csv"), "f,label\n3,1\n");
  p = LoadDatasetSpec({{"format", "csv"}, {"train", Temp("train.csv")},
                       {"test", Temp("test.csv")}, {"header", true}},
                      "job.dataset", 1, torch::kFloat32);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->train.size(), 2);
  EXPECT_EQ(p->test.size(), 1);

  p = LoadDatasetSpec({{"format", "synthetic"}, {"features", 5}, {"classes", 3}},
                      "job.dataset", 1, torch::kFloat64);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->train.x.size(1), 5);
  EXPECT_EQ(p->classes, 3);

  p = LoadDatasetSpec({{"format", "fashion-mnist"}, {"train_limit", 100},
                       {"test_limit", 10}},
                      "job.dataset", 1, torch::kFloat32);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->train.size(), 100);
  EXPECT_EQ(p->train.root, LoadFashionMnist(kFashion, true, 100)->root);
}

TEST(DatasetSpecTest, ErrorsNameTheField) {
  auto err = [](const nlohmann::json& j) {
    auto r = LoadDatasetSpec(j, "job.dataset", 1, torch::kFloat32);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_THAT(err({{"format", "parquet"}}),
              HasSubstr("job.dataset.format: unknown format 'parquet' (known: csv, "
                        "fashion-mnist, idx, synthetic, tensor)"));
  EXPECT_THAT(err({{"train", "x.csv"}}), HasSubstr("job.dataset.format is required"));
  EXPECT_THAT(err({{"format", "csv"}}), HasSubstr("job.dataset.train is required"));
  EXPECT_THAT(err({{"format", "csv"}, {"train", "a.csv"}, {"header", "maybe"}}),
              HasSubstr("job.dataset.header must be true, false or \"auto\""));
  EXPECT_THAT(err({{"format", "idx"}, {"train_samples", "a"}, {"train_labels", "b"},
                   {"test_samples", "c"}}),
              HasSubstr("give both test_samples and test_labels, or neither"));
  EXPECT_THAT(err({{"format", "tensor"}, {"train_samples", "a"},
                   {"train_labels", "b"}, {"scale", 0}}),
              HasSubstr("job.dataset.scale must be > 0"));
  EXPECT_THAT(err({{"format", "csv"}, {"train", "a.csv"}, {"sep", ";"}}),
              HasSubstr("job.dataset.sep: unknown field"));
  EXPECT_THAT(err({{"format", "csv"}, {"train", "/no/such/file.csv"}}),
              HasSubstr("/no/such/file.csv"));
  // Without test files the held-out set is the training set: a test_limit
  // would be ignored, not applied.
  EXPECT_THAT(err({{"format", "csv"}, {"train", "a.csv"}, {"test_limit", 5}}),
              HasSubstr("job.dataset.test_limit is set but the spec names no "
                        "test files"));
  EXPECT_THAT(err({{"format", "tensor"}, {"train_samples", "a"},
                   {"train_labels", "b"}, {"test_limit", 5}}),
              HasSubstr("job.dataset.test_limit is set but the spec names no "
                        "test files"));
}

}  // namespace
}  // namespace veritrain
