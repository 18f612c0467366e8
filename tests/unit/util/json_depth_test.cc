// Tests for the pre-parse JSON nesting-depth scan.
#include "core/util/json_depth.h"

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

TEST(JsonDepthTest, FileCheckNamesTheSourceAndTheLimit) {
  EXPECT_TRUE(CheckJsonFileDepth(std::string(kMaxJsonFileDepth, '['), "a.json").ok());
  const Status s = CheckJsonFileDepth(std::string(kMaxJsonFileDepth + 1, '['), "a.json");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "a.json: JSON nested deeper than 128 levels (the limit for files "
                         "veritrain reads)");
  EXPECT_TRUE(CheckJsonFileDepth("not json", "a.json").ok());  // the parser's to report
}

}  // namespace
}  // namespace veritrain
