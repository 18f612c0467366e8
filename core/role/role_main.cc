#include "core/role/role_main.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <fstream>

namespace veritrain {

int RoleMain(int argc, char** argv, const std::string& role,
             const std::function<Status(const RoleConfig&)>& body) {
  CLI::App app{"veritrain " + role + " role (started by `veritrain run`)"};
  std::string config_path;
  app.add_option("--config", config_path, "role config JSON written by `veritrain run`")
      ->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  spdlog::set_pattern("%H:%M:%S.%e [" + role + "] %^%l%$ %v");
  auto config = RoleConfig::Load(config_path);
  if (!config.ok()) {
    spdlog::error("{}", config.status().ToString());
    return 2;
  }
  Status s = body(*config);
  if (!s.ok()) {
    spdlog::error("{}", s.ToString());
    // Best effort: a work dir that cannot take it leaves the log alone to say.
    std::ofstream failure(RoleFailurePath(*config), std::ios::trunc);
    failure << s.ToString();
    return 1;
  }
  return 0;
}

std::string RoleFailurePath(const RoleConfig& config) {
  return config.work_dir + "/" + config.name + ".failure";
}

}  // namespace veritrain
