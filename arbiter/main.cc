// veritrain-arbiter: the arbiter role as its own process.
//   veritrain-arbiter --config ROLE_CONFIG.json
// The `veritrain` command writes the config and starts this process.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "arbiter/arbiter.h"

int main(int argc, char** argv) {
  CLI::App app{"veritrain arbiter role"};
  std::string config_path;
  app.add_option("--config", config_path, "role config JSON written by `veritrain run`")
      ->required();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("%H:%M:%S.%e [arbiter] %^%l%$ %v");

  auto config = veritrain::RoleConfig::Load(config_path);
  if (!config.ok()) {
    spdlog::error("{}", config.status().ToString());
    return 2;
  }
  zmq::context_t ctx(1);
  veritrain::SystemClock clock;
  auto arbiter = veritrain::Arbiter::Create(ctx, *config, &clock);
  if (!arbiter.ok()) {
    spdlog::error("{}", arbiter.status().ToString());
    return 1;
  }
  veritrain::Status s = (*arbiter)->Run();
  if (!s.ok()) {
    spdlog::error("{}", s.ToString());
    return 1;
  }
  return 0;
}
