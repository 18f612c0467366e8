// docs/scenarios.md is generated from the scenario schema: its generated
// block must be exactly what the schema gives today.
#include "scenarios/spec/schema_doc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "scenarios/spec/scenario.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ReadFile;

using ::testing::HasSubstr;

TEST(SchemaDocTest, DocsMatchTheSchema) {
  const std::string doc = ReadFile(std::string(VERITRAIN_SOURCE_DIR) + "/docs/scenarios.md");
  auto block = GeneratedBlock(doc);
  ASSERT_TRUE(block.ok()) << block.status().ToString();
  auto generated = SchemaReferenceMarkdown(ScenarioSchemaText());
  ASSERT_TRUE(generated.ok());
  EXPECT_TRUE(*block == *generated)
      << "docs/scenarios.md is out of date with scenarios/schema/scenario.schema.json; run\n"
         "  veritrain schema-doc --write docs/scenarios.md";
}

TEST(SchemaDocTest, EveryPropertyHasASection) {
  auto paths = SchemaPropertyPaths(ScenarioSchemaText());
  ASSERT_TRUE(paths.ok());
  auto md = SchemaReferenceMarkdown(ScenarioSchemaText());
  ASSERT_TRUE(md.ok());
  EXPECT_GT(paths->size(), 20u);
  for (const auto& p : *paths) EXPECT_THAT(*md, HasSubstr("`" + p + "`\n")) << p;
  EXPECT_THAT(*md, HasSubstr("### `job`"));
  EXPECT_THAT(*md, HasSubstr("#### `participants[].profile.threads`"));
  EXPECT_THAT(*md, HasSubstr("#### `sweep.parameters[].path`"));
}

TEST(SchemaDocTest, ReplacesOnlyTheGeneratedBlock) {
  const std::string doc = std::string("intro\n") + kSchemaDocBegin + "\nold\n" + kSchemaDocEnd +
                          "\noutro\n";
  auto r = ReplaceGeneratedBlock(doc, "\nnew\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::string("intro\n") + kSchemaDocBegin + "\nnew\n" + kSchemaDocEnd + "\noutro\n");
  EXPECT_FALSE(ReplaceGeneratedBlock("no markers", "x").ok());
}

}  // namespace
}  // namespace veritrain
