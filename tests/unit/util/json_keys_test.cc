// Strict reading of results files: a key repeated in one object, or a NUL
// byte, reads differently to different readers.
#include "core/util/json_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace veritrain {
namespace {

using ::testing::HasSubstr;

TEST(JsonKeysTest, ARepeatedKeyIsNamedByItsPointer) {
  std::vector<std::string> duplicates;
  const auto j = ParseNotingDuplicateKeys(
      R"({"tasks": [{"outcome": "rejected", "x": 1}, {"outcome": "rejected", "outcome": "accepted"}]})",
      &duplicates);
  EXPECT_EQ(j["tasks"][1]["outcome"], "accepted");  // what a lenient reader keeps
  EXPECT_EQ(duplicates, std::vector<std::string>({"/tasks/1/outcome"}));
}

TEST(JsonKeysTest, StrictParsingRefusesWhatReadersDisagreeOn) {
  EXPECT_TRUE(ParseStrictJson(R"({"a": {"b": 1}, "c": [1, {"b": 2}]})", "s.json").ok());
  const auto twice = ParseStrictJson(R"({"conservation": false, "conservation": true})", "s.json");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(twice.status().message(), HasSubstr("s.json repeats the key /conservation"));
  const std::string nul = std::string(R"({"a": 1})") + '\0' + "garbage";
  EXPECT_THAT(ParseStrictJson(nul, "s.json").status().message(), HasSubstr("s.json holds a NUL byte"));
  EXPECT_THAT(ParseStrictJson(R"({"a": 1} trailing)", "s.json").status().message(),
              HasSubstr("s.json is not JSON"));
}

}  // namespace
}  // namespace veritrain
