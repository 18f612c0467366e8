// A real number as summary.json (and the wire, core/wire/body_fields.h)
// writes it: a JSON number, or the string "nan", "inf" or "-inf" for a
// non-finite one, which JSON cannot hold. A reader that skips strings where
// it wants numbers loses exactly the values that matter most: an infinite
// distance is a state the honest run never reaches.
//
// Thread-safety: pure functions.
#pragma once

#include <cmath>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

namespace veritrain {

// The value of `j`; nullopt when it is neither a number nor one of the
// three strings.
inline std::optional<double> RealValue(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  if (j == "inf") return std::numeric_limits<double>::infinity();
  if (j == "-inf") return -std::numeric_limits<double>::infinity();
  if (j == "nan") return std::numeric_limits<double>::quiet_NaN();
  return std::nullopt;
}

// `value` as summary.json writes it: the number, or its string when it is
// not finite.
inline nlohmann::json RealJson(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

}  // namespace veritrain
