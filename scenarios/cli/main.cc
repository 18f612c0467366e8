// veritrain: the command users run.
//
//   veritrain run SCENARIO.json [--out DIR] [--keep-workdir] [--plugin LIB.so]
//   veritrain check SCENARIO.json [--plugin LIB.so]
//   veritrain sweep | merge | report | schema-doc   (scenarios/cli/commands.h)
//   veritrain calibrate SCENARIO.json [--out DIR]   (scenarios/cli/calibrate_command.h)
//   veritrain nodes SCENARIO.json | --torchscript FILE  (scenarios/cli/nodes_command.h)
//   veritrain cache dir | list | clear              (scenarios/cli/cache_command.h)
//
// Exit status: 0 the run settled and met every expectation; 1 a role
// failed or an expectation was not met; 2 the scenario is invalid (nothing
// was started); 3 the global timeout passed; 130 interrupted.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "arbiter/process_main.h"
#include "core/train/job.h"
#include "core/train/job_environment.h"
#include "core/util/build_info.h"
#include "core/util/exit_guard.h"
#include "scenarios/cli/cache_command.h"
#include "scenarios/cli/calibrate_command.h"
#include "scenarios/cli/commands.h"
#include "scenarios/cli/fingerprint_command.h"
#include "scenarios/check/job_check.h"
#include "scenarios/check/scenario_warnings.h"
#include "scenarios/cli/nodes_command.h"
#include "scenarios/cli/progress.h"
#include "scenarios/runner/curve_keys.h"
#include "scenarios/runner/role_executables.h"
#include "scenarios/runner/process_supervisor.h"
#include "scenarios/runner/role_launcher.h"
#include "scenarios/runner/run.h"
#include "solver/process_main.h"
#include "verifier/process_main.h"
#include "scenarios/runner/summary.h"
#include "scenarios/spec/scenario.h"
#include "scenarios/cli/path_options.h"

namespace {

// Loads the scenario's plug-ins and builds its job once (a typo in a
// plug-in job's name, a model file that is not TorchScript or a ragged CSV
// is reported here, naming the file, before anything runs), then checks
// the scenario against it (job_check.h: the job's graph, the devices, the
// behaviours' parameters, the tolerance-mode thresholds measured on the
// job). What those checks could not vouch for goes to `warnings`.
veritrain::Status CheckJob(const veritrain::Scenario& sc, std::vector<std::string>* warnings) {
  VT_ASSIGN_OR_RETURN(veritrain::JobEnvironment env,
                      veritrain::ResolveJobEnvironment(sc.plugins, sc.source_dir));
  VT_RETURN_IF_ERROR(veritrain::ApplyJobEnvironment(env));
  VT_RETURN_IF_ERROR(veritrain::RequireKnownJob(sc.job.value("name", std::string())));
  VT_RETURN_IF_ERROR(veritrain::CheckPointAgainstJob(sc, warnings));
  // CURVE key files, when the scenario loads them: each exists and is whole.
  return veritrain::RunCurveKeys(sc, veritrain::RunParticipantNames(sc)).status();
}

// The scenario at `path`, loaded and its job checked; nullopt, with the
// reasons printed to stderr, when it is bad input.
// `check` says the warnings of a file with a sweep block as the sweep
// would (PrintSweepFileWarnings); `run`, which ignores the block, the
// file's own.
std::optional<veritrain::Scenario> LoadChecked(const std::string& path,
                                               const std::vector<std::string>& plugins,
                                               bool as_sweep = false) {
  auto sc = veritrain::LoadScenario(path, plugins);
  if (!sc.ok()) {
    std::cerr << sc.status().message() << "\n";
    return std::nullopt;
  }
  std::vector<std::string> warnings;
  if (veritrain::Status s = CheckJob(*sc, &warnings); !s.ok()) {
    std::cerr << veritrain::EachLine(path + ": ", s.message());
    for (const auto& w : warnings) std::cerr << path << ": warning: " << w << "\n";
    return std::nullopt;
  }
  for (const auto& w : warnings) std::cerr << path << ": warning: " << w << "\n";
  if (!as_sweep) veritrain::PrintScenarioWarnings(*sc, path, std::cerr);
  return std::move(*sc);
}

int Check(const std::string& path, const std::vector<std::string>& plugins) {
  std::optional<veritrain::Scenario> sc = LoadChecked(path, plugins, /*as_sweep=*/true);
  if (!sc) return veritrain::kRunBadInput;
  if (veritrain::CheckSweepOf(*sc, path, std::cerr) > 0) {
    veritrain::PrintScenarioWarnings(*sc, path, std::cerr);
    return veritrain::kRunBadInput;
  }
  veritrain::PrintSweepFileWarnings(*sc, path, std::cerr);
  std::cout << path << ": ok (" << sc->name << ", " << sc->intervals()
            << " intervals" << veritrain::SweepSizeText(*sc) << ")\n";
  return 0;
}

int RunCommand(const std::string& path, const veritrain::RunOptions& options,
               const std::vector<std::string>& plugins) {
  std::optional<veritrain::Scenario> sc = LoadChecked(path, plugins);
  if (!sc) return veritrain::kRunBadInput;
  spdlog::info("running scenario {} (seed {})", sc->name, sc->seed);
  if (sc->resolved.contains("sweep")) {
    spdlog::info("the scenario's sweep block is ignored by run (use veritrain sweep)");
  }
  veritrain::ProgressLine progress;
  veritrain::RunOptions with_progress = options;
  with_progress.progress = &progress;
  veritrain::RunOutcome out = veritrain::RunScenario(*sc, with_progress);
  progress.Finish(std::string(out.exit_code == veritrain::kRunOk ? "finished" : "stopped") +
                  (out.mode == veritrain::ExecutionMode::kInProcess ? " (in-process)" : ""));
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
  if (out.exit_code == veritrain::kRunInterrupted) {
    // Not a failure of the run's: the user (or a harness) stopped it.
    std::cerr << "run interrupted (SIGINT or SIGTERM); the results folder holds what was "
                 "done\n";
  } else if (out.exit_code != veritrain::kRunOk) {
    std::cerr << "run failed: " << out.error << "\n";
  }
  return out.exit_code;
}

}  // namespace

