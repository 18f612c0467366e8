// BehaviourParams: range errors name the value as the file wrote it.
#include "core/util/behaviour_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>

namespace veritrain {
namespace {

using ::testing::HasSubstr;

TEST(BehaviourParamsIntTest, AValueAboveInt64IsRefusedAsWritten) {
  // 2^63 was read as -2^63 and printed so.
  const nlohmann::json params = nlohmann::json::parse(R"({"step": 9223372036854775808})");
  auto r = BehaviourParams("corrupt-node", params).Int("step", 0, 0, INT64_MAX);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("must be in [0, 9223372036854775807], not 9223372036854775808"));
  // Out of range even where the range reaches down to INT64_MIN.
  EXPECT_FALSE(BehaviourParams("x", params).Int("step", 0, INT64_MIN, INT64_MAX).ok());
}

TEST(BehaviourParamsIntTest, ValuesInRangeAndBelowItAreReadAsTheyAre) {
  const nlohmann::json params = {{"a", INT64_MAX}, {"b", -3}};
  auto a = BehaviourParams("x", params).Int("a", 0, 0, INT64_MAX);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, INT64_MAX);
  auto b = BehaviourParams("x", params).Int("b", 0, 0, 10);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("must be in [0, 10], not -3"));
}

// A real bound and value read as numbers: "[-1e+30, 1e+30], not 1e+308",
// not 31 digits of "%f" for the bounds and 309 for the value.
TEST(BehaviourParamsNumberTest, ARangeErrorPrintsItsNumbersShort) {
  const nlohmann::json params = {{"magnitude", 1e308}, {"fraction", 0.0}};
  auto m = BehaviourParams("corrupt-node", params).Number("magnitude", 1, -1e30, 1e30);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(),
              HasSubstr("corrupt-node.magnitude must be in [-1e+30, 1e+30], not 1e+308"));
  auto f = BehaviourParams("lazy", params).Number("fraction", 0.5, 0, 1, /*min_exclusive=*/true);
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("lazy.fraction must be in (0, 1], not 0"));
}

}  // namespace
}  // namespace veritrain
