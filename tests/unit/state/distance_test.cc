// Tests for parameter distances: hand-computed values, dtypes, errors.
#include "core/state/distance.h"

#include <gtest/gtest.h>

#include <algorithm>
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


// Plain running sums in double precision, element by element: what the
// distances are, whatever order they add in.
struct Reference {
  double l1 = 0, l2 = 0, linf = 0, cosine = 0;
};
Reference PlainDistance(const std::vector<double>& x, const std::vector<double>& y) {
  Reference r;
  double sa = 0, sb = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = std::fabs(x[i] - y[i]);
    r.l1 += d;
    r.l2 += d * d;
    r.linf = std::max(r.linf, d);
    sa += x[i] * x[i];
    sb += y[i] * y[i];
  }
  r.l2 = std::sqrt(r.l2);
  const double na = std::sqrt(sa), nb = std::sqrt(sb);
  double c = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double u = x[i] / na - y[i] / nb;
    c += u * u;
  }
  r.cosine = c / 2;
  return r;
}

// Sizes around the block and lane boundaries, several tensors per state,
// float32 against float64: the distances agree with plain sums to rounding,
// and a second computation gives the very same bits.
TEST(DistanceTest, BlockedSumsAgreeWithPlainSumsAtEverySize) {
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  auto next = [&seed] {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return static_cast<double>(seed >> 11) / 9007199254740992.0 - 0.5;
  };
  // 700,001 x 3 elements: a state summed on two threads.
  for (int64_t n : {1, 3, 4, 5, 4095, 4096, 4097, 8195, 20000, 700001}) {
    State a, b;
    std::vector<double> all_x, all_y;
    for (const char* name : {"param/a", "param/b", "param/c"}) {
      std::vector<float> x(static_cast<size_t>(n));
      std::vector<double> y(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        x[i] = static_cast<float>(next());
        y[i] = x[i] + 1e-3 * next();
      }
      a.push_back(F32(name, x));
      b.push_back(F64(name, y));
      all_x.insert(all_x.end(), x.begin(), x.end());
      all_y.insert(all_y.end(), y.begin(), y.end());
    }
    auto d = ParameterDistance(a, b);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    const Reference r = PlainDistance(all_x, all_y);
    EXPECT_EQ(d->elements, 3 * n);
    EXPECT_NEAR(d->l1, r.l1, 1e-12 * r.l1) << n;
    EXPECT_NEAR(d->l2, r.l2, 1e-12 * r.l2) << n;
    EXPECT_EQ(d->linf, r.linf) << n;
    EXPECT_NEAR(d->cosine, r.cosine, 1e-9 * r.cosine) << n;
    auto l2 = L2Distance(a, b);
    ASSERT_TRUE(l2.ok());
    EXPECT_NEAR(*l2, r.l2, 1e-12 * r.l2) << n;
    auto again = ParameterDistance(a, b);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(std::memcmp(&*again, &*d, sizeof(StateDistance)), 0) << n;
  }
}

// A NaN or an infinity anywhere in a block, the last element of the last
// tensor included, is found and named with its state.
TEST(DistanceTest, ANonFiniteValueAnywhereIsNamed) {
  const int64_t n = 8195;
  for (int64_t at : {int64_t{0}, int64_t{3}, int64_t{4095}, int64_t{4096}, n - 1}) {
    for (double bad : {NAN, INFINITY, -INFINITY}) {
      for (bool in_second : {false, true}) {
        std::vector<float> x(n, 0.5f), y(n, 0.25f);
        (in_second ? y : x)[at] = static_cast<float>(bad);
        State a = {F32("param/a", std::vector<float>(4, 1.0f)), F32("param/z", x)};
        State b = {F32("param/a", std::vector<float>(4, 1.0f)), F32("param/z", y)};
        auto d = ParameterDistance(a, b);
        ASSERT_FALSE(d.ok()) << at;
        EXPECT_EQ(d.status().message(), std::string(in_second ? "second" : "first") +
                                            " state: tensor 'param/z' holds a NaN or "
                                            "infinite value")
            << at;
        // The l2 distance alone takes the value IEEE arithmetic gives.
        auto l2 = L2Distance(a, b);
        ASSERT_TRUE(l2.ok()) << l2.status().ToString();
        EXPECT_EQ(std::isnan(*l2), std::isnan(bad)) << at;
        EXPECT_EQ(std::isinf(*l2), std::isinf(bad)) << at;
      }
    }
  }
}

// In a state large enough to be shared between two threads, the error
// still names the first tensor in name order that holds a NaN.
TEST(DistanceTest, TheFirstNonFiniteTensorIsNamedWhicheverThreadFindsIt) {
  const int64_t n = 700001;
  for (bool in_a : {false, true}) {
    State a, b;
    for (const char* name : {"param/a", "param/b", "param/c"}) {
      std::vector<float> x(n, 0.5f);
      if (std::string(name) == "param/c" || (in_a && std::string(name) == "param/a")) {
        x[n - 1] = NAN;
      }
      a.push_back(F32(name, x));
      b.push_back(F32(name, std::vector<float>(n, 0.25f)));
    }
    auto d = ParameterDistance(a, b);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().message(), std::string("first state: tensor '") +
                                        (in_a ? "param/a" : "param/c") +
                                        "' holds a NaN or infinite value");
  }
}

TEST(DistanceTest, L2DistanceAloneKnownAnswersAndErrors) {
  State a = {F32("param/w", {3, 0}), F64("param/b", {1}), F32("opt/w/m", {7})};
  State b = {F32("param/w", {0, 4}), F64("param/b", {1}), F32("opt/w/m", {4})};
  auto l2 = L2Distance(a, b);
  ASSERT_TRUE(l2.ok());
  EXPECT_EQ(*l2, 5.0);
  EXPECT_EQ(*L2Distance(a, b, "opt/"), 3.0);
  EXPECT_EQ(L2Distance(a, {F32("param/w", {0, 4})}).status().message(),
            "second state has no tensor 'param/b'");
  EXPECT_EQ(L2Distance({F32("param/w", {0, 4})}, b).status().message(),
            "first state has no tensor 'param/b'");
  EXPECT_EQ(L2Distance({F32("param/w", {0, 4, 1})}, {F32("param/w", {0, 4})})
                .status()
                .message(),
            "tensor 'param/w' has different shapes in the two states");
  EXPECT_FALSE(L2Distance(a, b, "none/").ok());
}

}  // namespace
}  // namespace veritrain
