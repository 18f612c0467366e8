// Tests for the CSV dataset loader: parsing, headers, label columns, the
// per-sample commitment, and errors that name the file and line.
#include "core/train/csv_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "core/crypto/merkle.h"
#include "core/train/dataset_commitment.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;

Result<Dataset> Parse(const std::string& text, CsvOptions o = {}) {
  return ParseCsvDataset(text, "data.csv", o, torch::kFloat64);
}

std::string Message(const std::string& text, CsvOptions o = {}) {
  auto r = Parse(text, o);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

std::string LeBytes(const void* p, size_t n) {
  return std::string(static_cast<const char*>(p), n);
}

TEST(CsvLoaderTest, ParsesFeaturesAndLastColumnLabels) {
  auto d = Parse("a,b,label\n1.5,-2,0\r\n\n3,4e1,2\n");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->size(), 2);
  EXPECT_TRUE(torch::equal(d->x, torch::tensor({{1.5, -2.0}, {3.0, 40.0}},
                                               torch::kFloat64)));
  EXPECT_TRUE(torch::equal(d->y, torch::tensor({0, 2}, torch::kInt64)));
}

// A spreadsheet's UTF-8 byte order mark is no part of the first field: a
// header-less file was refused ("-0.96" is not a number, the mark
// invisible in the message), and a header's first name carried it.
TEST(CsvLoaderTest, AByteOrderMarkIsSkipped) {
  const std::string bom = "\xEF\xBB\xBF";
  auto bare = Parse(bom + "-0.96,2,1\n3,4,0\n");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  auto plain = Parse("-0.96,2,1\n3,4,0\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(torch::equal(bare->x, plain->x));
  EXPECT_TRUE(torch::equal(bare->y, plain->y));
  auto headed = Parse(bom + "a,b,label\n1,2,0\n");
  ASSERT_TRUE(headed.ok()) << headed.status().ToString();
  EXPECT_EQ(headed->size(), 1);
}

TEST(CsvLoaderTest, LeafCoversTheLabelAndFeaturesAsParsed) {
  auto d = Parse("1,2.5,3\n");
  ASSERT_TRUE(d.ok());
  const int64_t label = 3;
  const double features[2] = {1.0, 2.5};
  const Digest leaf = SampleLeafHashes(LeBytes(&label, 8), 8,
                                       LeBytes(features, 16), 16, 1)[0];
  EXPECT_EQ(d->tree->root(), d->root);
  EXPECT_EQ(d->root, MerkleTree({leaf}).root());
  // "1" and "1.0" commit alike; a different value does not.
  EXPECT_EQ(Parse("1.0,2.50,3.0\n")->root, d->root);
  EXPECT_NE(Parse("1,2.5,2\n")->root, d->root);
}

TEST(CsvLoaderTest, LabelColumnHeaderDelimiterAndLimit) {
  CsvOptions o;
  o.label_column = 0;
  o.delimiter = ';';
  o.header = CsvHeader::kAbsent;
  o.limit = 2;
  auto d = Parse("1;10;20\n0;30;40\n1;50;60\n", o);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->size(), 2);
  EXPECT_TRUE(torch::equal(d->y, torch::tensor({1, 0}, torch::kInt64)));
  EXPECT_EQ(d->x[1][0].item<double>(), 30.0);
  // A forced header drops the first row even when it is numeric.
  o.header = CsvHeader::kPresent;
  o.limit = 0;
  auto h = Parse("1;10;20\n0;30;40\n", o);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->size(), 1);
}

TEST(CsvLoaderTest, RaggedRowNamesTheFileAndLine) {
  EXPECT_THAT(Message("x,y,label\n1,2,0\n3,4,5,1\n"),
              HasSubstr("data.csv:3: 4 fields, expected 3 (as on line 1)"));
  EXPECT_THAT(Message("1,2,0\n\n3,1\n"),
              HasSubstr("data.csv:3: 2 fields, expected 3 (as on line 1)"));
}

