// Tests for the data order and the SplitMix64 generator behind it.
#include "core/train/data_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "core/train/rng.h"

namespace veritrain {
namespace {

TEST(SplitMix64Test, MatchesReferenceSequence) {
  // Published outputs of splitmix64 seeded with 0 (Vigna's reference
  // splitmix64.c), also reproduced by reference_values.py.
  SplitMix64 g(0);
  EXPECT_EQ(g.Next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(g.Next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(g.Next(), 0x06C45D188009454Full);
}

TEST(SplitMix64Test, BelowAndUniformStayInRange) {
  SplitMix64 g(5);
  for (int i = 0; i < 10000; ++i) {
    EXPECT_LT(g.Below(7), 7u);
    const double u = g.Uniform(-0.5, 0.25);
    EXPECT_GE(u, -0.5);
    EXPECT_LT(u, 0.25);
  }
}

TEST(SplitMix64Test, DerivedSeedsDiffer) {
  EXPECT_NE(DeriveSeed(1, "param/fc1.weight"), DeriveSeed(1, "param/fc1.bias"));
  EXPECT_NE(DeriveSeed(1, uint64_t{0}), DeriveSeed(2, uint64_t{0}));
  EXPECT_NE(DeriveSeed(1, uint64_t{0}), DeriveSeed(1, uint64_t{1}));
}

TEST(BatchIndicesTest, MatchesIndependentImplementation) {
  // From reference_values.py, a separate implementation of the algorithm
  // documented in data_order.h.
  EXPECT_EQ(BatchIndices(42, 3, 5, 7), (std::vector<int64_t>{2, 3, 5, 1, 6}));
  EXPECT_EQ(BatchIndices(7, 0, 10, 10),
            (std::vector<int64_t>{6, 1, 4, 3, 5, 7, 8, 2, 9, 0}));
  EXPECT_EQ(BatchIndices(123456789, 1000, 4, 1000),
            (std::vector<int64_t>{693, 787, 941, 306}));
}

TEST(BatchIndicesTest, DeterministicAndInRange) {
  for (int64_t step : {0, 1, 17, 1000}) {
    auto a = BatchIndices(99, step, 64, 1000);
    EXPECT_EQ(a, BatchIndices(99, step, 64, 1000));
    ASSERT_EQ(a.size(), 64u);
    for (int64_t i : a) {
      EXPECT_GE(i, 0);
      EXPECT_LT(i, 1000);
    }
  }
}

TEST(BatchIndicesTest, EachEpochIsAPermutation) {
  // 1000 samples in batches of 64 do not divide evenly, so batches straddle
  // epoch boundaries; positions [e*1000, (e+1)*1000) must still cover every
  // index exactly once.
  const int64_t n = 1000;
  const int64_t bs = 64;
  std::vector<int64_t> stream;
  for (int64_t step = 0; step < 3 * n / bs + 2; ++step) {
    auto b = BatchIndices(3, step, bs, n);
    stream.insert(stream.end(), b.begin(), b.end());
  }
  for (int64_t e = 0; e < 3; ++e) {
    std::vector<int64_t> epoch(stream.begin() + e * n,
                               stream.begin() + (e + 1) * n);
    EXPECT_EQ(epoch, EpochPermutation(3, e, n)) << "epoch " << e;
    std::sort(epoch.begin(), epoch.end());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(epoch[i], i) << "epoch " << e;
  }
  EXPECT_NE(EpochPermutation(3, 0, n), EpochPermutation(3, 1, n));
}

TEST(BatchIndicesTest, DifferentSeedsDiffer) {
  EXPECT_NE(BatchIndices(1, 0, 64, 60000), BatchIndices(2, 0, 64, 60000));
  EXPECT_NE(BatchIndices(1, 0, 64, 60000), BatchIndices(1, 1, 64, 60000));
}

TEST(BatchIndicesTest, BatchLargerThanDataset) {
  auto b = BatchIndices(11, 2, 25, 10);  // positions 50..74: epochs 5, 6, 7
  ASSERT_EQ(b.size(), 25u);
  std::vector<int64_t> first(b.begin(), b.begin() + 10);
  EXPECT_EQ(first, EpochPermutation(11, 5, 10));
}

TEST(DataOrderTest, CachedMatchesFreeFunctionInAnyOrder) {
  DataOrder order(8, 333);
  for (int64_t step : {5, 0, 40, 41, 3, 40, 100, 2}) {
    EXPECT_EQ(order.Batch(step, 32), BatchIndices(8, step, 32, 333))
        << "step " << step;
  }
}

}  // namespace
}  // namespace veritrain
