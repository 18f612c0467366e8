// A nesting-depth check on raw JSON text, run before any parser sees it.
//
// A hostile header such as "[[[[...]]]]" nested 100000 deep must be refused
// without recursing: this is a single linear scan that counts '[' and '{'
// outside string literals (honouring backslash escapes) and stops at the
// first byte that goes past the limit. It does not validate the JSON; the
// parser does that afterwards.
//
// Every JSON file veritrain reads (a scenario, a run or sweep folder's
// files, a strategy file, a role's config) goes through CheckJsonFileDepth
// first: nlohmann's copy, comparison and dump, and the schema validator,
// recurse once per level, and a well-formed file some 25,000 levels deep
// overflows the stack in them.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/util/status.h"

namespace veritrain {

// True when some '[' or '{' in `json` opens a container nested deeper than
// `max_depth` levels; the outermost container is depth 1, so "{}" has depth
// 1 and "{\"a\":[1]}" depth 2. Scalars have depth 0.
bool JsonDeeperThan(std::string_view json, int max_depth);

// The deepest nesting accepted in a JSON file: far beyond any file
// veritrain writes or documents (a scenario is under 10 levels deep), and
// far below what the recursive walks over a parsed document can take.
inline constexpr int kMaxJsonFileDepth = 128;

// InvalidArgument "<source>: JSON nested deeper than 128 levels (the limit
// for files veritrain reads)" when `text` nests deeper than `max_depth`;
// OK otherwise (also for text that is not JSON: the parser reports that).
Status CheckJsonFileDepth(std::string_view text, const std::string& source,
                          int max_depth = kMaxJsonFileDepth);

}  // namespace veritrain
