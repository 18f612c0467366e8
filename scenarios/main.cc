// veritrain: the command users run.
//
//   veritrain run SCENARIO.json [--out DIR] [--keep-workdir]
//   veritrain check SCENARIO.json
//
// Exit status: 0 the run settled and met every expectation; 1 a role
// failed or an expectation was not met; 2 the scenario is invalid (nothing
// was started); 3 the global timeout passed; 130 interrupted.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "scenarios/runner/run.h"
#include "scenarios/runner/summary.h"
#include "scenarios/scenario.h"

namespace {

int Check(const std::string& path) {
  auto sc = veritrain::LoadScenario(path);
  if (!sc.ok()) {
    std::cerr << sc.status().message() << "\n";
    return veritrain::kRunBadInput;
  }
  std::cout << path << ": ok (" << sc->name << ", " << sc->intervals()
            << " intervals)\n";
  return 0;
}

int RunCommand(const std::string& path, const veritrain::RunOptions& options) {
  auto sc = veritrain::LoadScenario(path);
  if (!sc.ok()) {
    std::cerr << sc.status().message() << "\n";
    return veritrain::kRunBadInput;
  }
  spdlog::info("running scenario {} (seed {})", sc->name, sc->seed);
  veritrain::RunOutcome out = veritrain::RunScenario(*sc, options);
  if (!out.summary.is_null()) {
    std::cout << veritrain::HumanSummary(
        out.summary, out.summary["timings"].value("wall_seconds", 0.0));
    for (const auto& e : out.expectations) {
      std::cout << (e.value("passed", false) ? "  ok    " : "  FAIL  ")
                << e.value("expectation", std::string());
      if (!e.value("passed", false)) std::cout << " — " << e.value("detail", std::string());
      std::cout << "\n";
    }
  }
  if (!out.out_dir.empty()) std::cout << "results: " << out.out_dir << "\n";
  if (out.exit_code != veritrain::kRunOk) {
    std::cerr << "run failed: " << out.error << "\n";
  }
  return out.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"veritrain: a testbed for verifiable training protocols"};
  app.require_subcommand(1);
  spdlog::set_pattern("%H:%M:%S [veritrain] %v");

  std::string scenario;
  veritrain::RunOptions options;
  auto* run = app.add_subcommand("run", "run a scenario as real processes");
  run->add_option("scenario", scenario, "scenario file (JSON)")->required();
  run->add_option("--out", options.out_dir,
                  "results folder (default results/runs/<scenario>/<run-id>)");
  run->add_flag("--keep-workdir", options.keep_workdir,
                "keep the private temp dir (keys, checkpoints, endpoints)");
  run->add_option("--bin-dir", options.bin_dir,
                  "where veritrain-{arbiter,solver,verifier} are (default: beside veritrain)");

  std::string check_path;
  auto* check = app.add_subcommand("check", "validate a scenario file without running it");
  check->add_option("scenario", check_path, "scenario file (JSON)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : veritrain::kRunBadInput;
  }
  if (*check) return Check(check_path);
  if (*run) return RunCommand(scenario, options);
  return veritrain::kRunBadInput;
}
