// CSV fields as pandas.read_csv reads them with no options.
#include "scenarios/report/csv_field.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

TEST(CsvFieldTest, ScalarsAndQuoting) {
  EXPECT_EQ(CsvField(nullptr), "");
  EXPECT_EQ(CsvField(true), "true");
  EXPECT_EQ(CsvField(false), "false");
  EXPECT_EQ(CsvField(42), "42");
  EXPECT_EQ(CsvField(0.5), "0.5");
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField(nlohmann::json::array({1, 2})), "\"[1,2]\"");
}

}  // namespace
}  // namespace veritrain
