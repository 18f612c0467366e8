#include "core/util/build_info.h"

#ifndef VERITRAIN_VERSION
#define VERITRAIN_VERSION "unknown"
#endif
#include "git_commit.h"  // generated at build time: VERITRAIN_GIT_COMMIT

namespace veritrain {

std::string VeritrainVersion() { return VERITRAIN_VERSION; }
std::string VeritrainCommit() { return VERITRAIN_GIT_COMMIT; }

nlohmann::json BuildInfo() {
  return {{"veritrain", VeritrainVersion()},
          {"commit", VeritrainCommit()},
          {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                                std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                                std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
          {"compiler", __VERSION__}};
}

}  // namespace veritrain
