#include "core/util/build_info.h"

#ifndef VERITRAIN_VERSION
#define VERITRAIN_VERSION "unknown"
#endif
#ifndef VERITRAIN_GIT_COMMIT
#define VERITRAIN_GIT_COMMIT "unknown"
#endif

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
