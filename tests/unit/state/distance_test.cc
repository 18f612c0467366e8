// Tests for parameter distances: hand-computed values, dtypes, errors.
#include "core/state/distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace veritrain {
namespace {

template <typename T>
TensorData Tensor(const std::string& name, DType dtype,
                  const std::vector<T>& values) {
  TensorData t;
  t.name = name;
  t.dtype = dtype;
  t.shape = {static_cast<int64_t>(values.size())};
  t.bytes = Bytes::Copy(values.data(), values.size() * sizeof(T));
  return t;
}

TensorData F32(const std::string& name, const std::vector<float>& v) {
  return Tensor(name, DType::kFloat32, v);
}
TensorData F64(const std::string& name, const std::vector<double>& v) {
  return Tensor(name, DType::kFloat64, v);
}

TEST(DistanceTest, MetricNamesRoundTrip) {
  EXPECT_EQ(AllMetrics().size(), 4u);
  for (Metric m : AllMetrics()) {
    auto back = MetricFromName(MetricName(m));
    ASSERT_TRUE(back.has_value()) << MetricName(m);
    EXPECT_EQ(*back, m);
  }
  EXPECT_FALSE(MetricFromName("l3").has_value());
  EXPECT_FALSE(MetricFromName("invalid").has_value());
  EXPECT_EQ(KnownMetricNames(), "l1, l2, linf, cosine");
  EXPECT_EQ(static_cast<int>(Metric::kInvalid), 0);
}

TEST(DistanceTest, HandComputedValues) {
  // x = (3, 4), y = (0, 0): |x - y| = (3, 4).
  auto d =
      ParameterDistance({F32("param/w", {3, 4})}, {F32("param/w", {0, 0})});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_DOUBLE_EQ(d->l1, 7.0);
  EXPECT_DOUBLE_EQ(d->l2, 5.0);
  EXPECT_DOUBLE_EQ(d->linf, 4.0);
  EXPECT_DOUBLE_EQ(d->cosine, 1.0);  // one vector is zero
  EXPECT_EQ(d->elements, 2);

  // x = (1, 0), y = (1, 1): cos = 1/sqrt(2), distance 1 - 0.7071067811865476.
  d = ParameterDistance({F64("param/w", {1, 0})}, {F64("param/w", {1, 1})});
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->cosine, 0.29289321881345254, 1e-15);
  EXPECT_DOUBLE_EQ(d->l2, 1.0);

  // Parallel vectors have cosine distance 0; orthogonal ones 1.
  d = ParameterDistance({F64("param/w", {1, 2, 3})},
                        {F64("param/w", {2, 4, 6})});
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->cosine, 0.0, 1e-16);
  EXPECT_DOUBLE_EQ(d->l1, 6.0);
  EXPECT_DOUBLE_EQ(d->l2, std::sqrt(14.0));
  d = ParameterDistance({F64("param/w", {1, 0})}, {F64("param/w", {0, 1})});
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->cosine, 1.0, 1e-15);
}

TEST(DistanceTest, TensorsAreConcatenatedInNameOrder) {
  // Two tensors form one vector: x = (1, 0 | 0), y = (0, 0 | 1).
  State a = {F32("param/b", {0}), F32("param/a", {1, 0})};
  State b = {F32("param/a", {0, 0}), F32("param/b", {1})};
  auto d = ParameterDistance(a, b);
  ASSERT_TRUE(d.ok());
  EXPECT_DOUBLE_EQ(d->l1, 2.0);
  EXPECT_DOUBLE_EQ(d->l2, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(d->linf, 1.0);
  EXPECT_NEAR(d->cosine, 1.0, 1e-15);  // orthogonal
  EXPECT_EQ(d->elements, 3);
}

TEST(DistanceTest, OnlyThePrefixCounts) {
  State a = {F32("param/w", {1, 2}), F32("opt/w/m", {5, 5}),
             F32("meta/x", {1})};
  State b = {F32("param/w", {1, 2}), F32("opt/w/m", {0, 0})};
  auto d = ParameterDistance(a, b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->l2, 0.0);
  EXPECT_EQ(d->cosine, 0.0);
  auto opt = ParameterDistance(a, b, "opt/");
  ASSERT_TRUE(opt.ok());
  EXPECT_DOUBLE_EQ(opt->l1, 10.0);
}

TEST(DistanceTest, IdenticalStatesAreExactlyZero) {
  State a = {F32("param/w", {0.1f, -0.25f, 3e-8f}), F32("param/b", {7})};
  auto d = ParameterDistance(a, a);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->l1, 0.0);
  EXPECT_EQ(d->l2, 0.0);
  EXPECT_EQ(d->linf, 0.0);
  EXPECT_EQ(d->cosine, 0.0);
}

