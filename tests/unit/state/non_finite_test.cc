// Tolerance mode's rule for NaN and infinite parameters: placed alike, then
// distances over the finite values; placed otherwise, every distance +inf.
#include "core/state/non_finite.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace veritrain {
namespace {

constexpr double kNfNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kNfInf = std::numeric_limits<double>::infinity();

template <typename T>
TensorData NfTensor(const std::string& name, DType dtype,
                    const std::vector<T>& values) {
  TensorData t;
  t.name = name;
  t.dtype = dtype;
  t.shape = {static_cast<int64_t>(values.size())};
  t.bytes = Bytes::Copy(values.data(), values.size() * sizeof(T));
  return t;
}
TensorData NfF32(const std::string& name, const std::vector<float>& v) {
  return NfTensor(name, DType::kFloat32, v);
}
TensorData NfF64(const std::string& name, const std::vector<double>& v) {
  return NfTensor(name, DType::kFloat64, v);
}

TEST(NonFinite, FiniteStatesCompareAsParameterDistance) {
  const State a = {NfF32("param/w", {1, 2, 3}), NfF32("opt/m", {9})};
  const State b = {NfF32("param/w", {1, 2, 5})};
  auto c = CompareParameters(a, b);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto d = ParameterDistance(a, b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(c->distance.l2, d->l2);
  EXPECT_EQ(c->distance.cosine, d->cosine);
  EXPECT_EQ(c->non_finite, 0);
  EXPECT_EQ(c->mismatch, "");
}

TEST(NonFinite, PlacedAlikeTheFiniteValuesDecide) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  // A diverged run re-executed: the same NaN and infinities, and finite
  // values 0.5 apart.
  const State computed = {NfF32("param/a", {nan, 1, inf}),
                          NfF32("param/b", {-inf, 2})};
  const State committed = {NfF32("param/a", {nan, 1.5f, inf}),
                           NfF32("param/b", {-inf, 2})};
  auto c = CompareParameters(computed, committed);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->non_finite, 3);
  EXPECT_EQ(c->mismatch, "");
  EXPECT_DOUBLE_EQ(c->distance.l1, 0.5);
  EXPECT_DOUBLE_EQ(c->distance.linf, 0.5);
  EXPECT_TRUE(std::isfinite(c->distance.cosine));
  // Bit-identical diverged states are at distance 0.
  auto same = CompareParameters(computed, computed);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->distance.l2, 0);
  // Across precisions (a float64 verifier, a float32 solver).
  const State wide = {NfF64("param/a", {kNfNaN, 1, kNfInf}),
                      NfF64("param/b", {-kNfInf, 2})};
  auto mixed = CompareParameters(wide, computed);
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_EQ(mixed->distance.l2, 0);
}

TEST(NonFinite, PlacedOtherwiseEveryDistanceIsInfinite) {
  const State finite = {NfF64("param/w", {1, 2, 3})};
  const State one_nan = {NfF64("param/w", {1, kNfNaN, 3})};
  const State one_inf = {NfF64("param/w", {1, kNfInf, 3})};
  const State minus_inf = {NfF64("param/w", {1, -kNfInf, 3})};
  for (const auto& [a, b] :
       std::vector<std::pair<State, State>>{{finite, one_nan},
                                            {one_nan, finite},
                                            {one_nan, one_inf},
                                            {one_inf, minus_inf}}) {
    auto c = CompareParameters(a, b);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->distance.l1, kNfInf);
    EXPECT_EQ(c->distance.l2, kNfInf);
    EXPECT_EQ(c->distance.linf, kNfInf);
    EXPECT_EQ(c->distance.cosine, kNfInf);
    EXPECT_NE(c->mismatch.find("param/w[1]"), std::string::npos) << c->mismatch;
  }
  auto c = CompareParameters(one_nan, one_inf);
  EXPECT_EQ(c->mismatch,
            "param/w[1]: NaN in the first state, +inf in the second");
}

TEST(NonFinite, HalfPrecisionSpecialsAreSeen) {
  // float16: 0x7e00 NaN, 0x7c00 +inf, 0x3c00 1.0; bfloat16: 0x7fc0 NaN.
  const State a = {
      NfTensor<uint16_t>("param/h", DType::kFloat16, {0x7e00, 0x3c00, 0x7c00})};
  const State b = {
      NfTensor<uint16_t>("param/h", DType::kFloat16, {0x7e00, 0x3c00, 0x3c00})};
  auto c = CompareParameters(a, b);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->mismatch,
            "param/h[2]: +inf in the first state, finite in the second");
  auto alike = CompareParameters(a, a);
  ASSERT_TRUE(alike.ok());
  EXPECT_EQ(alike->non_finite, 2);
  EXPECT_EQ(alike->distance.l2, 0);
  const State bf = {NfTensor<uint16_t>("param/h", DType::kBFloat16,
                                       {0x7fc0, 0x3f80, 0x3f80})};
  auto bc = CompareParameters(bf, a);
  ASSERT_TRUE(bc.ok());
  EXPECT_EQ(bc->mismatch,
            "param/h[2]: finite in the first state, +inf in the second");
}

