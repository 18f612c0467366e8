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

}  // namespace
}  // namespace veritrain
