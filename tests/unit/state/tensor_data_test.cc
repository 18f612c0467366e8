// Tests for TensorData, the dtype tags and State lookups.
#include "core/state/tensor_data.h"

#include <gtest/gtest.h>

#include <string>

namespace veritrain {
namespace {

TEST(TensorDataTest, DTypeTagsAreStable) {
  // On-disk and on-wire values: never renumbered.
  EXPECT_EQ(static_cast<int>(DType::kInvalid), 0);
  EXPECT_EQ(static_cast<int>(DType::kFloat32), 1);
  EXPECT_EQ(static_cast<int>(DType::kFloat64), 2);
  EXPECT_EQ(static_cast<int>(DType::kInt64), 3);
  EXPECT_EQ(static_cast<int>(DType::kInt32), 4);
  EXPECT_EQ(static_cast<int>(DType::kUInt8), 5);
  EXPECT_EQ(static_cast<int>(DType::kFloat16), 6);
  EXPECT_EQ(static_cast<int>(DType::kBFloat16), 7);
}

TEST(TensorDataTest, SizesAndNamesRoundTrip) {
  const std::pair<DType, size_t> sizes[] = {
      {DType::kFloat32, 4}, {DType::kFloat64, 8}, {DType::kInt64, 8},
      {DType::kInt32, 4},   {DType::kUInt8, 1},   {DType::kFloat16, 2},
      {DType::kBFloat16, 2}};
  for (auto [d, size] : sizes) {
    EXPECT_EQ(DTypeSize(d), size) << DTypeName(d);
    auto back = DTypeFromName(DTypeName(d));
    ASSERT_TRUE(back.has_value()) << DTypeName(d);
    EXPECT_EQ(*back, d);
  }
  EXPECT_EQ(DTypeSize(DType::kInvalid), 0u);
  EXPECT_FALSE(DTypeFromName("invalid").has_value());
  EXPECT_FALSE(DTypeFromName("F32").has_value());
  EXPECT_FALSE(DTypeFromName("").has_value());
}

TEST(TensorDataTest, Consistency) {
  TensorData t;
  t.name = "w";
  t.dtype = DType::kFloat32;
  t.shape = {2, 3};
  t.bytes = Bytes::FromString(std::string(24, '\0'));
  EXPECT_EQ(t.numel(), 6);
  EXPECT_TRUE(t.consistent());

  t.bytes = Bytes::FromString(std::string(23, '\0'));
  EXPECT_FALSE(t.consistent());

  t.shape = {};  // a scalar holds one element
  t.bytes = Bytes::FromString(std::string(4, '\0'));
  EXPECT_EQ(t.numel(), 1);
  EXPECT_TRUE(t.consistent());

  t.shape = {0, 5};  // empty
  t.bytes = Bytes();
  EXPECT_TRUE(t.consistent());

  t.shape = {-1};
  EXPECT_FALSE(t.consistent());

  t.shape = {int64_t{1} << 40, int64_t{1} << 40};  // absurd, no overflow
  EXPECT_FALSE(t.consistent());

  t.shape = {1};
  t.dtype = DType::kInvalid;
  t.bytes = Bytes();
  EXPECT_FALSE(t.consistent());
}

TEST(TensorDataTest, FindTensor) {
  State s(2);
  s[0].name = "a";
  s[1].name = "b";
  EXPECT_EQ(FindTensor(s, "b"), &s[1]);
  EXPECT_EQ(FindTensor(s, "c"), nullptr);
}

}  // namespace
}  // namespace veritrain
