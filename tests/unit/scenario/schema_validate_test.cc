// Tests of JsonSchema: error paths and messages, knock-on error removal,
// errorMessage folding, defaults.
#include "scenarios/spec/schema_validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace veritrain {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kSchema[] = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": ["id"],
  "properties": {
    "id": {"type": "integer", "minimum": 1},
    "kind": {"type": "string", "enum": ["a", "b"], "default": "a"},
    "a/b": {"type": "object", "properties": {"~x": {"type": "string"}}},
    "limits": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "low": {"type": "number", "default": 0.5},
        "high": {"type": "number", "exclusiveMaximum": 10, "default": 2}
      }
    },
    "named": {
      "type": "object",
      "required": ["name"],
      "properties": {"name": {"type": "string"}, "n": {"default": 3}}
    },
    "items": {
      "type": "array",
      "items": {
        "type": "object",
        "errorMessage": "needs x or y",
        "properties": {"x": {}, "y": {}, "z": {"default": true}},
        "anyOf": [{"required": ["x"]}, {"required": ["y"]}]
      }
    }
  }
})json";

JsonSchema MakeSchema() {
  Result<JsonSchema> s = JsonSchema::Create(json::parse(kSchema));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

std::vector<std::string> Paths(const std::vector<SchemaViolation>& v) {
  std::vector<std::string> out;
  for (const SchemaViolation& x : v) out.push_back(x.path);
  return out;
}

TEST(ContextToJsonPointerTest, ConvertsAndEscapes) {
  EXPECT_EQ(ContextToJsonPointer({"<root>"}), "");
  EXPECT_EQ(
      ContextToJsonPointer({"<root>", "[protocol]", "[checkpoint_interval]"}),
      "/protocol/checkpoint_interval");
  EXPECT_EQ(ContextToJsonPointer({"<root>", "[participants]", "[1]", "[role]"}),
            "/participants/1/role");
  // RFC 6901: '~' is written "~0" and '/' is written "~1".
  EXPECT_EQ(ContextToJsonPointer({"<root>", "[a/b]", "[~x]"}), "/a~1b/~0x");
}

TEST(JsonSchemaTest, ConformingDocumentHasNoViolations) {
  JsonSchema schema = MakeSchema();
  EXPECT_TRUE(schema.Validate({{"id", 3}}).empty());
  EXPECT_TRUE(schema.Validate({{"id", 3}, {"items", {{{"y", 1}}}}}).empty());
}

TEST(JsonSchemaTest, CollectsEveryViolationWithoutKnockOns) {
  JsonSchema schema = MakeSchema();
  json doc = {{"id", 0},
              {"kind", "c"},
              {"limits", {{"high", 10}, {"lo", 1}}},
              {"a/b", {{"~x", 5}}}};
  std::vector<SchemaViolation> v = schema.Validate(doc);
  EXPECT_THAT(Paths(v), UnorderedElementsAre("/id", "/kind", "/limits/high",
                                             "/limits/lo", "/a~1b/~0x"));
  for (const SchemaViolation& x : v) {
    EXPECT_EQ(x.message.find("Failed to validate"), std::string::npos)
        << x.path << ": " << x.message;
  }
}

TEST(JsonSchemaTest, ViolationsAreOrderedByPath) {
  JsonSchema schema = MakeSchema();
  json items = json::array();
  for (int i = 0; i < 11; ++i) items.push_back({{"x", i}});
  items[10] = json::object();
  items[2] = json::object();
  json doc = {{"kind", "c"}, {"items", items}, {"id", 0}};  // all three bad
  EXPECT_THAT(Paths(schema.Validate(doc)),
              ElementsAre("/id", "/items/2", "/items/10", "/kind"));
}

TEST(JsonSchemaTest, MessagesNameTheValueAndTheRule) {
  JsonSchema schema = MakeSchema();
  auto message_at = [&](const json& doc, const std::string& path) {
    for (const SchemaViolation& x : schema.Validate(doc)) {
      if (x.path == path) return x.message;
    }
    return std::string("<no violation at " + path + ">");
  };
  EXPECT_EQ(message_at({{"id", 0}}, "/id"), "0 is less than the minimum 1");
  EXPECT_EQ(message_at({{"id", "7"}}, "/id"),
            "expected integer, got string \"7\"");
  EXPECT_EQ(message_at({{"id", 1}, {"kind", "c"}}, "/kind"),
            "\"c\" is not one of: \"a\", \"b\"");
  EXPECT_EQ(message_at({{"id", 1}, {"limits", {{"high", 12}}}}, "/limits/high"),
            "12 must be less than 10");
  EXPECT_EQ(message_at({{"id", 1}, {"limits", {{"hihg", 1}}}}, "/limits/hihg"),
            "unknown field 'hihg'; did you mean 'high'? (allowed: high, low)");
  EXPECT_EQ(
      message_at({{"id", 1}, {"limits", {{"zzzzz", 1}}}}, "/limits/zzzzz"),
      "unknown field 'zzzzz' (allowed: high, low)");
  EXPECT_EQ(message_at(json::object(), ""), "missing required field 'id'");
}

TEST(JsonSchemaTest, ErrorMessageReplacesAlternativeNoise) {
  JsonSchema schema = MakeSchema();
  std::vector<SchemaViolation> v =
      schema.Validate({{"id", 1}, {"items", {{{"x", 1}}, {{"z", 1}}}}});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].path, "/items/1");
  EXPECT_EQ(v[0].message, "needs x or y (has: none)");
}

TEST(JsonSchemaTest, DefaultsAreFilledWithoutOverwriting) {
  JsonSchema schema = MakeSchema();
  json doc = {{"id", 1},
              {"limits", {{"high", 4}}},
              {"items", {{{"x", 1}}, {{"y", 2}, {"z", false}}}}};
  schema.ApplyDefaults(&doc);
  EXPECT_EQ(doc["kind"], "a");
  EXPECT_EQ(doc["limits"], (json{{"low", 0.5}, {"high", 4}}));
  EXPECT_EQ(doc["items"][0]["z"], true);
  EXPECT_EQ(doc["items"][1]["z"], false);
  // Objects with required fields are not invented; objects without any
  // default-carrying property are created empty.
  EXPECT_FALSE(doc.contains("named"));
  EXPECT_EQ(doc["a/b"], json::object());
  EXPECT_TRUE(schema.Validate(doc).empty());

  json empty_limits = {{"id", 1}};
  schema.ApplyDefaults(&empty_limits);
  EXPECT_EQ(empty_limits["limits"], (json{{"low", 0.5}, {"high", 2}}));
}

TEST(JsonSchemaTest, MalformedSchemaIsRejected) {
  Result<JsonSchema> s =
      JsonSchema::Create(json::parse(R"({"properties": 5})"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace veritrain
