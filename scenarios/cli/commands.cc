#include "scenarios/cli/commands.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "core/state/atomic_file.h"
#include "core/train/job_environment.h"
#include "scenarios/check/job_check.h"
#include "scenarios/check/scenario_warnings.h"
#include "scenarios/sweep/merge.h"
#include "scenarios/cli/progress.h"
#include "scenarios/report/plot.h"
#include "scenarios/report/report.h"
#include "scenarios/runner/role_executables.h"
#include "scenarios/runner/curve_keys.h"
#include "scenarios/runner/folder_audit.h"
#include "scenarios/runner/run.h"
#include "scenarios/spec/schema_doc.h"
#include "scenarios/sweep/sweep.h"
#include "scenarios/sweep/sweep_audit.h"
#include "scenarios/sweep/sweep_runner.h"
#include "scenarios/cli/path_options.h"

namespace veritrain {

struct WorkflowCommands::State {
  CLI::App* sweep = nullptr;
  CLI::App* merge = nullptr;
  CLI::App* report = nullptr;
  CLI::App* audit = nullptr;
  CLI::App* schema_doc = nullptr;
  CLI::Option* sweep_bin_dir = nullptr;  // given (even as "") when count() > 0

  std::string scenario;
  SweepOptions sweep_options;
  std::string shard;
  std::string mode;
  bool in_process = false;
  bool sweep_report = false;
  std::vector<std::string> plugins;

  std::vector<std::string> shard_dirs;
  std::string merge_out;
  bool allow_missing = false;
  bool merge_report = false;

  std::string report_dir;
  ReportOptions report_options;

  std::string audit_dir;
  std::optional<std::string> audit_key;  // set when --arbiter-key is given, even empty

  std::string schema_doc_file;