TEST(NonFinite, StatesThatDoNotPairUpAreErrorsNamingTheTensor) {
  const State a = {NfF64("param/w", {kNfNaN, 1})};
  const State b = {NfF64("param/w", {kNfNaN, 1, 2})};
  auto c = CompareParameters(a, b);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("param/w"), std::string::npos);
  EXPECT_FALSE(CompareParameters(a, {NfF64("param/v", {1, 2})}).ok());
  EXPECT_FALSE(UpdateL2(a, b).ok());
}

TEST(NonFinite, UpdateNormIsTheSolversWithNonFiniteValues) {
  const State start = {NfF64("param/w", {1, 2}), NfF64("opt/m", {kNfNaN})};
  EXPECT_DOUBLE_EQ(*UpdateL2(start, {NfF64("param/w", {4, 6})}), 5.0);
  EXPECT_TRUE(std::isnan(*UpdateL2(start, {NfF64("param/w", {kNfNaN, 6})})));
  EXPECT_EQ(*UpdateL2(start, {NfF64("param/w", {kNfInf, 6})}), kNfInf);
  // inf - inf: NaN, as the solver's own computation gives.
  EXPECT_TRUE(std::isnan(
      *UpdateL2({NfF64("param/w", {kNfInf})}, {NfF64("param/w", {kNfInf})})));
}

// Over seeded random states of random sizes: non-finite values placed alike
// leave the distance to the finite values (within the perturbation); moving
// one of them anywhere is a mismatch, seen from both sides.
TEST(NonFinite, PropertyOverRandomPlacements) {
  std::mt19937 rng(5);
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity()};
  for (int trial = 0; trial < 200; ++trial) {
    const int n = std::uniform_int_distribution<int>(1, 300)(rng);
    std::vector<float> a(n), b(n);
    std::vector<int> special_at;
    for (int i = 0; i < n; ++i) {
      if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) {
        a[i] = b[i] = specials[std::uniform_int_distribution<int>(0, 2)(rng)];
        special_at.push_back(i);
      } else {
        a[i] = std::uniform_real_distribution<float>(-10, 10)(rng);
        b[i] = a[i] + std::uniform_real_distribution<float>(-1e-3f, 1e-3f)(rng);
      }
    }
    auto alike =
        CompareParameters({NfF32("param/w", a)}, {NfF32("param/w", b)});
    ASSERT_TRUE(alike.ok()) << alike.status().ToString();
    EXPECT_EQ(alike->mismatch, "") << trial;
    EXPECT_EQ(alike->non_finite, static_cast<int64_t>(special_at.size()));
    EXPECT_LE(alike->distance.linf, 1.1e-3) << trial;
    EXPECT_TRUE(std::isfinite(alike->distance.l2));
    // One element changes kind: a mismatch from either side.
    const int at = std::uniform_int_distribution<int>(0, n - 1)(rng);
    std::vector<float> c = b;
    const bool was_finite = std::isfinite(c[at]);
    c[at] = was_finite ? specials[trial % 3] : 1.0f;
    for (const auto& [x, y] : {std::make_pair(a, c), std::make_pair(c, a)}) {
      auto moved =
          CompareParameters({NfF32("param/w", x)}, {NfF32("param/w", y)});
      ASSERT_TRUE(moved.ok());
      EXPECT_NE(moved->mismatch, "") << trial;
      EXPECT_EQ(moved->distance.l2, kNfInf);
    }
  }
}

TEST(NonFinite, PostedNormsMatchByKind) {
  EXPECT_TRUE(SameUpdateNorm(kNfNaN, kNfNaN));
  EXPECT_TRUE(SameUpdateNorm(kNfInf, kNfInf));
  EXPECT_TRUE(SameUpdateNorm(2.0, 2.0 + 1e-7));
  EXPECT_FALSE(SameUpdateNorm(2.0, 2.1));
  // A NaN claim does not pass for any finite update, nor the reverse
  // (before, |NaN - x| > tol was false, so it matched everything).
  EXPECT_FALSE(SameUpdateNorm(kNfNaN, 2.0));
  EXPECT_FALSE(SameUpdateNorm(2.0, kNfNaN));
  EXPECT_FALSE(SameUpdateNorm(kNfInf, 1e308));
  EXPECT_FALSE(SameUpdateNorm(kNfNaN, kNfInf));
  EXPECT_FALSE(SameUpdateNorm(-kNfInf, kNfInf));
}

}  // namespace
}  // namespace veritrain