TEST(CsvLoaderTest, BadValuesNameTheFieldAndLine) {
  EXPECT_THAT(Message("1,2,0\n1,abc,0\n"),
              HasSubstr("data.csv:2: field 2 \"abc\" is not a number"));
  EXPECT_THAT(Message("1,2,0\n1,2,x\n"),
              HasSubstr("data.csv:2: label \"x\" is not a number"));
  EXPECT_THAT(Message("1,2,0\n1,2,2.5\n"),
              HasSubstr("data.csv:2: label \"2.5\" is not a non-negative integer"));
  EXPECT_THAT(Message("1,2,-1\n"), HasSubstr("is not a non-negative integer"));
  // The double parse would read each as a whole number; the class taken
  // must be the one written.
  EXPECT_THAT(Message("1,2,0\n1,2,2.9999999999999999\n"),
              HasSubstr("data.csv:2: label \"2.9999999999999999\" is not a "
                        "non-negative integer"));
  EXPECT_THAT(Message("1,2,1e0\n"), HasSubstr("label \"1e0\" is not a non-negative integer"));
  EXPECT_THAT(Message("1,2,+1\n"), HasSubstr("label \"+1\" is not a non-negative integer"));
  EXPECT_TRUE(Parse("1,2,3.00\n1,2, 4 \n").ok());
  EXPECT_THAT(Message("1,2,99999999999999999999\n"),
              HasSubstr("label \"99999999999999999999\" is too large (a class index"));
  EXPECT_THAT(Message("1,inf,0\n"), HasSubstr("field 2 \"inf\" is not a number"));
  EXPECT_THAT(Message("1,,0\n"), HasSubstr("field 2 \"\" is not a number"));
  EXPECT_THAT(Message("a,b\n\n"), HasSubstr("data.csv: no data rows"));
  EXPECT_THAT(Message(""), HasSubstr("data.csv: no data rows"));
  EXPECT_THAT(Message("5\n"), HasSubstr("a row needs at least one feature"));
  CsvOptions o;
  o.label_column = 7;
  EXPECT_THAT(Message("1,2,0\n", o),
              HasSubstr("label_column 7 is outside the row's 3 fields"));
}

// Fields are decimal numbers: what else strtod reads (hexadecimal,
// infinity, nan with a payload) is refused, naming the line and field.
TEST(CsvLoaderTest, OnlyDecimalNumbersAreNumbers) {
  for (const char* field : {"0x10", "0X1p3", "-0x1", "infinity", "-INF", "nan", "nan(1)",
                            "1e", "e5", ".", "+", "1.2.3", "1e+"}) {
    EXPECT_THAT(Message(std::string("1,2,0\n1,") + field + ",0\n"),
                HasSubstr(std::string("data.csv:2: field 2 \"") + field + "\" is not a number"))
        << field;
  }
  EXPECT_THAT(Message("1,2,0\n1,2,0x1\n"), HasSubstr("data.csv:2: label \"0x1\" is not a number"));
  auto d = Parse("1,2,0\n+1.5,-.5,1\n5.,1E-3,2\n 7 ,\t8e+1,3.0\n");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(torch::equal(
      d->x, torch::tensor({{1.0, 2.0}, {1.5, -0.5}, {5.0, 1e-3}, {7.0, 80.0}}, torch::kFloat64)));
  EXPECT_THAT(Message("1,1e999,0\n"), HasSubstr("data.csv:1: field 2 \"1e999\" is out of range"));
}

// A finite double that overflows the job's dtype is refused after the
// conversion, naming the line and field; the same file is fine in float64.
TEST(CsvLoaderTest, ValuesBeyondTheJobsDtypeAreRefused) {
  const std::string text = "a,label,b\n1,0,2\n3,1,4\n5,0,-1e300\n";
  auto f32 = ParseCsvDataset(text, "data.csv", {}, torch::kFloat32);
  ASSERT_FALSE(f32.ok());
  CsvOptions o;
  o.label_column = 1;
  f32 = ParseCsvDataset(text, "data.csv", o, torch::kFloat32);
  ASSERT_FALSE(f32.ok());
  EXPECT_THAT(f32.status().message(),
              HasSubstr("data.csv:4: field 3 (-1e+300) is not finite as "
                        "float32"));
  EXPECT_TRUE(ParseCsvDataset(text, "data.csv", o, torch::kFloat64).ok());
  o.limit = 2;  // the row past the limit is not training data
  EXPECT_TRUE(ParseCsvDataset(text, "data.csv", o, torch::kFloat32).ok());
}

TEST(CsvLoaderTest, LoadReadsTheFileAndNamesAMissingOne) {
  const std::string path = ::testing::TempDir() + "/veritrain_csv_test.csv";
  {
    std::ofstream out(path);
    out << "1,2,1\n3,4,0\n";
  }
  auto d = LoadCsvDataset(path, {}, torch::kFloat32);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->x.scalar_type(), torch::kFloat32);
  EXPECT_EQ(d->size(), 2);
  {
    std::ofstream out(path);
    out << "1,2,1\n3,4\n";
  }
  auto bad = LoadCsvDataset(path, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr(path + ":2: 2 fields, expected 3"));
  auto missing = LoadCsvDataset(path + ".nope", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(path + ".nope"));
}

}  // namespace
}  // namespace veritrain
