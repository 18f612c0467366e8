// JsonSchema on top of valijson: validation, error clean-up, defaults.
#include "scenarios/spec/schema_validate.h"

// valijson reports a malformed schema by throwing when this is set, and
// by calling abort() otherwise. Only this file includes valijson.
#define VALIJSON_USE_EXCEPTIONS 1

#include <algorithm>
#include <exception>
#include <limits>
#include <set>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace veritrain {
namespace {

using nlohmann::json;

// valijson messages that only say "a child failed"; the child's own error
// is reported separately.
bool IsKnockOn(const std::string& m) {
  static const char* const kPrefixes[] = {
      "Failed to validate against schema associated with property name",
      "Failed to validate against schema associated with pattern",
      "Failed to validate item #",
      "Failed to validate against additional properties schema",
      "Failed to validate against child schema #",
      "Failed to validate against dependent schema",
  };
  for (const char* p : kPrefixes) {
    if (m.rfind(p, 0) == 0) return true;
  }
  return false;
}

bool IsCombinatorSummary(const std::string& m) {
  return m.find("oneOf constraint") != std::string::npos ||
         m.find("anyOf constraint") != std::string::npos ||
         m.rfind("Failed to validate against exactly one child schema", 0) == 0;
}

bool IsIndex(const std::string& t) {
  return !t.empty() && t.size() <= 18 &&
         t.find_first_not_of("0123456789") == std::string::npos;
}

// Orders JSON pointers as paths: token by token, array indexes by value,
// so "/participants/2" comes before "/participants/10".
bool PathLess(const std::string& a, const std::string& b) {
  auto split = [](const std::string& p) {
    std::vector<std::string> tokens;
    size_t at = 0;
    while (at < p.size()) {
      size_t next = p.find('/', at + 1);
      if (next == std::string::npos) next = p.size();
      tokens.push_back(p.substr(at + 1, next - at - 1));
      at = next;
    }
    return tokens;
  };
  std::vector<std::string> ta = split(a);
  std::vector<std::string> tb = split(b);
  for (size_t i = 0; i < ta.size() && i < tb.size(); ++i) {
    if (ta[i] == tb[i]) continue;
    if (IsIndex(ta[i]) && IsIndex(tb[i])) {
      return std::stoull(ta[i]) < std::stoull(tb[i]);
    }
    return ta[i] < tb[i];
  }
  return ta.size() < tb.size();
}

// Extracts X from "...'X'." (the last quoted name in a valijson message).
bool QuotedName(const std::string& m, std::string* name) {
  size_t end = m.rfind('\'');
  if (end == std::string::npos || end == 0) return false;
  size_t begin = m.rfind('\'', end - 1);
  if (begin == std::string::npos) return false;
  *name = m.substr(begin + 1, end - begin - 1);
  return true;
}

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string EscapeToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> ContextTokens(
    const std::vector<std::string>& context) {
  std::vector<std::string> tokens;
  for (const std::string& c : context) {
    if (c == "<root>") continue;
    if (c.size() >= 2 && c.front() == '[' && c.back() == ']') {
      tokens.push_back(c.substr(1, c.size() - 2));
    } else {
      tokens.push_back(c);
    }
  }
  return tokens;
}

std::string TokensToPointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) out += "/" + EscapeToken(t);
  return out;
}

// The instance value at `tokens`, or nullptr.
const json* InstanceAt(const json& root, const std::vector<std::string>& t) {
  const json* node = &root;
  for (const std::string& token : t) {
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (!IsIndex(token)) return nullptr;
      size_t i = std::stoul(token);
      if (i >= node->size()) return nullptr;
      node = &(*node)[i];
    } else {
      return nullptr;
    }
  }
  return node;
}

// The subschema that applies to the instance value at `tokens`, following
// "properties", "additionalProperties" and "items" (local structure only).
const json* SchemaAt(const json& schema, const std::vector<std::string>& t) {
  const json* node = &schema;
  for (const std::string& token : t) {
    if (!node->is_object()) return nullptr;
    auto props = node->find("properties");
    if (props != node->end() && props->is_object() && props->contains(token)) {
      node = &(*props)[token];
      continue;
    }
    auto items = node->find("items");
    if (items != node->end() && items->is_object()) {
      node = &*items;
      continue;
    }
    auto additional = node->find("additionalProperties");
    if (additional != node->end() && additional->is_object()) {
      node = &*additional;
      continue;
    }
    return nullptr;
  }
  return node;
}

