#include "scenarios/calibrate_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/train/job_environment.h"
#include "scenarios/behaviour_check.h"
#include "scenarios/calibrate.h"
#include "scenarios/runner/run.h"
#include "scenarios/scenario.h"

namespace veritrain {

struct CalibrateCommand::State {
  CLI::App* command = nullptr;
  std::string scenario;
  std::string out_dir;
  std::vector<std::string> plugins;
};

CalibrateCommand::CalibrateCommand(CLI::App& app) : s_(new State) {
  s_->command = app.add_subcommand("calibrate",
                                   "measure the honest reproduction error "
                                   "across hardware profiles and set delta");
  s_->command->add_option("scenario", s_->scenario, "scenario file (JSON)")
      ->required();
  s_->command->add_option("--out", s_->out_dir,
                          "where to write calibration.json and calibration.csv "
                          "(default results/calibration/<scenario>)");
  s_->command->add_option("--plugin", s_->plugins,
                          "shared library with plug-in jobs");
}

CalibrateCommand::~CalibrateCommand() = default;

std::optional<int> CalibrateCommand::Dispatch() {
  if (!*s_->command) return std::nullopt;
  auto sc = LoadScenario(s_->scenario, s_->plugins);
  if (!sc.ok()) {
    std::cerr << sc.status().message() << "\n";
    return kRunBadInput;
  }
  auto env = ResolveJobEnvironment(sc->plugins, sc->source_dir);
  Status ready = env.ok() ? ApplyJobEnvironment(*env) : env.status();
  if (ready.ok()) ready = RequireKnownJob(sc->job.value("name", std::string()));
  if (!ready.ok()) {
    std::cerr << s_->scenario << ": " << ready.message() << "\n";
    return kRunBadInput;
  }
  const std::string out =
      s_->out_dir.empty() ? "results/calibration/" + sc->name : s_->out_dir;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::cerr << "cannot create " << out << ": " << ec.message() << "\n";
    return kRunFailed;
  }
  auto c = CalibrateAndWrite(*sc, out);
  if (!c.ok()) {
    std::cerr << "calibration failed: " << c.status().ToString() << "\n";
    return kRunFailed;
  }
  std::printf(
      "%s: %zu honest reproductions (%zu seeds x %zu profiles x %lld intervals "
      "of %lld "
      "steps) against the solver's profile (threads=%d %s), in %.1f s\n",
      sc->name.c_str(), c->samples.size(), c->settings.seeds.size(),
      c->settings.profiles.size(),
      static_cast<long long>(c->settings.intervals),
      static_cast<long long>(sc->protocol.checkpoint_interval),
      c->reference.threads, c->reference.dtype.c_str(), c->seconds);
  std::printf("%-7s %12s %12s %12s %12s %12s%s\n", "metric", "min", "median",
              ("q" + std::to_string(c->settings.quantile).substr(0, 5)).c_str(),
              "max", "delta", "  (delta = max(quantile x margin, floor))");
  for (const auto& [metric, m] : c->metrics.items()) {
    std::printf("%-7s %12.4g %12.4g %12.4g %12.4g %12.4g\n", metric.c_str(),
                m["min"].get<double>(), m["median"].get<double>(),
                m["quantile_value"].get<double>(), m["max"].get<double>(),
                m["delta"].get<double>());
  }
  std::cout << "results: " << out << "/calibration.json, " << out
            << "/calibration.csv\n";
  return kRunOk;
}

}  // namespace veritrain
