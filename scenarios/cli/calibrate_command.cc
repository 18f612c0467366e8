#include "scenarios/cli/calibrate_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/train/job_environment.h"
#include "scenarios/check/behaviour_check.h"
#include "scenarios/calibrate/calibrate.h"
#include "scenarios/calibrate/calibration_warnings.h"
#include "scenarios/runner/results_folder.h"
#include "scenarios/runner/run.h"
#include "scenarios/spec/scenario.h"
#include "scenarios/cli/path_options.h"

namespace veritrain {
namespace {

// The entries of `dir` that a calibration does not write: it replaces its
// own three files and nothing else, so a folder holding anything more (a
// file of the user's, a run's results) is refused before any work.
std::vector<std::string> NotACalibrations(const std::string& dir) {
  static const std::vector<std::string> kOwn = {"calibration.json", "calibration.csv",
                                                "calibration_nodes.csv"};
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const std::string base = AtomicWriteTarget(name);  // an interrupted write's too
    std::error_code type;
    const bool file = std::filesystem::is_regular_file(it->symlink_status(type));
    if (!file || std::find(kOwn.begin(), kOwn.end(), base) == kOwn.end()) out.push_back(name);
  }
  if (ec) out.push_back("(cannot be listed: " + ec.message() + ")");
  return out;
}

}  // namespace

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
                          "(default results/calibration/<scenario>)")
      ->check(NotEmptyPath());
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
  if (const std::vector<std::string> foreign = NotACalibrations(out); !foreign.empty()) {
    std::cerr << "--out " << out << " holds files that are not a calibration's ("
              << FirstNames(foreign)
              << "); nothing was changed: name a new or empty folder, or one that holds "
                 "a calibration only\n";
    return kRunBadInput;
  }
  auto written = CalibrateAndWrite(*sc, out);
  if (!written.ok()) {
    std::cerr << "calibration failed: " << written.status().ToString() << "\n";
    return kRunFailed;
  }
  const Calibration* c = &written->calibration;
  std::printf("%s: %zu honest reproductions of ranges (%zu seeds x %zu profiles, %lld "
              "intervals of %lld steps) and %zu node evaluations, against the solver's "
              "profile (threads=%d %s), in %.1f s\n",
              sc->name.c_str(), c->ranges.size(), c->settings.seeds.size(),
              c->settings.profiles.size(), static_cast<long long>(c->settings.intervals),
              static_cast<long long>(sc->protocol.checkpoint_interval), c->nodes.size(),
              c->reference.threads, c->reference.dtype.c_str(), c->seconds);
  char quantile[32];
  std::snprintf(quantile, sizeof(quantile), "q%.6g", c->settings.quantile);
  std::printf("whole intervals:\n%-7s %12s %12s %12s %12s %12s%s\n", "metric", "min", "median",
              quantile, "max", "delta",
              "  (quantile: the largest of a profile's own; delta = max(quantile x margin, "
              "floor), raised for the node thresholds)");
  for (const auto& [metric, m] : c->metrics_summary.items()) {
    std::printf("%-7s %12.4g %12.4g %12.4g %12.4g %12.4g\n", metric.c_str(),
                m.value("min", 0.0), m.value("median", 0.0), m.value("quantile_value", 0.0),
                m.value("max", 0.0), m["delta"].get<double>());
  }
  std::printf("delta by steps re-executed:\n");
  for (const auto& [steps, by_metric] : c->delta_by_steps) {
    std::printf("  %5lld steps:", static_cast<long long>(steps));
    for (const auto& [metric, d] : by_metric) std::printf("  %s %.4g", metric.c_str(), d);
    std::printf("\n");
  }
  std::printf("node thresholds by kind (componentwise relative error):\n");
  for (const auto& [kind, k] : c->node_kinds_summary.items()) {
    std::printf("  %-14s %3lld nodes, %3lld bit-exact, largest honest %.3g, largest threshold %.3g\n",
                kind.c_str(), static_cast<long long>(k["nodes"].get<int64_t>()),
                static_cast<long long>(k["exact"].get<int64_t>()),
                k["max_deviation"].get<double>(), k["max_tolerance"].get<double>());
  }
  const RateEstimate& fp = c->false_positive_per_check;
  const RateEstimate& task_fp = c->false_positive_per_task;
  if (fp.trials > 0) {
    std::printf("predicted false positives (leave one seed out): %lld of %lld honest intervals "
                "outside delta, %.3g per interval check (95%% CI %.3g-%.3g), %.3g per task "
                "(95%% CI %.3g-%.3g)\n",
                static_cast<long long>(fp.events), static_cast<long long>(fp.trials), fp.rate,
                fp.low, fp.high, task_fp.rate, task_fp.low, task_fp.high);
  } else {
    std::printf("predicted false positives: needs at least 2 seeds\n");
  }
  // The caveats a run with these thresholds would give (the same words),
  // its own tasks checked under them as a run does.
  for (const std::string& w : CalibrationWarnings(written->record)) {
    std::cerr << s_->scenario << ": warning: " << w << "\n";
  }
  std::cout << "results: " << out << "/calibration.json, calibration.csv, calibration_nodes.csv\n";
  return kRunOk;
}

}  // namespace veritrain