  int Sweep();
  int Merge();
  int Report(const std::string& dir, const std::string& out_file);
  int Audit();
  int SchemaDoc();
};

namespace {

void PrintReportResult(const ReportResult& r) {
  std::cout << "report: " << r.path << " (" << r.kind << ", " << r.plots << " plots)\n";
  for (const auto& n : r.notes) std::cout << "  skipped " << n << "\n";
  if (r.audited && !r.audit_problems.empty()) {
    std::cerr << "report: the folder fails its audit" << (r.kind == "run" ? " (the report says so)" : "") << ":\n";
    for (const auto& p : r.audit_problems) std::cerr << "  FAIL  " << p << "\n";
  }
  for (const auto& n : r.audit_notes) std::cerr << "report: note: " << n << "\n";
  if (!r.audited) {
    std::cerr << "report: the folder could not be audited, so the report shows its files "
                 "unchecked: "
              << r.audit_error << "\n";
  }
}

}  // namespace

WorkflowCommands::WorkflowCommands(CLI::App& app) : s_(std::make_unique<State>()) {
  State& s = *s_;
  s.sweep = app.add_subcommand(
      "sweep", "run every point × repetition of a scenario's sweep block; writes sweep.csv");
  s.sweep->add_option("scenario", s.scenario, "scenario file with a \"sweep\" block")->required();
  s.sweep->add_option("--out", s.sweep_options.out_dir,
                      "sweep folder (default results/sweeps/<scenario>/<sweep-id>)")
      ->check(NotEmptyPath());
  s.sweep_options.jobs = 0;  // SweepJobs: as many as the cores hold
  s.sweep->add_option("--jobs,-j", s.sweep_options.jobs,
                      "runs at a time (default: CPUs / the most threads a participant's "
                      "profile asks for)")
      ->check(CLI::Range(1, 1024));
  s.sweep->add_option("--shard", s.shard,
                      "run only shard i of n (0 <= i < n): the runs whose index is i mod n");
  s.sweep->add_option("--mode", s.mode,
                      "process or in-process (default: the scenario's execution.mode, else "
                      "in-process)")
      ->check(CLI::IsMember({"process", "in-process"}));
  s.sweep->add_flag("--in-process", s.in_process, "same as --mode in-process");
  s.sweep->add_option("--repetitions", s.sweep_options.repetitions,
                      "repetitions per point (replaces the scenario's)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  s.sweep->add_flag("--report", s.sweep_report, "write report.html into the sweep folder");
  s.sweep->add_flag("--resume", s.sweep_options.resume,
                    "carry on the interrupted sweep in --out: keep the runs it finished, run "
                    "the rest (refused when the build or a file the job reads changed since)");
  s.sweep->add_option("--plugin", s.plugins, "shared library with plug-in jobs (repeatable)");
  s.sweep_bin_dir = s.sweep->add_option("--bin-dir", s.sweep_options.bin_dir,
                      "execute the role executables from DIR; the runs then run as "
                      "processes (default: fork the roles from this process's role launcher)");

  s.merge = app.add_subcommand("merge", "combine the folders of a sharded sweep into one");
  s.merge->add_option("shards", s.shard_dirs, "shard folders written by sweep --shard")
      ->required();
  s.merge->add_option("--out", s.merge_out, "merged sweep folder")
      ->required()
      ->check(NotEmptyPath());
  s.merge->add_flag("--allow-missing", s.allow_missing, "merge even if some runs are missing");
  s.merge->add_flag("--report", s.merge_report, "write report.html into the merged folder");

  s.report = app.add_subcommand("report", "write report.html for a run or sweep folder");
  s.report->add_option("dir", s.report_dir, "a run folder or a sweep folder")->required();
  s.report->add_option("--out", s.report_options.out_file, "file to write (default DIR/report.html)")
      ->check(NotEmptyPath());
  s.report->add_option("--gnuplot", s.report_options.gnuplot, "gnuplot program (default gnuplot)");

  s.audit = app.add_subcommand(
      "audit", "re-verify a run folder: signed hash chains, ledger replay, summary rebuilt");
  s.audit->add_option("dir", s.audit_dir, "a run folder")->required();
  s.audit->add_option_function<std::string>(
      "--arbiter-key", [&s](const std::string& hex) { s.audit_key = hex; },
      "the arbiter's public key (64 hex) as you know it; default: manifest.json's");

  s.schema_doc = app.add_subcommand(
      "schema-doc", "print the scenario reference generated from the schema, or update a file");
  s.schema_doc->add_option("--write", s.schema_doc_file,
                           "update the generated block of this file (docs/scenarios.md)");
}

WorkflowCommands::~WorkflowCommands() = default;

std::optional<int> WorkflowCommands::Dispatch() {
  State& s = *s_;
  if (*s.sweep) return s.Sweep();
  if (*s.merge) return s.Merge();
  if (*s.report) return s.Report(s.report_dir, s.report_options.out_file);
  if (*s.audit) return s.Audit();
  if (*s.schema_doc) return s.SchemaDoc();
  return std::nullopt;
}

int WorkflowCommands::State::Sweep() {
  // A usage error, before the sweep folder exists: not one failed run per
  // point.
  if (sweep_bin_dir->count() > 0) {
    if (Status bin = CheckRoleExecutableDir(sweep_options.bin_dir); !bin.ok()) {
      std::cerr << "sweep: " << bin.message() << "\n";
      return kRunBadInput;
    }
  }
  auto sc = LoadScenario(scenario, plugins);
  if (!sc.ok()) {
    std::cerr << sc.status().message() << "\n";
    return kRunBadInput;
  }
  auto env = ResolveJobEnvironment(sc->plugins, sc->source_dir);
  Status jobs = env.ok() ? ApplyJobEnvironment(*env) : env.status();
  if (jobs.ok()) jobs = RequireKnownJob(sc->job.value("name", std::string()));
  if (jobs.ok()) jobs = RunCurveKeys(*sc, RunParticipantNames(*sc)).status();
  if (!jobs.ok()) {
    std::cerr << scenario << ": " << jobs.message() << "\n";
    return kRunBadInput;
  }
  // After the job environment: the points' jobs are built.
  if (CheckSweepOf(*sc, scenario, std::cerr) > 0) return kRunBadInput;
  PrintSweepFileWarnings(*sc, scenario, std::cerr);
  if (!shard.empty()) {
    auto parsed = ParseShard(shard);
    if (!parsed.ok()) {
      std::cerr << parsed.status().message() << "\n";
      return kRunBadInput;
    }
    sweep_options.shard = *parsed;
  }
  if (in_process) mode = "in-process";
  if (!mode.empty()) sweep_options.mode = *ParseExecutionMode(mode);
  ProgressLine progress;
  sweep_options.progress = &progress;
  auto spec = SweepSpecOf(*sc);
  const int64_t reps = sweep_options.repetitions > 0 ? sweep_options.repetitions
                                                     : (spec.ok() ? spec->repetitions : 1);
  spdlog::info("sweep {}: {} points × {} repetitions{}", sc->name,
               spec.ok() ? spec->points() : 0, reps,
               sweep_options.shard.count > 1 ? ", shard " + shard : std::string());
  SweepOutcome out = RunSweep(*sc, sweep_options);
  if (out.resumed > 0) {
    spdlog::info("sweep: {} runs kept from the interrupted sweep, {} run now", out.resumed,
                 out.runs - out.resumed);
  }
  if (out.exit_code == kRunBadInput) {
    // Refused before running anything (a --resume of another sweep, …):
    // no counts, which would read as a sweep that ran and settled nothing.
    progress.Finish("sweep: not run");
    std::cerr << out.error << "\n";
    return out.exit_code;
  }
  char line[160];
  std::snprintf(line, sizeof(line), "sweep: %lld runs, %lld settled, %lld with unmet expectations, %.1f s",
                static_cast<long long>(out.runs), static_cast<long long>(out.completed),
                static_cast<long long>(out.unmet), out.wall_seconds);
  progress.Finish(line);
  if (!out.out_dir.empty()) std::cout << "results: " << out.out_dir << "\n";
  if (sweep_report && !out.out_dir.empty()) {
    auto r = WriteReport(out.out_dir);
    if (r.ok()) PrintReportResult(*r);
    else std::cerr << "report: " << r.status().message() << "\n";
  }
  if (out.exit_code != kRunOk) std::cerr << "sweep: " << out.error << "\n";
  return out.exit_code;
}

int WorkflowCommands::State::Merge() {
  auto r = MergeSweeps(merge_out, shard_dirs, allow_missing);
  if (!r.ok()) {
    std::cerr << "merge: " << r.status().message() << "\n";
    return kRunBadInput;
  }
  std::cout << "merged " << r->runs << " of " << r->expected << " runs into " << merge_out << "\n";
  if (!r->missing.empty()) std::cout << "  " << r->missing.size() << " runs missing\n";
  int code = merge_report ? Report(merge_out, "") : kRunOk;
  // The merged folder is the one a single machine's sweep would have
  // written, and fails as that sweep would have.
  if (r->completed < r->runs) {
    std::cerr << "merge: " << r->runs - r->completed << " of " << r->runs
              << " runs did not settle (see the status and error columns of sweep.csv)\n";
    code = kRunFailed;
  } else if (r->unmet > 0) {
    std::cerr << "merge: " << r->unmet << " runs did not meet their expectations\n";
    code = kRunFailed;
  }
  return code;
}

int WorkflowCommands::State::Report(const std::string& dir, const std::string& out_file) {
  ReportOptions o = report_options;
  o.out_file = out_file;
  if (Status out = CheckReportOut(dir, out_file); !out.ok()) {
    std::cerr << "report: " << out.message() << "\n";
    return kRunBadInput;
  }
  // A gnuplot named on the command line must run: without it the report
  // has no plots, which the user asked for by naming one. (The default,
  // when gnuplot is not installed, gives a report of tables that says so.)
  if (report != nullptr && report->count("--gnuplot") > 0) {
    if (Status g = GnuplotCheck(o.gnuplot); !g.ok()) {
      std::cerr << "report: --gnuplot " << o.gnuplot << ": " << g.message() << "\n";
      return kRunBadInput;
    }
  }
  auto r = WriteReport(dir, o);
  if (!r.ok()) {
    std::cerr << "report: " << r.status().message() << "\n";
    return r.status().code() == Status::Code::kNotFound ? kRunBadInput : kRunFailed;
  }
  PrintReportResult(*r);
  // A folder the audit could not read (its event log gone) is as
  // untrustworthy as one that fails it: what it reports was not checked.
  return !r->audited || !r->audit_problems.empty() ? kRunFailed : kRunOk;
}

int WorkflowCommands::State::Audit() {
  AuditOptions options;
  auto key = ArbiterKeyFlag(audit_key);
  if (!key.ok()) {
    std::cerr << "audit: " << key.status().message() << "\n";
    return kRunBadInput;
  }
  options.arbiter_key = *key;
  std::error_code ec;
  const bool sweep = std::filesystem::exists(std::filesystem::path(audit_dir) / "sweep.json", ec);
  auto audit = sweep ? AuditSweepFolder(audit_dir, options) : AuditRunFolder(audit_dir, options);
  if (!audit.ok()) {
    std::cerr << "audit: " << audit.status().message() << "\n";
    return kRunBadInput;
  }
  std::cout << "audit: " << audit_dir << "\n" << AuditText(*audit);
  return audit->ok() ? kRunOk : kRunFailed;
}

int WorkflowCommands::State::SchemaDoc() {
  auto generated = SchemaReferenceMarkdown(ScenarioSchemaText());
  if (!generated.ok()) {
    std::cerr << generated.status().message() << "\n";
    return kRunFailed;
  }
  if (schema_doc_file.empty()) {
    std::cout << *generated;
    return kRunOk;
  }
  std::ifstream in(schema_doc_file);
  if (!in) {
    std::cerr << schema_doc_file << ": cannot be opened\n";
    return kRunBadInput;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto updated = ReplaceGeneratedBlock(ss.str(), *generated);
  if (!updated.ok()) {
    std::cerr << schema_doc_file << ": " << updated.status().message() << "\n";
    return kRunBadInput;
  }
  Status w = WriteFileAtomically(schema_doc_file, {*updated});
  if (!w.ok()) {
    std::cerr << w.ToString() << "\n";
    return kRunFailed;
  }
  std::cout << "updated " << schema_doc_file << "\n";
  return kRunOk;
}

int CheckSweepOf(const Scenario& scenario, const std::string& source, std::ostream& err) {
  auto errors = CheckSweep(scenario);
  // Only once every point is a valid scenario: then against its job.
  std::vector<std::string> warnings;
  if (errors.empty()) errors = CheckSweepJobs(scenario, &warnings);
  for (const auto& e : errors) err << source << ": " << e.path << ": " << e.message << "\n";
  for (const auto& w : warnings) err << source << ": warning: " << w << "\n";
  return static_cast<int>(errors.size());
}

std::string SweepSizeText(const Scenario& scenario) {
  if (!scenario.resolved.contains("sweep")) return "";
  auto spec = SweepSpecOf(scenario);
  if (!spec.ok()) return "";
  return ", sweep: " + std::to_string(spec->points()) + " points × " +
         std::to_string(spec->repetitions) + " repetitions = " + std::to_string(spec->runs()) +
         " runs";
}

}  // namespace veritrain
