// Reading JSON as written, not as a lenient parser keeps it.
//
// nlohmann keeps the last value of a key that appears twice in one object,
// silently: a file that says "outcome": "rejected" and then "outcome":
// "accepted" reads as accepted to it and as rejected to a reader that keeps
// the first. A scenario with such a key is refused (scenarios/spec), and so
// is a results file the audit reads.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/util/status.h"

namespace veritrain {

// Parses `text` as nlohmann::json::parse does (throwing its parse errors),
// also collecting the JSON pointer of every key that appears a second time
// in one object.
nlohmann::json ParseNotingDuplicateKeys(std::string_view text,
                                        std::vector<std::string>* duplicates);

// `text` (the file `what`) parsed strictly: Corruption naming `what` when it
// is not JSON, holds a NUL byte (which some readers stop at), or repeats a
// key in one object (naming the first such key's pointer). REQUIRES: the
// caller has checked its depth (json_depth.h).
Result<nlohmann::json> ParseStrictJson(std::string_view text, const std::string& what);

}  // namespace veritrain
