// veritrain-solver: the solver role as its own process.
//   veritrain-solver --config ROLE_CONFIG.json
// The `veritrain` command writes the config and starts this process.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "core/train/hardware_profile.h"
#include "solver/solver.h"

int main(int argc, char** argv) {
  CLI::App app{"veritrain solver role"};
  std::string config_path;
  app.add_option("--config", config_path, "role config JSON written by `veritrain run`")
      ->required();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("%H:%M:%S.%e [solver] %^%l%$ %v");

  auto config = veritrain::RoleConfig::Load(config_path);
  if (!config.ok()) {
    spdlog::error("{}", config.status().ToString());
    return 2;
  }
  auto profile = veritrain::HardwareProfile::FromJson(config->profile);
  if (!profile.ok()) {
    spdlog::error("{}", profile.status().ToString());
    return 2;
  }
  veritrain::Status applied = veritrain::ApplyHardwareProfile(*profile);
  if (!applied.ok()) {
    spdlog::error("{}", applied.ToString());
    return 2;
  }
  zmq::context_t ctx(1);
  auto solver = veritrain::Solver::Create(ctx, *config);
  if (!solver.ok()) {
    spdlog::error("{}", solver.status().ToString());
    return 1;
  }
  veritrain::Status s = (*solver)->Run();
  if (!s.ok()) {
    spdlog::error("{}", s.ToString());
    return 1;
  }
  return 0;
}
