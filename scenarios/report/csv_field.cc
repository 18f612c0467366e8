#include "scenarios/report/csv_field.h"

namespace veritrain {

std::string CsvField(const nlohmann::json& v) {
  std::string s;
  if (v.is_null()) return "";
  if (v.is_string()) {
    s = v.get<std::string>();
  } else if (v.is_boolean()) {
    return v.get<bool>() ? "true" : "false";
  } else {
    s = v.dump();
  }
  if (s.find_first_of(",\"\n\r") != std::string::npos) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  }
  return s;
}

}  // namespace veritrain