// A JSON value for a message, shortened when long.
std::string ValueText(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string TypeText(const json& v) {
  if (v.is_number_integer()) return "integer";
  return v.type_name();
}

std::string JoinValues(const json& values) {
  std::string out;
  for (const json& v : values) {
    if (!out.empty()) out += ", ";
    out += v.dump();
  }
  return out;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Names required by the alternatives of oneOf/anyOf/allOf under `node`.
void CollectAlternativeRequired(const json& node, std::set<std::string>* out) {
  if (!node.is_object()) return;
  for (const char* key : {"oneOf", "anyOf", "allOf"}) {
    auto it = node.find(key);
    if (it == node.end() || !it->is_array()) continue;
    for (const json& alternative : *it) {
      auto req = alternative.find("required");
      if (req != alternative.end() && req->is_array()) {
        for (const json& name : *req) {
          if (name.is_string()) out->insert(name.get<std::string>());
        }
      }
      CollectAlternativeRequired(alternative, out);
    }
  }
}

bool InRequiredList(const json& node, const std::string& name) {
  auto req = node.find("required");
  if (req == node.end() || !req->is_array()) return false;
  return std::find(req->begin(), req->end(), json(name)) != req->end();
}

constexpr uint64_t kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// JSON pointers of the integers in `v` above the int64 range (2^63 and
// more). valijson reads integers as int64, so 2^63 wraps to a negative
// number and was reported as "less than the minimum 0".
void HugeIntegers(const json& v, const std::string& at, std::set<std::string>* out) {
  if (v.is_number_unsigned() && v.get<uint64_t>() > kInt64Max) {
    out->insert(at);
  } else if (v.is_object()) {
    for (const auto& [key, child] : v.items()) HugeIntegers(child, at + "/" + EscapeToken(key), out);
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) HugeIntegers(v[i], at + "/" + std::to_string(i), out);
  }
}

bool IsNumericSchema(const json& node) {
  auto type = node.find("type");
  if (type == node.end()) return node.contains("maximum") || node.contains("minimum");
  auto numeric = [](const json& t) { return t == "integer" || t == "number"; };
  if (type->is_string()) return numeric(*type);
  if (type->is_array()) return std::any_of(type->begin(), type->end(), numeric);
  return false;
}

// The violation for a huge integer at a numeric field.
std::string HugeIntegerMessage(const json& value, const json& node) {
  if (node.contains("maximum")) {
    return value.dump() + " is greater than the maximum " + node["maximum"].dump();
  }
  return value.dump() + " is greater than the largest integer allowed, " +
         std::to_string(kInt64Max);
}

// Turns the raw valijson errors into the violations callers see.
class ViolationBuilder {
 public:
  ViolationBuilder(const json& schema, const json& instance)
      : schema_(schema), instance_(instance) {
    HugeIntegers(instance, "", &huge_);
  }

  // Every integer of 2^63 or more at a numeric field: one violation each
  // (valijson's own errors about them are dropped in Add).
  void AddHugeIntegers() {
    for (const std::string& path : huge_) {
      std::vector<std::string> tokens;
      for (size_t at = 0; at < path.size();) {
        size_t next = path.find('/', at + 1);
        if (next == std::string::npos) next = path.size();
        std::string t = path.substr(at + 1, next - at - 1);
        std::string unescaped;
        for (size_t i = 0; i < t.size(); ++i) {
          if (t[i] == '~' && i + 1 < t.size()) {
            unescaped += t[i + 1] == '1' ? '/' : '~';
            ++i;
          } else {
            unescaped += t[i];
          }
        }
        tokens.push_back(unescaped);
        at = next;
      }
      const json* node = SchemaAt(schema_, tokens);
      const json* value = InstanceAt(instance_, tokens);
      if (node == nullptr || value == nullptr || !IsNumericSchema(*node)) continue;
      Emit(path, HugeIntegerMessage(*value, *node));
    }
  }

  void Add(const std::vector<std::string>& context, const std::string& raw) {
    if (IsKnockOn(raw)) return;
    std::vector<std::string> tokens = ContextTokens(context);
    std::string path = TokensToPointer(tokens);
    if (huge_.count(path) > 0 && StartsWith(raw, "Expected number")) return;
    const json* node = SchemaAt(schema_, tokens);
    const json* value = InstanceAt(instance_, tokens);

    if (node != nullptr && node->contains("errorMessage") &&
        (*node)["errorMessage"].is_string() && IsAlternativeNoise(*node, raw)) {
      Emit(path, AlternativeMessage(*node, value));
      return;
    }
    if (StartsWith(raw, "Object contains a property that could not be")) {
      AddUnknownFields(path, raw, node, value);
      return;
    }
    Emit(path, Rewrite(raw, node, value));
  }

  // The violations, ordered by path (stable: one path keeps its order).
  std::vector<SchemaViolation> Take() {
    std::stable_sort(out_.begin(), out_.end(),
                     [](const SchemaViolation& a, const SchemaViolation& b) {
                       return PathLess(a.path, b.path);
                     });
    return std::move(out_);
  }

 private:
  // True if `raw` comes from the oneOf/anyOf alternatives of `node`.
  bool IsAlternativeNoise(const json& node, const std::string& raw) const {
    if (IsCombinatorSummary(raw)) return true;
    if (!StartsWith(raw, "Missing required property")) return false;
    std::string name;
    if (!QuotedName(raw, &name) || InRequiredList(node, name)) return false;
    std::set<std::string> alternatives;
    CollectAlternativeRequired(node, &alternatives);
    return alternatives.count(name) > 0;
  }

  static std::string AlternativeMessage(const json& node, const json* value) {
    std::string message = node["errorMessage"].get<std::string>();
    std::set<std::string> alternatives;
    CollectAlternativeRequired(node, &alternatives);
    std::string present;
    if (value != nullptr && value->is_object()) {
      for (const auto& [key, unused] : value->items()) {
        if (alternatives.count(key) == 0) continue;
        if (!present.empty()) present += ", ";
        present += key;
      }
    }
    return message + " (has: " + (present.empty() ? "none" : present) + ")";
  }

  void AddUnknownFields(const std::string& path, const std::string& raw,
                        const json* node, const json* value) {
    const json* props = nullptr;
    if (node != nullptr && node->contains("properties")) {
      props = &(*node)["properties"];
    }
    if (props == nullptr || value == nullptr || !value->is_object()) {
      std::string name;
      Emit(path, QuotedName(raw, &name) ? "unknown field '" + name + "'"
                                        : "unknown field");
      return;
    }
    std::string allowed;
    for (const auto& [key, unused] : props->items()) {
      allowed += (allowed.empty() ? "" : ", ") + key;
    }
    for (const auto& [key, unused] : value->items()) {
      if (props->contains(key)) continue;
      std::string message = "unknown field '" + key + "'";
      std::string best;
      size_t best_distance = 3;  // suggest only near misses
      for (const auto& [candidate, unused2] : props->items()) {
        size_t d = EditDistance(key, candidate);
        if (d < best_distance) {
          best_distance = d;
          best = candidate;
        }
      }
      if (!best.empty()) message += "; did you mean '" + best + "'?";
      message += " (allowed: " + allowed + ")";
      Emit(path + "/" + EscapeToken(key), message);
    }
  }

  static std::string Rewrite(const std::string& raw, const json* node,
                             const json* value) {
    if (StartsWith(raw, "Missing required property")) {
      std::string name;
      if (QuotedName(raw, &name))
        return "missing required field '" + name + "'";
      return raw;
    }
    if (node == nullptr || value == nullptr) return raw;
    const std::string got = ValueText(*value);
    if (StartsWith(raw, "Value type not permitted") && node->contains("type")) {
      const json& type = (*node)["type"];
      std::string expected = type.is_string() ? type.get<std::string>()
                                              : "one of " + JoinValues(type);
      return "expected " + expected + ", got " + TypeText(*value) + " " + got;
    }
    if (StartsWith(raw, "Failed to match against any enum values") &&
        node->contains("enum")) {
      return got + " is not one of: " + JoinValues((*node)["enum"]);
    }
    if (StartsWith(raw, "Failed to match expected value set by 'const'") &&
        node->contains("const")) {
      return "must be " + (*node)["const"].dump() + ", got " + got;
    }
    if (StartsWith(raw, "Failed to match regex") && node->contains("errorMessage") &&
        (*node)["errorMessage"].is_string()) {
      return got + " " + (*node)["errorMessage"].get<std::string>();
    }
    if (StartsWith(raw, "Failed to match regex") && node->contains("pattern")) {
      return got + " does not match the pattern " +
             (*node)["pattern"].get<std::string>();
    }
    if (StartsWith(raw, "Expected number greater than or equal to") &&
        node->contains("minimum")) {
      return got + " is less than the minimum " + (*node)["minimum"].dump();
    }
    if (StartsWith(raw, "Expected number greater than") &&
        node->contains("exclusiveMinimum")) {
      return got + " must be greater than " +
             (*node)["exclusiveMinimum"].dump();
    }
    if (StartsWith(raw, "Expected number less than or equal to") &&
        node->contains("maximum")) {
      return got + " is greater than the maximum " + (*node)["maximum"].dump();
    }
    if (StartsWith(raw, "Expected number less than") &&
        node->contains("exclusiveMaximum")) {
      return got + " must be less than " + (*node)["exclusiveMaximum"].dump();
    }
    return raw + " (value: " + got + ")";
  }

  void Emit(const std::string& path, const std::string& message) {
    if (!seen_.insert({path, message}).second) return;
    out_.push_back({path, message});
  }

  const json& schema_;
  const json& instance_;
  std::set<std::string> huge_;  // pointers of integers >= 2^63
  std::set<std::pair<std::string, std::string>> seen_;
  std::vector<SchemaViolation> out_;
};

void FillDefaults(const json& schema, json* value) {
  if (!schema.is_object()) return;
  if (value->is_object()) {
    auto props = schema.find("properties");
    if (props == schema.end() || !props->is_object()) return;
    for (const auto& [key, sub] : props->items()) {
      if (!value->contains(key)) {
        if (sub.is_object() && sub.contains("default")) {
          (*value)[key] = sub["default"];
        } else if (sub.is_object() && sub.contains("properties") &&
                   !sub.contains("required")) {
          (*value)[key] = json::object();
        } else {
          continue;
        }
      }
      FillDefaults(sub, &(*value)[key]);
    }
  } else if (value->is_array()) {
    auto items = schema.find("items");
    if (items == schema.end() || !items->is_object()) return;
    for (json& item : *value) FillDefaults(*items, &item);
  }
}

}  // namespace

