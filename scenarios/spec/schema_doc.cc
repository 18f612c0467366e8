#include "scenarios/spec/schema_doc.h"

#include <algorithm>
#include <functional>
#include <sstream>

namespace veritrain {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string Code(const ordered_json& v) { return "`" + v.dump() + "`"; }

// Description text for Markdown: '<' and '>' would start HTML tags.
std::string Text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

std::string TypeOf(const ordered_json& s) {
  if (s.contains("const")) return "constant";
  if (s.contains("type")) {
    const auto& t = s["type"];
    if (t.is_string()) return t.get<std::string>();
    std::string out;
    for (const auto& x : t) out += (out.empty() ? "" : " or ") + x.get<std::string>();
    return out;
  }
  return "any JSON value";
}

std::string Facts(const ordered_json& s, bool required) {
  std::vector<std::string> facts;
  facts.push_back("*" + TypeOf(s) + "*");
  if (required) facts.push_back("**required**");
  if (s.contains("const")) facts.push_back("must be " + Code(s["const"]));
  if (s.contains("enum")) {
    std::string values;
    for (const auto& v : s["enum"]) values += (values.empty() ? "" : ", ") + Code(v);
    facts.push_back("one of " + values);
  }
  if (s.contains("default")) facts.push_back("default " + Code(s["default"]));
  if (s.contains("minimum")) facts.push_back("≥ " + s["minimum"].dump());
  if (s.contains("exclusiveMinimum")) facts.push_back("> " + s["exclusiveMinimum"].dump());
  if (s.contains("maximum")) facts.push_back("≤ " + s["maximum"].dump());
  if (s.contains("exclusiveMaximum")) facts.push_back("< " + s["exclusiveMaximum"].dump());
  if (s.contains("minItems")) facts.push_back("at least " + s["minItems"].dump() + " items");
  if (s.contains("maxItems")) facts.push_back("at most " + s["maxItems"].dump() + " items");
  if (s.contains("minLength")) facts.push_back("at least " + s["minLength"].dump() + " characters");
  if (s.contains("pattern")) facts.push_back("matches `" + s["pattern"].get<std::string>() + "`");
  std::string out;
  for (const auto& f : facts) out += (out.empty() ? "" : " · ") + f;
  return out;
}

// Calls visit(path, subschema, required) for every property, depth first.
void Walk(const ordered_json& schema, const std::string& prefix,
          const std::function<void(const std::string&, const ordered_json&, bool)>& visit) {
  if (!schema.is_object()) return;
  if (schema.contains("properties") && schema["properties"].is_object()) {
    std::vector<std::string> required;
    if (schema.contains("required")) required = schema["required"].get<std::vector<std::string>>();
    for (const auto& [name, sub] : schema["properties"].items()) {
      const std::string path = prefix.empty() ? name : prefix + "." + name;
      const bool req = std::find(required.begin(), required.end(), name) != required.end();
      visit(path, sub, req);
      Walk(sub, path, visit);
    }
  }
  if (schema.contains("items") && schema["items"].is_object()) {
    Walk(schema["items"], prefix + "[]", visit);
  }
}

Result<ordered_json> Parse(std::string_view text) {
  ordered_json j = ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("the schema is not valid JSON");
  return j;
}

}  // namespace

Result<std::string> SchemaReferenceMarkdown(std::string_view schema_text) {
  VT_ASSIGN_OR_RETURN(ordered_json schema, Parse(schema_text));
  std::ostringstream out;
  out << "\n";
  Walk(schema, "", [&](const std::string& path, const ordered_json& s, bool required) {
    const size_t depth = static_cast<size_t>(std::count(path.begin(), path.end(), '.'));
    out << (depth == 0 ? "### " : "#### ") << "`" << path << "`\n\n";
    out << Facts(s, required) << "\n\n";
    if (s.contains("description")) out << Text(s["description"].get<std::string>()) << "\n\n";
    if (s.contains("items") && s["items"].is_object() && s["items"].contains("description") &&
        !s["items"].contains("properties")) {
      out << "Each item: " << Text(s["items"]["description"].get<std::string>()) << "\n\n";
    }
  });
  return out.str();
}

Result<std::vector<std::string>> SchemaPropertyPaths(std::string_view schema_text) {
  VT_ASSIGN_OR_RETURN(ordered_json schema, Parse(schema_text));
  std::vector<std::string> paths;
  Walk(schema, "", [&](const std::string& path, const ordered_json&, bool) {
    paths.push_back(path);
  });
  return paths;
}

Result<std::string> GeneratedBlock(const std::string& document) {
  const size_t begin = document.find(kSchemaDocBegin);
  const size_t end = document.find(kSchemaDocEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    return Status::InvalidArgument(std::string("the document lacks the markers \"") +
                                   kSchemaDocBegin + "\" and \"" + kSchemaDocEnd +
                                   "\", in that order");
  }
  const size_t from = begin + std::string(kSchemaDocBegin).size();
  return document.substr(from, end - from);
}

Result<std::string> ReplaceGeneratedBlock(const std::string& document,
                                          const std::string& generated) {
  VT_ASSIGN_OR_RETURN(std::string old, GeneratedBlock(document));
  const size_t from = document.find(kSchemaDocBegin) + std::string(kSchemaDocBegin).size();
  return document.substr(0, from) + generated + document.substr(from + old.size());
}

}  // namespace veritrain
