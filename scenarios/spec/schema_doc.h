// The scenario reference (docs/scenarios.md) generated from the scenario
// JSON Schema, so that the documentation cannot drift from what `veritrain
// check` enforces.
//
// The generated text sits between two marker lines in the document; the
// prose around it is written by hand. `veritrain schema-doc --write FILE`
// regenerates the block in place, and a unit test fails when the block in
// the repository differs from what the schema generates.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

inline constexpr const char* kSchemaDocBegin =
    "<!-- BEGIN GENERATED FROM scenarios/schema/scenario.schema.json: veritrain schema-doc "
    "--write docs/scenarios.md -->";
inline constexpr const char* kSchemaDocEnd = "<!-- END GENERATED -->";

// Markdown for every property of the schema, depth first in the schema's
// order: its path ("job.steps", "participants[].profile.threads"), type,
// whether it is required, default, allowed values and bounds, and
// description.
// `schema_text` is the schema's JSON text (parsed keeping its key order).
// InvalidArgument if it is not JSON.
Result<std::string> SchemaReferenceMarkdown(std::string_view schema_text);

// Every property path SchemaReferenceMarkdown documents.
Result<std::vector<std::string>> SchemaPropertyPaths(std::string_view schema_text);

// `document` with the text between the markers replaced by `generated`.
// InvalidArgument when the markers are missing or out of order.
Result<std::string> ReplaceGeneratedBlock(const std::string& document,
                                          const std::string& generated);

// The text between the markers (without them); InvalidArgument as above.
Result<std::string> GeneratedBlock(const std::string& document);

}  // namespace veritrain
