// Amount: checked integer arithmetic and its JSON form; the strong indices.
#include "core/protocol/amount.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/protocol/ids.h"

namespace veritrain {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(AmountTest, AddAndSub) {
  auto sum = Amount::Add(Amount(40), Amount(2));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->value(), 42);
  auto diff = Amount::Sub(Amount(40), Amount(50));
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->value(), -10);
  EXPECT_EQ(Amount::Add(Amount(kMax - 1), Amount(1))->value(), kMax);
}

TEST(AmountTest, OverflowIsAnError) {
  auto up = Amount::Add(Amount(kMax), Amount(1));
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(up.status().message().find("overflow"), std::string::npos);
  EXPECT_FALSE(Amount::Add(Amount(kMin), Amount(-1)).ok());
  EXPECT_FALSE(Amount::Sub(Amount(kMin), Amount(1)).ok());
  EXPECT_FALSE(Amount::Sub(Amount(0), Amount(kMin)).ok());
  EXPECT_TRUE(Amount::Sub(Amount(-1), Amount(kMin)).ok());
}

TEST(AmountTest, MulIsChecked) {
  EXPECT_EQ(Amount::Mul(Amount(7), 6)->value(), 42);
  EXPECT_EQ(Amount::Mul(Amount(-7), 6)->value(), -42);
  EXPECT_EQ(Amount::Mul(Amount(kMax), 1)->value(), kMax);
  EXPECT_EQ(Amount::Mul(Amount(kMax), 0)->value(), 0);
  // A fee of 2^53 - 1 (the largest a scenario allows) for 10000 verifiers.
  auto fees = Amount::Mul(Amount((int64_t{1} << 53) - 1), 10000);
  ASSERT_FALSE(fees.ok());
  EXPECT_NE(fees.status().message().find("overflow"), std::string::npos);
  EXPECT_FALSE(Amount::Mul(Amount(kMin), -1).ok());
  EXPECT_FALSE(Amount::Mul(Amount(kMax / 2 + 1), 2).ok());
}

TEST(AmountTest, Comparisons) {
  EXPECT_LT(Amount(1), Amount(2));
  EXPECT_LE(Amount(2), Amount(2));
  EXPECT_GT(Amount(3), Amount(-3));
  EXPECT_GE(Amount(3), Amount(3));
  EXPECT_EQ(Amount(), Amount(0));
  EXPECT_NE(Amount(1), Amount(0));
}

TEST(AmountTest, JsonIsAnInteger) {
  EXPECT_EQ(Amount(123).ToJson().dump(), "123");
  EXPECT_EQ(Amount(-7).ToJson().dump(), "-7");
  auto back = Amount::FromJson(nlohmann::json::parse("9223372036854775807"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->value(), kMax);
  EXPECT_EQ(Amount::FromJson(nlohmann::json::parse("-3"))->value(), -3);
}

TEST(AmountTest, JsonRejectsNonIntegers) {
  for (const char* text : {"1.5", "\"5\"", "9223372036854775808", "null"}) {
    auto r = Amount::FromJson(nlohmann::json::parse(text), "reward");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind("reward", 0), 0u) << text;
  }
}

TEST(IdsTest, StrongIndicesCompareByValue) {
  EXPECT_EQ(StepIndex{3}, StepIndex{3});
  EXPECT_LT(IntervalIndex{1}, IntervalIndex{2});
  EXPECT_GE(NodeIndex{5}, NodeIndex{4});
  EXPECT_EQ(StepIndex{}.v, 0);
}

}  // namespace
}  // namespace veritrain
