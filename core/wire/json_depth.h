// A nesting-depth check on raw JSON text, run before any parser sees it.
//
// A hostile header such as "[[[[...]]]]" nested 100000 deep must be refused
// without recursing: this is a single linear scan that counts '[' and '{'
// outside string literals (honouring backslash escapes) and stops at the
// first byte that goes past the limit. It does not validate the JSON; the
// parser does that afterwards.
//
// Thread-safety: a pure function.
#pragma once

#include <string_view>

namespace veritrain {

// True when some '[' or '{' in `json` opens a container nested deeper than
// `max_depth` levels; the outermost container is depth 1, so "{}" has depth
// 1 and "{\"a\":[1]}" depth 2. Scalars have depth 0.
bool JsonDeeperThan(std::string_view json, int max_depth);

}  // namespace veritrain
