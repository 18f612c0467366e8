// Tests for the pre-parse JSON nesting-depth scan.
#include "core/wire/json_depth.h"

#include <string>

#include "gtest/gtest.h"

namespace veritrain {
namespace {

TEST(JsonDepthTest, CountsNestedContainers) {
  EXPECT_FALSE(JsonDeeperThan("1", 0));
  EXPECT_TRUE(JsonDeeperThan("{}", 0));
  EXPECT_FALSE(JsonDeeperThan("{}", 1));
  EXPECT_TRUE(JsonDeeperThan(R"({"a":[1]})", 1));
  EXPECT_FALSE(JsonDeeperThan(R"({"a":[1]})", 2));
  // Siblings do not add up.
  EXPECT_FALSE(JsonDeeperThan("[[],[],{},[[]]]", 3));
  EXPECT_TRUE(JsonDeeperThan("[[],[],{},[[]]]", 2));
}

TEST(JsonDepthTest, IgnoresBracketsInsideStrings) {
  EXPECT_FALSE(JsonDeeperThan(R"({"a":"[[[[{{{{"})", 1));
  // An escaped quote does not end the string.
  EXPECT_FALSE(JsonDeeperThan(R"({"a":"\"[[[["})", 1));
  // An escaped backslash does: the next quote closes the string.
  EXPECT_TRUE(JsonDeeperThan(R"({"a":"\\",  "b":[[1]]})", 2));
  EXPECT_FALSE(JsonDeeperThan(R"({"a":"\\",  "b":[[1]]})", 3));
}

TEST(JsonDepthTest, HostileInputIsScannedLinearly) {
  std::string deep(1000000, '[');
  EXPECT_TRUE(JsonDeeperThan(deep, 32));
  EXPECT_FALSE(JsonDeeperThan(deep, 1000000));
  // Closers without openers never make the count negative.
  EXPECT_TRUE(JsonDeeperThan("]]]]" + std::string(3, '['), 2));
}

}  // namespace
}  // namespace veritrain