std::string ContextToJsonPointer(const std::vector<std::string>& context) {
  return TokensToPointer(ContextTokens(context));
}

Result<JsonSchema> JsonSchema::Create(json schema) {
  auto parsed = std::make_shared<valijson::Schema>();
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, *parsed);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("malformed JSON Schema: ") +
                                   e.what());
  }
  return JsonSchema(std::move(schema), std::move(parsed));
}

std::vector<SchemaViolation> JsonSchema::Validate(const json& instance) const {
  valijson::ValidationResults results;
  bool ok = false;
  try {
    // One Validator per call: it caches compiled regexes and is not
    // thread-safe, while the parsed Schema is only read.
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::adapters::NlohmannJsonAdapter adapter(instance);
    ok = validator.validate(*schema_, adapter, &results);
  } catch (const std::exception& e) {
    return {{"", std::string("schema validation failed: ") + e.what()}};
  }
  ViolationBuilder builder(schema_json_, instance);
  builder.AddHugeIntegers();
  std::string last;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    builder.Add(error.context, error.description);
    last = error.description;
  }
  std::vector<SchemaViolation> out = builder.Take();
  if (out.empty() && !ok) out.push_back({"", "does not match the schema: " + last});
  return out;
}

void JsonSchema::ApplyDefaults(json* instance) const {
  FillDefaults(schema_json_, instance);
}

}  // namespace veritrain