TEST(DistanceTest, NearlyParallelCosineKeepsItsDigits) {
  // x = (1, 1e-8), y = (1, 0): 1 - cos = 1 - 1/sqrt(1 + 1e-16) = 5e-17 (to
  // first order), which 1 - <x,y>/(|x||y|) in double would round to 0.
  auto d =
      ParameterDistance({F64("param/w", {1, 1e-8})}, {F64("param/w", {1, 0})});
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->cosine, 5e-17, 1e-21);
}

TEST(DistanceTest, MixedAndHalfPrecisionDtypes) {
  // The same values as f32 and f64 are at distance 0.
  auto d = ParameterDistance({F32("param/w", {0.5f, -2.0f})},
                             {F64("param/w", {0.5, -2.0})});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->l1, 0.0);
  // bfloat16 1.5 is 0x3FC0; float16 1.5 is 0x3E00 and the smallest
  // subnormal 0x0001 is 2^-24 (IEEE 754 binary16).
  TensorData bf =
      Tensor<uint16_t>("param/w", DType::kBFloat16, {0x3FC0, 0x0000});
  TensorData hf =
      Tensor<uint16_t>("param/w", DType::kFloat16, {0x3E00, 0x0001});
  d = ParameterDistance({bf}, {F64("param/w", {1.0, 0.0})});
  ASSERT_TRUE(d.ok());
  EXPECT_DOUBLE_EQ(d->l1, 0.5);
  d = ParameterDistance({hf}, {F64("param/w", {1.5, 0.0})});
  ASSERT_TRUE(d.ok());
  EXPECT_DOUBLE_EQ(d->l1, std::ldexp(1.0, -24));
}

TEST(DistanceTest, NormOfParameters) {
  auto n = ParameterNorm(
      {F32("param/a", {3}), F32("param/b", {4}), F32("opt/x", {9})});
  ASSERT_TRUE(n.ok());
  EXPECT_DOUBLE_EQ(*n, 5.0);
  EXPECT_FALSE(ParameterNorm({F32("opt/x", {9})}).ok());
}

TEST(DistanceTest, ErrorsNameTheTensor) {
  auto missing = ParameterDistance({F32("param/a", {1}), F32("param/b", {1})},
                                   {F32("param/a", {1})});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("param/b"), std::string::npos);
  auto extra = ParameterDistance({F32("param/a", {1})},
                                 {F32("param/a", {1}), F32("param/c", {1})});
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.status().message().find("param/c"), std::string::npos);

  auto shape =
      ParameterDistance({F32("param/a", {1, 2})}, {F32("param/a", {1})});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.status().message().find("shapes"), std::string::npos);

  TensorData ints = Tensor<int64_t>("param/a", DType::kInt64, {1});
  auto dtype = ParameterDistance({ints}, {ints});
  ASSERT_FALSE(dtype.ok());
  EXPECT_NE(dtype.status().message().find("i64"), std::string::npos);

  auto nan = ParameterDistance({F32("param/a", {NAN})}, {F32("param/a", {0})});
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.status().message().find("NaN"), std::string::npos);

  auto none = ParameterDistance({F32("opt/a", {1})}, {F32("opt/a", {1})});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kInvalidArgument);

  TensorData torn = F32("param/a", {1, 2});
  torn.shape = {3};
  EXPECT_FALSE(ParameterDistance({torn}, {torn}).ok());
}

}  // namespace
}  // namespace veritrain
