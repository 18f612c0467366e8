// One CSV field (RFC 4180), as every table veritrain writes spells it
// (metrics.csv, sweep.csv, aggregates.csv): strings as themselves, booleans
// true/false, null empty, other JSON as its compact text; quoted, with
// quotes doubled, when it holds a comma, a quote or a line break.
//
// Thread-safety: pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace veritrain {

std::string CsvField(const nlohmann::json& v);

}  // namespace veritrain
