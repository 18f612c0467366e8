#include "core/util/strategy_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/util/json_depth.h"

namespace veritrain {

Result<std::string> ReadStrategyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return Status::NotFound("no strategy file " + path);
    return Status::IOError("cannot read strategy file " + path + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(text.str(), "strategy file " + path));
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.size() != 1 || !j.contains("strategy") ||
      !j["strategy"].is_string() || j["strategy"].get<std::string>().empty()) {
    return Status::InvalidArgument("strategy file " + path +
                                   " is not {\"strategy\": \"<behaviour name>\"}");
  }
  return j["strategy"].get<std::string>();
}

std::string StrategyFileText(const std::string& strategy) {
  return nlohmann::json{{"strategy", strategy}}.dump() + "\n";
}

}  // namespace veritrain
