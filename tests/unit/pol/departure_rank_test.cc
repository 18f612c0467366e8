// Ranks of departures measured against the size of the state compared with
// (core/pol/departure_rank.h).
#include "core/pol/departure_rank.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/state/tensor_data.h"

namespace veritrain {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(DepartureRanks, StatesAlikeInSizeKeepTheirRatios) {
  EXPECT_EQ(DepartureRanks({3, 50, 1.2}, {2.0, 2.0, 2.0}), (std::vector<double>{3, 50, 1.2}));
  // Unknown sizes leave ratios as they are and are no reference.
  EXPECT_EQ(DepartureRanks({3, 50}, {std::nullopt, std::nullopt}),
            (std::vector<double>{3, 50}));
  EXPECT_EQ(DepartureRanks({3, 50}, {std::nullopt, 1e9}), (std::vector<double>{3, 50}));
}

TEST(DepartureRanks, ARatioIsMeasuredAgainstTheSmallestStateRanked) {
  // The corruption (1e12 past δ, compared with a state of norm 1e6) and the
  // honest steps after it (1e27 past δ, states of norm 1e27): the
  // corruption first.
  const std::vector<double> ranks = DepartureRanks({3e12, 1.7e27, 5e30}, {1e6, 2e27, 1e31});
  EXPECT_DOUBLE_EQ(ranks[0], 3e12);
  EXPECT_NEAR(ranks[1], 1.7e27 * 1e6 / 2e27, 1e-3);
  EXPECT_NEAR(ranks[2], 5e30 * 1e6 / 1e31, 1e-3);
  EXPECT_GT(ranks[0], ranks[1]);
  EXPECT_GT(ranks[0], ranks[2]);
  // A zero norm is no reference (nothing to divide by).
  EXPECT_EQ(DepartureRanks({3, 50}, {0.0, 4.0}), (std::vector<double>{3, 50}));
}

TEST(DepartureRanks, AStateThatIsNotFiniteRanksLastButAFindingProvenOutrightStays) {
  const std::vector<double> ranks = DepartureRanks({2, kInf, kInf}, {1.0, kInf, std::nullopt});
  EXPECT_EQ(ranks[0], 2);
  EXPECT_EQ(ranks[1], 0);      // an overflowing state: after every measured one
  EXPECT_EQ(ranks[2], kInf);   // no size to measure (a hash that differs)
}

State OneParam(double w) {
  State s;
  TensorData t;
  t.name = "param/w";
  t.dtype = DType::kFloat64;
  t.shape = {1};
  t.bytes = Bytes::Copy(&w, sizeof(double));
  s.push_back(std::move(t));
  return s;
}

TEST(RankingNorm, MeasuresTheParametersAndMarksWhatIsNotFinite) {
  ASSERT_TRUE(RankingNorm(OneParam(-3)).has_value());
  EXPECT_DOUBLE_EQ(*RankingNorm(OneParam(-3)), 3);
  EXPECT_EQ(RankingNorm(OneParam(std::nan(""))), kInf);
  EXPECT_EQ(RankingNorm(OneParam(kInf)), kInf);
  EXPECT_EQ(RankingNorm(State()), std::nullopt);
}

}  // namespace
}  // namespace veritrain
