// JsonSchema: a JSON Schema (draft 7) that checks nlohmann::json documents
// and fills in their defaults.
//
// Validation reports every violation at once, not just the first, each as a
// JSON pointer into the document ("/protocol/checkpoint_interval", "" for
// the root) and a message that names the offending value and what was
// allowed ("-5 is less than the minimum 1", "unknown field 'sed'; did you
// mean 'seed'?"). Knock-on errors (a parent failing because a child failed)
// are dropped. A subschema may carry an "errorMessage" string: when one of
// its oneOf/anyOf alternatives does not hold, that message replaces the
// per-alternative noise; when its "pattern" does not match, the message
// follows the value ("\".\" is not a safe participant name: ...").
// Integers of 2^63 and more (which valijson reads as negative int64) are
// reported as greater than the field's maximum.
//
// Built on valijson, which stays out of this header.
//
// Thread-safety: a JsonSchema is immutable after Create(); Validate() and
// ApplyDefaults() may be called from several threads at once.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace valijson {
class Schema;
}  // namespace valijson

namespace veritrain {

// One way in which a document breaks its schema.
struct SchemaViolation {
  std::string path;     // JSON pointer into the document; "" is the root
  std::string message;  // what is wrong, with the offending value
};

class JsonSchema {
 public:
  // Parses a draft-7 schema. InvalidArgument (with the reason) if the schema
  // itself is malformed. Remote $refs are not fetched.
  static Result<JsonSchema> Create(nlohmann::json schema);

  // Every violation of the schema by `instance`, ordered by path (array
  // indexes numerically); empty when `instance` conforms.
  std::vector<SchemaViolation> Validate(const nlohmann::json& instance) const;

  // Fills in, recursively, every property that is absent from `instance`
  // and has a "default" in the schema. An absent object-valued property
  // with "properties" but no "required" list is created empty so that its
  // own defaults are filled in too. Array items get the defaults of
  // "items". Values that are present are never changed.
  // REQUIRES: instance != nullptr; instance conforms (Validate() is empty),
  // otherwise some defaults may be skipped.
  void ApplyDefaults(nlohmann::json* instance) const;

  const nlohmann::json& schema_json() const { return schema_json_; }

 private:
  JsonSchema(nlohmann::json schema_json,
             std::shared_ptr<const valijson::Schema> schema)
      : schema_json_(std::move(schema_json)), schema_(std::move(schema)) {}

  nlohmann::json schema_json_;
  std::shared_ptr<const valijson::Schema> schema_;
};

// Converts a valijson error context such as {"<root>", "[protocol]",
// "[checkpoint_interval]"} into the JSON pointer
// "/protocol/checkpoint_interval" ('~' and '/' escaped as in RFC 6901).
std::string ContextToJsonPointer(const std::vector<std::string>& context);

}  // namespace veritrain