int RunCli(int argc, char** argv);

int main(int argc, char** argv) {
  const int status = RunCli(argc, argv);
  veritrain::MarkCommandDone();
  return status;
}

int RunCli(int argc, char** argv) {
  // First of all, while the process has one thread and has done nothing
  // but load LibTorch: the commands that start role processes fork them
  // from a copy of it (scenarios/runner/role_launcher.h). Should it fail,
  // roles are executed and the manifest says why.
  if (argc > 1 && (std::string(argv[1]) == "run" || std::string(argv[1]) == "sweep")) {
    (void)veritrain::RoleLauncher::Start({{"arbiter", &veritrain::ArbiterProcessMain},
                                          {"solver", &veritrain::SolverProcessMain},
                                          {"verifier", &veritrain::VerifierProcessMain}});
  }
  // A plug-in's code that ends the process with exit() (a run would exit 0
  // having done nothing) or crashes while it loads is said to be so. After
  // the role launcher's fork: the roles are not this command.
  veritrain::GuardAgainstEarlyExit();
  veritrain::InstallEarlyInterruptExit();
  CLI::App app{"veritrain: a testbed for verifiable training protocols"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "veritrain " + veritrain::VeritrainVersion() + " (commit " +
                                        veritrain::VeritrainCommit() + ")");
  // Log lines go to stderr: stdout carries what a command prints as its
  // result (`nodes --json`, `report`, …), which may be piped on.
  spdlog::set_default_logger(spdlog::stderr_color_mt("veritrain"));
  spdlog::set_pattern("%H:%M:%S [veritrain] %v");

  std::string scenario;
  veritrain::RunOptions options;
  auto* run = app.add_subcommand("run", "run a scenario as real processes");
  run->add_option("scenario", scenario, "scenario file (JSON)")->required();
  run->add_option("--out", options.out_dir,
                  "results folder (default results/runs/<scenario>/<run-id>)")
      ->check(veritrain::NotEmptyPath());
  run->add_flag("--keep-workdir", options.keep_workdir,
                "keep the private temp dir (keys, checkpoints, endpoints)");
  bool in_process = false;
  CLI::Option* in_process_flag =
      run->add_flag("--in-process", in_process, "run the roles as threads of this process");
  std::string mode;
  // Both at once would have to pick one silently: refused.
  run->add_option("--mode", mode,
                  "process or in-process (default: the scenario's execution.mode, else process)")
      ->check(CLI::IsMember({"process", "in-process"}))
      ->excludes(in_process_flag);
  std::vector<std::string> plugins;
  run->add_option("--plugin", plugins,
                  "shared library with plug-in jobs, loaded by every process (repeatable)");
  CLI::Option* bin_dir = run->add_option("--bin-dir", options.bin_dir,
                  "execute veritrain-{arbiter,solver,verifier} from DIR, as processes "
                  "(default: fork the roles from this process's role launcher)");
  veritrain::AddCacheDirOption(run);

  std::string check_path;
  auto* check = app.add_subcommand("check", "validate a scenario file without running it");
  check->add_option("scenario", check_path, "scenario file (JSON)")->required();
  check->add_option("--plugin", plugins, "shared library with plug-in jobs (repeatable)");
  veritrain::AddCacheDirOption(check);

  veritrain::WorkflowCommands workflow(app);
  veritrain::CalibrateCommand calibrate(app);
  veritrain::NodesCommand nodes(app);
  veritrain::CacheCommand cache(app);
  veritrain::FingerprintCommand fingerprint(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : veritrain::kRunBadInput;
  }
  if (*check) return Check(check_path, plugins);
  if (auto status = workflow.Dispatch()) return *status;
  if (auto status = calibrate.Dispatch()) return *status;
  if (auto status = nodes.Dispatch()) return *status;
  if (auto status = cache.Dispatch()) return *status;
  if (auto status = fingerprint.Dispatch()) return *status;
  if (in_process) mode = "in-process";
  if (!mode.empty()) options.mode = *veritrain::ParseExecutionMode(mode);
  if (*run && bin_dir->count() > 0) {
    // A usage error, before the results folder is created: "" is refused
    // rather than taken for no flag.
    if (veritrain::Status s = veritrain::CheckRoleExecutableDir(options.bin_dir); !s.ok()) {
      std::cerr << "run: " << s.message() << "\n";
      return veritrain::kRunBadInput;
    }
  }
  if (*run) return RunCommand(scenario, options, plugins);
  return veritrain::kRunBadInput;
}
