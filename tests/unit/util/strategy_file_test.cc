// Tests for the strategy file of a switching participant: what it names,
// and the files it refuses.
#include "core/util/strategy_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace veritrain {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/veritrain_strategy_" + name;
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

TEST(StrategyFileTest, ReadsWhatItWrites) {
  auto r = ReadStrategyFile(Write("lazy.json", StrategyFileText("lazy")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "lazy");
  EXPECT_EQ(ReadStrategyFile(Write("none.json", "") + ".nope").status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(ReadStrategyFile(Write("list.json", "[1]")).status().code(),
            Status::Code::kInvalidArgument);
}

// Nested past the limit: refused before parsing, naming the file.
TEST(StrategyFileTest, JsonNestedTooDeepIsRefused) {
  const std::string path = Write(
      "deep.json", "{\"strategy\":\"lazy\",\"x\":" + std::string(30000, '[') +
                       std::string(30000, ']') + "}");
  auto r = ReadStrategyFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "strategy file " + path +
                ": JSON nested deeper than 128 levels (the limit for files veritrain reads)");
}

}  // namespace
}  // namespace veritrain
