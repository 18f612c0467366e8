#include "scenarios/runner/run.h"

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <zmq.hpp>

#include "core/crypto/identity.h"
#include "core/protocol/events.h"
#include "core/state/atomic_file.h"
#include "core/train/allocator_tuning.h"
#include "core/train/hardware_profile.h"
#include "core/train/job_config.h"
#include "core/train/job_environment.h"
#include "core/transport/arbiter_link.h"
#include "core/transport/curve.h"
#include "core/transport/messenger.h"
#include "core/role/role_config.h"
#include "core/role/role_report.h"
#include "core/transport/zmq_frames.h"
#include "core/util/build_info.h"
#include "core/util/resident_memory.h"
#include "core/util/strategy_file.h"
#include "core/wire/messages/all.h"
#include "scenarios/calibrate/calibrate.h"
#include "scenarios/calibrate/calibration_warnings.h"
#include "scenarios/spec/expect.h"
#include "scenarios/check/interval_error_check.h"
#include "scenarios/check/job_check.h"
#include "scenarios/check/job_graph.h"
#include "scenarios/check/scenario_warnings.h"
#include "scenarios/cli/progress.h"
#include "scenarios/runner/curve_keys.h"
#include "scenarios/runner/diverged_warnings.h"
#include "scenarios/runner/folder_audit.h"
#include "scenarios/runner/input_files.h"
#include "scenarios/runner/role_executables.h"
#include "scenarios/runner/in_process_profile.h"
#include "scenarios/runner/ledger_audit.h"
#include "scenarios/runner/market_book.h"
#include "scenarios/runner/market_clock.h"
#include "scenarios/runner/market_replay.h"
#include "scenarios/runner/money.h"
#include "scenarios/runner/process_host.h"
#include "scenarios/runner/results_folder.h"
#include "scenarios/runner/submitter.h"
#include "scenarios/runner/summary.h"
#include "scenarios/runner/thread_host.h"
#include "scenarios/runner/unfired_faults.h"
#include "scenarios/runner/work_dir.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSubmitter = Submitter::kName;
constexpr const char* kArbiter = "arbiter";

// 128 random bits, hex.
std::string NewRunId() {
  std::random_device random;
  uint32_t words[4];
  for (uint32_t& w : words) w = random();
  return ToHex(words, sizeof(words));
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string SelfDir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  return fs::path(buf).parent_path().string();
}

// The last line of a role's log that spdlog wrote at level error (the role
// mains log their fatal error so), without its time and role prefix; ""
// when there is none.
std::string LastErrorLine(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line, last;
  while (std::getline(in, line)) {
    const size_t at = line.find("] error ");
    if (at != std::string::npos) last = line.substr(at + 8);
  }
  if (last.size() > 400) last = last.substr(0, 400) + "…";
  return last;
}

// What the solver does before its first checkpoint, for the progress line.
std::string JobSetupText(const nlohmann::json& job) {
  const std::string name = job.value("name", std::string());
  if (name == "mlp" || name == "cnn") return "the solver is loading Fashion-MNIST (job " + name + ")";
  if (name == "torchscript") {
    const std::string model = job.value("params", nlohmann::json::object()).value("model", std::string());
    return "the solver is loading " + fs::path(model).filename().string() + " and its data";
  }
  return "the solver is building job " + name;
}

// " — the filesystem of the results folder is full (N bytes free)" when
// `dir`'s filesystem has less than 1 MiB left, else "": a role's log there
// is then empty or cut short, and every file written there may fail.
std::string FullDiskNote(const std::string& dir) {
  struct statvfs st;
  if (dir.empty() || ::statvfs(dir.c_str(), &st) != 0) return "";
  const unsigned long long free_bytes =
      static_cast<unsigned long long>(st.f_bavail) * static_cast<unsigned long long>(st.f_frsize);
  if (free_bytes >= (1ull << 20)) return "";
  return " — the filesystem of the results folder is full (" + std::to_string(free_bytes) +
         " bytes free): its logs may be empty or cut short";
}

// Finds a free TCP port on `host` for a role to bind.
Result<std::string> TcpEndpoint(zmq::context_t& ctx, const std::string& host) {
  zmq::socket_t probe(ctx, zmq::socket_type::router);
  VT_ASSIGN_OR_RETURN(std::string ep, BindSocket(probe, "tcp://" + host + ":*"));
  probe.close();
  return ep;
}

class Run {
 public:
  Run(const Scenario& s, const RunOptions& o) : sc_(s), opt_(o) {}

  RunOutcome Execute();

 private:
  // Prepare: the folders and job environment, the keys (and the
  // submitter), every role's config file, then manifest.json.
  Status Prepare();
  Status PrepareDirs();
  Status MakeKeys();
  Status WriteRoleConfigs();
  Status WriteManifest();
  Status StartRoles();
  Status WaitSubscribed();
  Status PostTask(int64_t index);
  // Waits for the posted task to settle. A refused post ends the wait at
  // once (submitter_->refused(); FailedPrecondition with the reason).
  Status WaitSettled();
  Status Shutdown();
  Status WriteResults();
  // Handles child exits: any exit before shutdown is a failure.
  Status CheckChildren();
  // Polls the runner's sockets and the supervisor's fd up to `ms`.
  void PollOnce(int64_t ms);
  Status CheckDeadline() const;
  // Chooses the execution mode (in-process falls back to process mode when
  // the profiles need separate processes) and creates the role host.
  void ChooseHost();
  Status AdmitSockets(size_t participants);
  // Updates the progress line, if any: training steps (from the solver's
  // checkpoint files), then verification.
  void ReportProgress();
  // A crash for `name`'s role config: the scenario's, with the marker file
  // the role writes just before it kills itself (crash_point.h).
  nlohmann::json CrashJson(const CrashSpec& crash, const std::string& name) const {
    nlohmann::json j = crash.ToJson();
    j["marker"] = CrashMarker(name);
    return j;
  }
  std::string CrashMarker(const std::string& name) const { return work_ + "/" + name + ".crashed"; }
  void SetStage(const std::string& stage) {
    stage_ = stage;
    stage_start_ = std::chrono::steady_clock::now();
    stage_changed_ = true;
    training_seen_ = false;
  }

  const Scenario& sc_;
  RunOptions opt_;
  RunOutcome out_;
  std::string work_;
  std::string bin_dir_;
  // How role processes start (manifest execution.role_start); null in
  // process-less runs.
  nlohmann::json role_start_;
  std::map<std::string, RoleConfig> configs_;
  JobEnvironment jobs_;                            // plug-ins and job files
  int64_t rss_after_setup_ = -1;                    // ResidentBytes() once prepared
  std::map<std::string, std::string> roster_;      // participant → Ed25519 public key (hex)
  std::map<std::string, std::string> curve_public_;  // participant → CURVE public key
  nlohmann::json network_;  // the faults and retry policy every role config carries
  std::string requests_ep_, events_ep_;
  // Shared with the role threads in in-process mode (see thread_host.h).
  std::shared_ptr<zmq::context_t> ctx_ = std::make_shared<zmq::context_t>(1);
  std::optional<Submitter> submitter_;  // made by Prepare, connected by StartRoles
  ExecutionMode requested_mode_ = ExecutionMode::kProcess;
  ResultsFolder results_folder_;    // locked while the run lives
  WorkDir work_dir_;                // the private temp dir (work_)
  std::unique_ptr<RoleHost> host_;  // destroyed first: joins role threads
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  // What the progress line shows: "starting the roles", "posting the
  // task", "training" (setting up until checkpoint 0, then steps),
  // "verifying".
  std::string stage_ = "starting the roles";
  std::chrono::steady_clock::time_point stage_start_ = start_;
  bool stage_changed_ = true;
  bool training_seen_ = false;  // checkpoint 0 of the task exists
  std::chrono::steady_clock::time_point training_start_ = start_;
  int64_t training_done_before_ = 0;  // steps done when training was first seen
  int64_t task_index_ = 0;  // of the task being run, 0-based
  bool shutting_down_ = false;
  std::map<std::string, nlohmann::json> crashes_;  // the scenario's crashes seen, by participant
  int64_t restarts_ = 0;  // roles restarted after their crash
  // Fresh for every run; in every role config and the manifest.
  const std::string run_id_ = NewRunId();
  std::vector<std::string> failures_;
  // Set when a scenario expectation was not met: the run fails, but its
  // results stand (RunOutcome::failed_expectations_only).
  bool expectations_unmet_ = false;
  // Why the run ended before its last task, and how many it planned
  // (summary.json "stopped_early"); null when it did not.
  nlohmann::json stopped_early_;
  nlohmann::json manifest_;
  std::optional<Calibration> calibration_;  // when the scenario asks for one
  // Said in summary.json's "warnings" (besides crashes that never came).
  std::vector<std::string> run_warnings_;
  // Every participant's CURVE key pair when network.curve is on; else empty.
  std::map<std::string, CurveKeyPair> curve_keys_;
  // A market (docs/market.md): the book that plans each task and follows
  // the participants, the event log read as it grows, the plan of the task
  // being run, and the strategy last written to each adaptive participant's
  // file.
  std::optional<MarketBook> market_;
  std::optional<EventTail> market_tail_;
  std::vector<Event> market_events_;  // read and not yet given to the book
  MarketPlan plan_;
  std::map<std::string, std::string> strategies_written_;
  // Market: before task i, the plan and the strategy files; after it, what
  // happened, to the book.
  Status PlanMarketTask(int64_t index);
  Status WriteStrategies();
  Result<MarketTaskRecord> ReadMarketRecord();
  Status ObserveMarketTask();
  // With an arrival rate: the whole stream on the market clock, each task
  // run to settlement when it starts there (market_clock.h).
  Status RunMarketClock();
  std::string StrategyFile(const std::string& name) const {
    return work_ + "/strategies/" + name + ".json";
  }
};

Status Run::Prepare() {
  VT_RETURN_IF_ERROR(PrepareDirs());
  VT_RETURN_IF_ERROR(MakeKeys());
  VT_RETURN_IF_ERROR(WriteRoleConfigs());
  VT_RETURN_IF_ERROR(WriteManifest());
  // The checks stepped the job and the calibration re-executed it: their
  // freed states stayed in this process (allocator_tuning.h), 330 MiB of a
  // 114 MB state's job held idle through the whole run. Given back before
  // the roles start; what is left is what the run holds.
  ReleaseFreedMemory();
  rss_after_setup_ = ResidentBytes();
  return Status::Ok();
}

Status Run::PrepareDirs() {
  // Plug-in jobs and job files (core/train/job_environment.h): applied here
  // too, so that a job the roles could not build fails before anything
  // starts, and so that in-process roles see them.
  VT_ASSIGN_OR_RETURN(jobs_, ResolveJobEnvironment(sc_.plugins, sc_.source_dir));
  VT_RETURN_IF_ERROR(ApplyJobEnvironment(jobs_));
  VT_RETURN_IF_ERROR(RequireKnownJob(sc_.job.at("name").get<std::string>()));

  // The results folder is open, locked and emptied (Execute); an earlier
  // run's events or role reports are gone, which matters: the arbiter's
  // event log appends, and the results are derived from the whole log.
  std::error_code ec;
  fs::create_directories(out_.out_dir + "/logs", ec);
  if (ec) return Status::IOError("cannot create " + out_.out_dir + "/logs: " + ec.message());

  // The private temp dir; first, those of runs that were killed before they
  // could remove theirs (work_dir.h).
  const int stale = RemoveStaleWorkDirs(TempRoot());
  if (stale > 0 && !opt_.quiet) {
    spdlog::info("removed {} private temp dir(s) left by killed runs", stale);
  }
  VT_ASSIGN_OR_RETURN(work_dir_, WorkDir::Create(TempRoot()));
  work_ = work_dir_.path();
  bin_dir_ = opt_.bin_dir.empty() ? SelfDir() : opt_.bin_dir;
  return Status::Ok();
}

Status Run::MakeKeys() {
  // Keys: one Ed25519 identity per participant, generated for this run.
  std::error_code ec;
  fs::create_directories(work_ + "/keys", ec);
  const std::vector<std::string> names = RunParticipantNames(sc_);
  std::map<std::string, Identity> ids;
  for (const auto& n : names) {
    Identity id = Identity::Generate();
    VT_RETURN_IF_ERROR(SaveIdentityFile(work_ + "/keys/" + n + ".key", id));
    roster_[n] = id.public_key().Hex();
    ids.emplace(n, id);
  }
  KeyDirectory keys;
  for (const auto& [n, hex] : roster_) keys.Add(n, *PublicKey::FromHex(hex));
  // Network faults: every participant draws from its own stream of the
  // run's fault seed (core/transport/fault_plan.h), the submitter too.
  nlohmann::json faults = sc_.network.faults;
  faults["seed"] = DeriveSeed64(sc_.seed, "faults");
  VT_ASSIGN_OR_RETURN(FaultPlan fault_plan, FaultPlan::FromJson(faults));
  VT_ASSIGN_OR_RETURN(RetryPolicy retry, RetryPolicy::FromJson(sc_.network.retry));
  submitter_.emplace(ids.at(kSubmitter), keys, fault_plan, retry);
  network_ = {{"faults", fault_plan.ToJson()}, {"retry", retry.ToJson()}};
  // CURVE key pairs (already made or loaded by Execute), one file each in
  // the private key folder, for the roles to read.
  for (const auto& [n, pair] : curve_keys_) {
    VT_RETURN_IF_ERROR(SaveCurveKeyFile(work_ + "/keys/" + n + ".curve", pair));
    curve_public_[n] = pair.public_key;
  }
  return Status::Ok();
}

Status Run::WriteRoleConfigs() {
  const std::map<std::string, std::string>& curve_public = curve_public_;

  // Endpoints: inproc in in-process mode; otherwise ipc sockets in the
  // private dir, or tcp ports on the host.
  auto endpoint = [&](const std::string& name) -> Result<std::string> {
    if (out_.mode == ExecutionMode::kInProcess) return "inproc://" + name;
    if (sc_.network.transport == "tcp") return TcpEndpoint(*ctx_, sc_.network.host);
    // A Unix socket's path has room for 107 bytes; ZeroMQ said only "File
    // name too long", late, naming neither the path nor what to change.
    const std::string path = work_ + "/" + name + ".sock";
    if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
      return Status::InvalidArgument(
          "the socket " + path + " is " + std::to_string(path.size()) + " bytes, more than the " +
          std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
          " a Unix socket's path can be: the run's work directory is made in TMPDIR; set TMPDIR "
          "to a shorter folder, or shorten the participant names");
    }
    return "ipc://" + path;
  };
  VT_ASSIGN_OR_RETURN(requests_ep_, endpoint("arbiter-requests"));
  VT_ASSIGN_OR_RETURN(events_ep_, endpoint("arbiter-events"));

  RoleConfig base;
  base.roster = roster_;
  base.arbiter_requests = requests_ep_;
  base.arbiter_events = events_ep_;
  base.work_dir = work_;
  base.out_dir = out_.out_dir;
  base.seed = sc_.seed;
  base.plugins = jobs_.plugins;
  base.job_dir = jobs_.job_dir;
  base.network = network_;
  base.curve_public_keys = curve_public;
  if (!curve_public.empty()) base.curve_arbiter = kArbiter;
  base.run_id = run_id_;

  RoleConfig arbiter = base;
  arbiter.name = kArbiter;
  arbiter.role = "arbiter";
  arbiter.identity_file = work_ + "/keys/arbiter.key";
  if (!curve_public.empty()) arbiter.curve_key_file = work_ + "/keys/arbiter.curve";
  // The arbiter evaluates a disputed node under the solver's hardware
  // profile: exact mode compares bits, which needs equal profiles.
  arbiter.profile = sc_.solvers().at(0)->profile.ToJson();
  arbiter.settings = {{"submitter", kSubmitter},
                      {"submitter_funds", sc_.economics.submitter_funds},
                      {"participant_funds", sc_.economics.participant_funds},
                      {"jackpot_initial", sc_.economics.jackpot_initial},
                      // Roles join on the first heartbeat they see; threads of
                      // one process can afford a quicker beat (it decides no
                      // outcome, only how soon a run starts). Not much
                      // quicker: every role verifies every beat, which in a
                      // market of 50 roles is most of the run's work at 25 ms.
                      {"heartbeat_ms", out_.mode == ExecutionMode::kInProcess ? 100 : 200},
                      // The event log is written ahead (fdatasync) so that a
                      // restarted arbiter can replay it; threads of one
                      // process cannot crash alone, so in-process runs skip it.
                      {"durable_log", out_.mode != ExecutionMode::kInProcess}};
  const auto faults = FaultPlan::FromJson(base.network.at("faults"));
  if (out_.mode == ExecutionMode::kInProcess && faults.ok() && !faults->any()) {
    // A settled task's outcome is repeated for lossy networks; inproc://
    // without injected faults loses nothing, and every repeat costs each
    // role a signature check: a few repeats, not 30 s of them.
    arbiter.settings["settled_republish_ms"] = 2000;
  }
  if (sc_.market) {
    // Each market participant starts with its entry's funds.
    arbiter.settings["funds"] = MarketGenesisFunds(sc_);
    std::error_code ec;
    fs::create_directories(work_ + "/strategies", ec);
    if (ec) return Status::IOError("cannot create " + work_ + "/strategies: " + ec.message());
  }
  if (const CrashSpec* crash = sc_.CrashOf(kArbiter)) arbiter.crash = CrashJson(*crash, kArbiter);
  configs_[kArbiter] = arbiter;
  for (const auto& p : sc_.participants) {
    RoleConfig c = base;
    c.name = p.name;
    c.role = p.role;
    c.behaviour = p.behaviour;
    c.behaviour_params = p.params;
    if (sc_.market) {
      // An adaptive participant plays the strategy its file names.
      nlohmann::json switching = MarketSwitchingParams(sc_, p.name, StrategyFile(p.name));
      if (!switching.is_null()) {
        c.behaviour = "switching";
        c.behaviour_params = std::move(switching);
      }
    }
    c.profile = p.profile.ToJson();
    c.identity_file = work_ + "/keys/" + p.name + ".key";
    if (!curve_public.empty()) c.curve_key_file = work_ + "/keys/" + p.name + ".curve";
    if (p.role == "solver") {
      VT_ASSIGN_OR_RETURN(c.serve_endpoint, endpoint(p.name + "-serve"));
      // A thread of this process cannot crash alone and is never restarted:
      // no restart reads its checkpoints, so they are not fsync'ed.
      if (out_.mode == ExecutionMode::kInProcess) c.settings["durable_files"] = false;
    }
    if (const CrashSpec* crash = sc_.CrashOf(p.name)) c.crash = CrashJson(*crash, p.name);
    if (auto disk = sc_.disk_free_bytes.find(p.name); disk != sc_.disk_free_bytes.end()) {
      c.disk_free_bytes = disk->second;
    }
    configs_[p.name] = c;
  }
  for (const auto& [n, c] : configs_) VT_RETURN_IF_ERROR(c.Save(work_ + "/" + n + ".json"));
  return Status::Ok();
}

Status Run::WriteManifest() {

  nlohmann::json profiles = nlohmann::json::object();
  for (const auto& p : sc_.participants) profiles[p.name] = p.profile.ToJson();
  manifest_ = {{"scenario", sc_.resolved},
               {"seed", sc_.seed},
               {"run_id", run_id_},
               {"build", BuildInfo()},
               {"runtime", DescribeRuntime()},
               {"hardware_profiles", profiles},
               {"transport", out_.mode == ExecutionMode::kInProcess ? std::string("inproc")
                                                                    : sc_.network.transport},
               {"execution", {{"mode", ExecutionModeName(out_.mode)},
                              {"requested", ExecutionModeName(requested_mode_)},
                              {"note", out_.mode_note},
                              {"role_start", role_start_}}},
               {"public_keys", roster_},
               {"network", network_},
               {"crashes", sc_.resolved.value("crashes", nlohmann::json::array())},
               {"curve", {{"enabled", sc_.network.curve.enabled}}},
               {"plugins", jobs_.plugins}};
  // The code and data the job ran: each plug-in, model and dataset file
  // with its SHA-256 (input_files.h), bound with the rest of the manifest
  // by the arbiter's genesis event.
  manifest_["inputs"] = nlohmann::json::array();
  for (const InputFile& f : ScenarioInputFiles(sc_)) manifest_["inputs"].push_back(InputFileJson(f));
  // The job's step graph as `veritrain nodes` lists it (job_graph.h; built
  // once per process and job, normally already by the checks).
  VT_ASSIGN_OR_RETURN(JobConfig job_config, ScenarioJobConfig(sc_));
  VT_ASSIGN_OR_RETURN(JobFacts job_facts, JobFactsFor(job_config));
  manifest_["graph"] = job_facts.graph;
  // One step as `check` timed it on this machine: what the clock warnings
  // in summary.json were judged on, so that the audit can recompute them.
  manifest_["measured_step_seconds"] = job_facts.step_seconds;
  if (sc_.network.curve.enabled) {
    const std::string dir = CurveKeysDir(sc_);
    manifest_["curve"]["keys"] = dir.empty() ? std::string("generated") : dir;
    manifest_["curve"]["public_keys"] = curve_public_;
  }
  if (sc_.protocol.mode == "tolerance" && !sc_.protocol.calibration.is_object()) {
    // A δ set by hand against the run's own tasks (check measured them
    // already, but a sweep's repetitions have other seeds): said where
    // it does not cover their honest error, refused where no δ could.
    VT_ASSIGN_OR_RETURN(IntervalErrorCheck own, HandSetDeltaCheck(sc_));
    if (!own.non_finite.empty()) {
      std::string lines;
      for (const std::string& line : own.non_finite) lines += "\n  " + line;
      return Status::FailedPrecondition(
          "the run's own tasks diverge differently under the verifiers' profiles than under "
          "the solver's:" + lines);
    }
    // Also the intervals check's budget left unmeasured: `check` warns of
    // them, and a result read from summary.json alone keeps that caveat.
    if (!own.errors.empty() || !own.warnings.empty()) {
      manifest_["own_tasks"] = {
          {"measured", own.measured}, {"uncovered", own.errors}, {"unmeasured", own.warnings}};
      for (const auto* lines : {&own.errors, &own.warnings}) {
        for (const std::string& line : *lines) {
          run_warnings_.push_back(line);
          if (!opt_.quiet) spdlog::warn("{}: {}", sc_.name, line);
        }
      }
    }
  }
  if (sc_.protocol.calibration.is_object()) {
    // The profiling stage: δ from honest reproductions, before the task.
    // With the run's own tasks checked under that δ: their seeds are not
    // the calibration's (calibrate.h).
    VT_ASSIGN_OR_RETURN(RunCalibration calibrated, CalibrateAndWrite(sc_, out_.out_dir));
    calibration_ = std::move(calibrated.calibration);
    manifest_["calibration"] = std::move(calibrated.record);
    // Its caveats (a predicted false-positive rate, a floor that sets δ),
    // from the record the manifest keeps, as the audit recomputes them:
    // said before the task, and in the summary.
    for (std::string& w : CalibrationWarnings(manifest_["calibration"])) {
      run_warnings_.push_back(std::move(w));
      if (!opt_.quiet) spdlog::warn("{}: {}", sc_.name, run_warnings_.back());
    }
  }
  return WriteFileAtomically(out_.out_dir + "/manifest.json", {manifest_.dump(2) + "\n"});
}

// In-process, every role's sockets are the one context's: ZeroMQ's default
// of 1023 sockets a context ran out at about 250 participants, and the run
// aborted on an exception from a role's heartbeat socket. The context is
// given room for them all (before its first socket), and the process's
// descriptor limit raised to its hard limit if it is short; when even that
// is too few, the run goes as processes.
Status Run::AdmitSockets(size_t participants) {
  const int64_t sockets = static_cast<int64_t>(participants) * 8 + 256;
  struct rlimit files {};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY &&
      static_cast<int64_t>(files.rlim_cur) < sockets + 256) {
    if (files.rlim_max != RLIM_INFINITY && static_cast<int64_t>(files.rlim_max) < sockets + 256) {
      return Status::FailedPrecondition(
          std::to_string(participants) + " participants' sockets need about " +
          std::to_string(sockets + 256) + " file descriptors in one process, and its hard "
          "limit (ulimit -Hn) is " + std::to_string(files.rlim_max));
    }
    files.rlim_cur = files.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &files) != 0) {
      return Status::FailedPrecondition("cannot raise the file descriptor limit for " +
                                       std::to_string(participants) + " participants' sockets");
    }
  }
  try {
    ctx_->set(zmq::ctxopt::max_sockets, static_cast<int>(sockets));
  } catch (const zmq::error_t& e) {
    return Status::FailedPrecondition(std::string("ZeroMQ refuses ") + std::to_string(sockets) +
                                     " sockets in one context: " + e.what());
  }
  return Status::Ok();
}

void Run::ChooseHost() {
  out_.mode = opt_.mode.value_or(ScenarioExecutionMode(sc_).value_or(ExecutionMode::kProcess));
  requested_mode_ = out_.mode;
  if (out_.mode == ExecutionMode::kInProcess && !opt_.bin_dir.empty()) {
    // The roles would be this process's threads, not the executables the
    // user named: a comparison of two builds would silently compare one.
    out_.mode = ExecutionMode::kProcess;
    out_.mode_note = "in-process mode not possible, ran as processes: --bin-dir names the role "
                     "executables to run (" + opt_.bin_dir + ")";
    spdlog::warn("{}: {}", sc_.name, out_.mode_note);
  }
  if (out_.mode == ExecutionMode::kInProcess) {
    // Before AdmitInProcess, which fixes process-wide settings for the
    // in-process runs after it.
    if (auto reason = ScenarioNeedsProcesses(sc_)) {
      out_.mode = ExecutionMode::kProcess;
      out_.mode_note = "in-process mode not possible, ran as processes: " + *reason;
      spdlog::warn("{}: {}", sc_.name, out_.mode_note);
    }
  }
  if (out_.mode == ExecutionMode::kInProcess) {
    std::vector<HardwareProfile> profiles;
    Status admitted = Status::Ok();
    for (const auto& p : sc_.participants) {
      auto profile = HardwareProfile::FromJson(p.profile.ToJson());
      if (!profile.ok()) {
        admitted = profile.status();
        break;
      }
      profiles.push_back(*profile);
    }
    if (admitted.ok()) admitted = AdmitInProcess(profiles);
    if (admitted.ok()) admitted = AdmitSockets(sc_.participants.size());
    if (!admitted.ok()) {
      out_.mode = ExecutionMode::kProcess;
      out_.mode_note = "in-process mode not possible, ran as processes: " + admitted.message();
      spdlog::warn("{}: {}", sc_.name, out_.mode_note);
    }
  }
  if (out_.mode == ExecutionMode::kInProcess) {
    host_ = std::make_unique<ThreadHost>(ctx_);
  } else {
    // Forked from the role launcher unless the user named the role
    // executables, or there is no launcher (role_launcher.h).
    RoleLauncher* launcher = opt_.bin_dir.empty() ? RoleLauncher::Get() : nullptr;
    if (launcher != nullptr) {
      role_start_ = {{"method", "launcher"}};
    } else {
      role_start_ = {{"method", "exec"},
                     {"why", opt_.bin_dir.empty() ? RoleLauncher::NotRunningReason()
                                                  : std::string("--bin-dir names the executables")}};
    }
    host_ = std::make_unique<ProcessHost>(opt_.bin_dir.empty() ? SelfDir() : opt_.bin_dir,
                                          launcher);
  }
}

Status Run::StartRoles() {
  auto start = [&](const std::string& name) -> Status {
    return host_->Start(configs_.at(name), work_ + "/" + name + ".json",
                        out_.out_dir + "/logs/" + name + ".log");
  };
  VT_RETURN_IF_ERROR(start(kArbiter));
  for (const auto& p : sc_.participants) {
    VT_RETURN_IF_ERROR(start(p.name));
  }
  if (curve_keys_.empty()) return submitter_->Connect(*ctx_, requests_ep_, events_ep_);
  return submitter_->Connect(*ctx_, requests_ep_, events_ep_, &curve_keys_.at(kSubmitter),
                             curve_keys_.at(kArbiter).public_key);
}

void Run::PollOnce(int64_t ms) {
  ArbiterLink& link = submitter_->link();
  std::vector<zmq::pollitem_t> items = {{link.sub().handle(), 0, ZMQ_POLLIN, 0},
                                        {link.dealer().handle(), 0, ZMQ_POLLIN, 0}};
  for (int fd : host_->wake_fds()) {
    if (fd >= 0) items.push_back({nullptr, fd, ZMQ_POLLIN, 0});
  }
  // With a progress line, wake often enough to redraw it.
  if (opt_.progress != nullptr) ms = std::min<int64_t>(ms, 200);
  auto polled = PollSockets(items.data(), items.size(),
                            link.PollTimeout(std::chrono::milliseconds(std::max<int64_t>(ms, 0))));
  if (!polled.ok()) spdlog::warn("{}", polled.status().ToString());
  Status ticked = link.Tick();
  if (!ticked.ok()) spdlog::warn("{}", ticked.ToString());
  ReportProgress();
}

void Run::ReportProgress() {
  if (opt_.progress == nullptr) return;
  // "task 2/3 · " when the run posts several tasks.
  const std::string task = sc_.tasks > 1 ? "task " + std::to_string(task_index_ + 1) + "/" +
                                               std::to_string(sc_.tasks) + " · "
                                         : std::string();
  std::string text;
  if (stage_ == "training") {
    const int64_t k = sc_.protocol.checkpoint_interval;
    const int64_t steps = sc_.job.value("steps", int64_t{0});
    int64_t checkpoints = 0;
    std::error_code ec;
    const std::string dir = work_ + "/" + sc_.solvers().at(0)->name + "/" + submitter_->task();
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".vtc") ++checkpoints;
    }
    if (checkpoints == 0) {
      // The solver is building its job (loading the data, hashing it) and
      // has not written checkpoint 0 yet.
      text = "setting up: " + JobSetupText(sc_.job) + " " + FormatDuration(Since(stage_start_));
    } else {
      const int64_t done = std::min(steps, std::max<int64_t>(0, checkpoints - 1) * k);
      if (!training_seen_) {
        // The rate and ETA count training only: the steps done since the
        // first checkpoints were seen, over the time since.
        training_seen_ = true;
        training_start_ = std::chrono::steady_clock::now();
        training_done_before_ = done;
        stage_changed_ = true;
      }
      text = CountLine("training", done, steps, "steps", Since(training_start_),
                       training_done_before_);
    }
  } else {
    text = stage_ + " " + FormatDuration(Since(stage_start_));
  }
  opt_.progress->Update(task + text, stage_changed_);
  stage_changed_ = false;
}

Status Run::CheckDeadline() const {
  if (host_->interrupted()) return Status::Unavailable("interrupted");
  if (Since(start_) > sc_.timeout_s) {
    char limit[32];
    std::snprintf(limit, sizeof(limit), "%g", sc_.timeout_s);
    return Status::Timeout("the run did not finish within timeout_s = " + std::string(limit) +
                           " s");
  }
  return Status::Ok();
}

Status Run::CheckChildren() {
  for (const auto& e : host_->Collect()) {
    if (shutting_down_ && e.clean) continue;
    const CrashSpec* crash = e.name.empty() ? nullptr : sc_.CrashOf(e.name);
    // The scenario's crash only when the role says so (its marker file): a
    // SIGKILL from outside the run is a failure, whatever the scenario asks.
    std::error_code ec;
    if (crash != nullptr && e.signal == SIGKILL && crashes_.find(e.name) == crashes_.end() &&
        fs::remove(CrashMarker(e.name), ec)) {
      // The crash the scenario asked for: not a failure of the run.
      crashes_[e.name] = {{"participant", e.name},
                          {"at", crash->at},
                          {"after", crash->after},
                          {"restarted", crash->restart},
                          {"run_seconds", Since(start_)}};
      if (!opt_.quiet) {
        spdlog::info("{} crashed at {} as the scenario says{}", e.name, crash->at,
                     crash->restart ? "; restarting it" : "");
      }
      if (crash->restart) {
        RoleConfig again = configs_.at(e.name);
        again.crash = nullptr;
        again.restarts = 1;
        const std::string path = work_ + "/" + e.name + ".json";
        VT_RETURN_IF_ERROR(again.Save(path));
        VT_RETURN_IF_ERROR(host_->Start(again, path, out_.out_dir + "/logs/" + e.name + ".log"));
        ++restarts_;
      }
      continue;
    }
    std::string msg = e.label + " " + e.description;
    if (e.signal == SIGKILL && crash != nullptr && crashes_.count(e.name) == 0) {
      msg += " from outside the run, before the scenario's crash point (" + crash->at + " " +
             std::to_string(crash->after) + ")";
    }
    // Why, from the role's own log (a start-up failure is only there).
    const std::string why =
        e.name.empty() ? std::string() : LastErrorLine(out_.out_dir + "/logs/" + e.name + ".log");
    if (!why.empty() && msg.find(why) == std::string::npos) msg += ": " + why;
    failures_.push_back(msg);
    return Status::Unavailable(msg + " (see " + out_.out_dir + "/logs/)" +
                               FullDiskNote(out_.out_dir));
  }
  return Status::Ok();
}

Status Run::PlanMarketTask(int64_t index) {
  plan_ = market_->Plan(index);
  if (!plan_.post) return Status::Ok();
  return WriteStrategies();
}

Status Run::WriteStrategies() {
  // The strategies decided after the last task, on file before the task
  // that they are for is posted.
  for (const auto& [name, strategy] : market_->AdaptiveStrategies()) {
    auto written = strategies_written_.find(name);
    if (written != strategies_written_.end() && written->second == strategy) continue;
    VT_RETURN_IF_ERROR(WriteFileAtomically(StrategyFile(name), {StrategyFileText(strategy)}));
    strategies_written_[name] = strategy;
  }
  return Status::Ok();
}

Result<MarketTaskRecord> Run::ReadMarketRecord() {
  // The arbiter wrote every event of the task before it published
  // task_settled (market_record.h).
  VT_ASSIGN_OR_RETURN(std::vector<Event> fresh, market_tail_->ReadNew());
  for (Event& e : fresh) market_events_.push_back(std::move(e));
  VT_ASSIGN_OR_RETURN(MarketTaskRecord record, MarketTaskFromEvents(market_events_, submitter_->task()));
  market_events_.clear();
  return record;
}

Status Run::ObserveMarketTask() {
  VT_ASSIGN_OR_RETURN(MarketTaskRecord record, ReadMarketRecord());
  return market_->Observe(plan_, &record);
}

Status Run::RunMarketClock() {
  MarketClock clock(*sc_.market, sc_.tasks, sc_.seed);
  Status refusal = Status::Ok();
  auto execute = [&](const MarketPlan& plan) -> Result<std::optional<MarketTaskRecord>> {
    plan_ = plan;
    VT_RETURN_IF_ERROR(WriteStrategies());
    VT_RETURN_IF_ERROR(PostTask(plan.index));
    Status settled = WaitSettled();
    if (submitter_->refused()) {
      // As for tasks in a row: the stream ends here, cleanly, and the run
      // fails with the refusal.
      refusal = settled;
      return std::optional<MarketTaskRecord>();
    }
    VT_RETURN_IF_ERROR(settled);
    VT_ASSIGN_OR_RETURN(MarketTaskRecord record, ReadMarketRecord());
    if (opt_.on_task_settled) opt_.on_task_settled(plan.index);
    return std::optional<MarketTaskRecord>(std::move(record));
  };
  VT_RETURN_IF_ERROR(clock.Run(&*market_, execute));
  if (!refusal.ok()) failures_.push_back(refusal.message());
  return Status::Ok();
}

Status Run::WaitSubscribed() {
  while (true) {
    VT_RETURN_IF_ERROR(CheckDeadline());
    VT_RETURN_IF_ERROR(CheckChildren());
    PollOnce(1000);
    if (submitter_->SawHeartbeat()) return Status::Ok();
  }
}

Status Run::PostTask(int64_t index) {
  task_index_ = index;
  SetStage("posting the task");
  TaskSpec spec = market_ ? MarketTaskSpec(sc_, plan_) : TaskSpecForScenario(sc_, index);
  if (calibration_) ApplyCalibration(*calibration_, &spec);
  return submitter_->Post(spec, index, sc_.tasks);
}

Status Run::WaitSettled() {
  const bool log_stages = !opt_.quiet && opt_.progress == nullptr;
  auto on_event = [&](const Message& m) {
    // Events are republished: each stage is entered once.
    const bool fresh = (m.type == TaskAssigned::kType && stage_ == "posting the task") ||
                       (m.type == ProofPosted::kType && stage_ == "training");
    if (fresh && m.type == TaskAssigned::kType) SetStage("training");
    if (fresh && m.type == ProofPosted::kType) SetStage("verifying");
    if (fresh && log_stages) {
      if (m.type == TaskAssigned::kType) spdlog::info("{}: assigned; training", m.task);
      if (m.type == ProofPosted::kType) spdlog::info("{}: trace root posted; verifying", m.task);
    }
  };
  while (!submitter_->settled()) {
    VT_RETURN_IF_ERROR(CheckDeadline());
    VT_RETURN_IF_ERROR(CheckChildren());
    PollOnce(1000);
    VT_RETURN_IF_ERROR(submitter_->Drain(on_event, !opt_.quiet, log_stages));
  }
  SetStage("settled");
  return Status::Ok();
}

Status Run::Shutdown() {
  shutting_down_ = true;
  auto rid = submitter_->RequestShutdown("run finished");
  if (!rid.ok()) return rid.status();
  // The request is resent until the arbiter acknowledges it (a lossy
  // network may drop it), for at most 10 s; unacknowledged, the roles are
  // still waited for and stopped below. Roles are watched meanwhile: an
  // arbiter whose crash point came after the last verdict dies here, and
  // is restarted (with 10 s more to replay its log and answer).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (submitter_->link().Pending(*rid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      spdlog::warn("shutdown: no reply from the arbiter");
      break;
    }
    VT_RETURN_IF_ERROR(CheckDeadline());
    const int64_t restarts = restarts_;
    VT_RETURN_IF_ERROR(CheckChildren());
    if (restarts_ != restarts) {
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    }
    PollOnce(200);
    VT_RETURN_IF_ERROR(submitter_->DrainQuietly());
  }
  // A role that has failed already fails the run now: the arbiter would
  // wait out its silence before it leaves (10 s of a failed run's time).
  VT_RETURN_IF_ERROR(CheckChildren());
  // Roles leave on the arbiter's shutdown event; anything still running
  // after the grace period is killed.
  for (const auto& e : host_->WaitAll(std::chrono::seconds(30))) {
    if (!e.clean) {
      failures_.push_back(e.label + " " + e.description + " at shutdown" +
                          FullDiskNote(out_.out_dir));
    }
  }
  return Status::Ok();
}

Status Run::WriteResults() {
  VT_ASSIGN_OR_RETURN(auto events, ReadEventLog(out_.out_dir + "/events.jsonl"));
  // Everything but what only the runner saw comes from the folder's files,
  // as `veritrain audit` rebuilds it (folder_audit.h).
  nlohmann::json observed = {{"crashes", nlohmann::json::array()},
                             {"warnings", nlohmann::json::array()},
                             {"timings", {{"wall_seconds", Since(start_)}}}};
  // Peak memory: this process's own (which, in in-process mode, also
  // holds every role thread), and each role process's as its report says.
  struct rusage self = {};
  ::getrusage(RUSAGE_SELF, &self);
  observed["timings"]["runner_peak_rss_bytes"] = int64_t{self.ru_maxrss} * 1024;
  if (rss_after_setup_ >= 0) observed["timings"]["runner_rss_after_setup_bytes"] = rss_after_setup_;
  if (out_.mode == ExecutionMode::kProcess) {
    VT_ASSIGN_OR_RETURN(observed["timings"]["peak_rss_bytes"],
                        ReadReportFieldByRole(out_.out_dir, "peak_rss_bytes"));
  }
  for (const auto& [name, c] : crashes_) observed["crashes"].push_back(c);
  if (!stopped_early_.is_null()) observed["stopped_early"] = stopped_early_;
  // A crash or a full disk the scenario asks for that never came tests
  // nothing: said in the summary (unfired_faults.h).
  // What check warned of before the run comes first: a result read from
  // summary.json alone (a sweep's plot) keeps the caveat it was run under.
  for (const std::string& w : ScenarioWarnings(sc_)) observed["warnings"].push_back(w);
  for (const auto& w : run_warnings_) observed["warnings"].push_back(w);
  std::set<std::string> crashed;
  for (const auto& [name, unused] : crashes_) crashed.insert(name);
  for (const std::string& warning : UnfiredFaultWarnings(sc_, crashed, events)) {
    observed["warnings"].push_back(warning);
    if (!opt_.quiet) spdlog::warn("{}", warning);
  }
  for (const std::string& warning : DivergedTrainingWarnings(events)) {
    observed["warnings"].push_back(warning);
  }
  VT_ASSIGN_OR_RETURN(out_.summary,
                      RunSummaryFromFolder(out_.out_dir, events, sc_.name, sc_.seed,
                                           sc_.network.curve.enabled, sc_.expect, observed));
  out_.expectations = out_.summary["expectations"];
  const bool all = out_.summary["expectations_met"].get<bool>();
  VT_RETURN_IF_ERROR(WriteFileAtomically(out_.out_dir + "/summary.json",
                                         {out_.summary.dump(2) + "\n"}));
  VT_RETURN_IF_ERROR(WriteFileAtomically(out_.out_dir + "/metrics.csv",
                                         {MetricsCsv(out_.summary)}));
  VT_RETURN_IF_ERROR(WriteFileAtomically(out_.out_dir + "/balances.csv",
                                         {BalancesCsv(events)}));
  if (market_) {
    // The tables from the log, as the audit rebuilds them; the book that
    // decided during the run must tell the same story.
    VT_ASSIGN_OR_RETURN(MarketResults market, ReplayMarket(sc_, events));
    VT_RETURN_IF_ERROR(WriteFileAtomically(out_.out_dir + "/market.csv",
                                           {market.participants_csv}));
    VT_RETURN_IF_ERROR(WriteFileAtomically(out_.out_dir + "/market_tasks.csv",
                                           {market.tasks_csv}));
    if (market.summary != market_->Summary()) {
      failures_.push_back("the market replayed from events.jsonl differs from the one that ran");
    }
    for (const auto& [name, m] : market.summary["participants"].items()) {
      const int64_t counted = out_.summary["profit"].value(name, int64_t{0});
      if (m["profit"].get<int64_t>() != counted) {
        failures_.push_back("market: the profit of " + name + " (" + m["profit"].dump() +
                            ") is not summary.json's (" + std::to_string(counted) + ")");
      }
    }
  }
  if (!out_.summary.value("arbiter_shut_down", false)) {
    // Conservation is checked by the arbiter as it shuts down.
    failures_.push_back("the arbiter did not shut down: the ledger's conservation was not checked");
  } else if (!out_.summary.value("conservation", false)) {
    failures_.push_back("the ledger's total supply was not conserved");
  }
  if (!out_.summary["ledger_audit"].value("ok", false)) {
    failures_.push_back("the ledger audit failed: " +
                        out_.summary["ledger_audit"].value("error", std::string()));
  }
  // A task the arbiter could not rule on settled safely (every stake
  // returned) but is no result: the run says so and fails.
  for (const auto& t : out_.summary["tasks"]) {
    if (t.value("outcome", std::string()) == "void") {
      failures_.push_back("the arbiter could not rule on " + t.value("task", std::string()) +
                          ": " + t.value("reason", std::string()));
    }
  }
  expectations_unmet_ = !all;
  // The folder as a reader will find it: the same audit `veritrain audit`
  // runs (signed chain heads, ledger, summary rebuilt from the log).
  VT_ASSIGN_OR_RETURN(FolderAudit audit, AuditRunFolder(out_.out_dir));
  if (!audit.ok()) {
    failures_.push_back("the results folder fails its audit: " + audit.problems.front());
  }
  // Every event as its type in core/protocol/events.h reads it: the
  // arbiter and the log's readers agree on every field.
  if (Status typed = CheckEventTypes(events); !typed.ok()) {
    failures_.push_back("events.jsonl: " + typed.message());
  }
  return Status::Ok();
}

RunOutcome Run::Execute() {
  auto fail = [&](const Status& s) {
    out_.error = s.ToString();
    if (s.code() == Status::Code::kIOError) out_.error += FullDiskNote(out_.out_dir);
    if (s.code() == Status::Code::kTimeout) out_.exit_code = kRunTimeout;
    else if (host_ != nullptr && host_->interrupted()) out_.exit_code = kRunInterrupted;
    else out_.exit_code = kRunFailed;
  };
  // CURVE keys before anything else: a missing or malformed key file is a
  // bad scenario, and nothing has been created or started yet.
  auto curve = RunCurveKeys(sc_, RunParticipantNames(sc_));
  if (!curve.ok()) {
    out_.exit_code = kRunBadInput;
    out_.error = curve.status().ToString();
    return out_;
  }
  curve_keys_ = std::move(*curve);
  // The role executables --bin-dir names, before the results folder is
  // created or emptied: a wrong directory is bad input, not a failed run.
  if (!opt_.bin_dir.empty()) {
    if (Status bin = CheckRoleExecutableDir(opt_.bin_dir); !bin.ok()) {
      out_.exit_code = kRunBadInput;
      out_.error = bin.ToString();
      return out_;
    }
  }
  // The results folder, before anything starts: one that cannot be
  // written, or that another run is writing, is bad input.
  auto folder = OpenResultsFolder(
      opt_.out_dir.empty() ? "results/runs/" + sc_.name + "/" + ResultsFolderId(sc_.seed)
                           : opt_.out_dir,
      ResultsKind::kRun);
  if (!folder.ok()) {
    out_.exit_code = kRunBadInput;
    out_.error = folder.status().ToString();
    return out_;
  }
  results_folder_ = std::move(*folder);
  out_.out_dir = results_folder_.path();
  ChooseHost();
  Status s = Prepare();
  if (s.ok()) s = StartRoles();
  if (s.ok()) s = WaitSubscribed();
  if (sc_.market) {
    market_.emplace(NewMarketBook(sc_));
    market_tail_.emplace(out_.out_dir + "/events.jsonl");
  }
  if (s.ok() && market_ && sc_.market->arrivals) s = RunMarketClock();
  for (int64_t i = 0; s.ok() && !(market_ && sc_.market->arrivals) && i < sc_.tasks; ++i) {
    if (market_) {
      s = PlanMarketTask(i);
      if (!s.ok()) break;
      if (!plan_.post) {
        // Nobody to solve or verify it: the market goes on without it.
        s = market_->Observe(plan_, nullptr);
        continue;
      }
    }
    s = PostTask(i);
    if (s.ok()) s = WaitSettled();
    if (s.ok() && market_ && !submitter_->refused()) s = ObserveMarketTask();
    if (s.ok() && opt_.on_task_settled) opt_.on_task_settled(i);
    if (submitter_ && submitter_->refused()) {
      // Nothing is wrong with the roles: the run ends now, cleanly, with
      // the results of the tasks that ran, and fails with the refusal;
      // its summary says so.
      failures_.push_back(s.message());
      stopped_early_ = {{"reason", s.message()}, {"tasks_planned", sc_.tasks}};
      s = Status::Ok();
      break;
    }
  }
  if (s.ok()) {
    s = Shutdown();
  }
  if (!s.ok()) {
    fail(s);
    if (out_.mode == ExecutionMode::kInProcess && submitter_ && submitter_->connected()) {
      // Threads cannot be killed: ask the arbiter to shut the run down, so
      // that every role ends on its shutdown event; Abort only if not.
      shutting_down_ = true;
      (void)submitter_->RequestShutdown("run failed: " + s.message());
      host_->WaitAll(std::chrono::seconds(5));
    } else {
      host_->Abort();
    }
  }
  if (s.ok()) {
    Status w = WriteResults();
    if (!w.ok()) fail(w);
    else if (!failures_.empty()) {
      out_.exit_code = kRunFailed;
      out_.error = failures_.front();
    } else if (expectations_unmet_) {
      out_.exit_code = kRunFailed;
      out_.error = "an expectation was not met";
      out_.failed_expectations_only = true;
    } else {
      out_.exit_code = kRunOk;
    }
  }
  host_.reset();  // every role has ended: threads joined, processes reaped
  if (opt_.keep_workdir) work_dir_.Keep();
  work_dir_ = WorkDir();  // removed unless kept
  return out_;
}

}  // namespace

std::vector<std::string> RunParticipantNames(const Scenario& sc) {
  std::vector<std::string> names = {kArbiter, kSubmitter};
  for (const auto& p : sc.participants) names.push_back(p.name);
  return names;
}

uint64_t DeriveSeed64(uint64_t seed, const std::string& purpose) {
  Digest d = Sha256Of("veritrain/seed/" + std::to_string(seed) + "/" + purpose);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d.bytes[i];
  return v >> 1;  // keep it within int64 for JSON consumers
}

std::optional<ExecutionMode> ScenarioExecutionMode(const Scenario& sc) {
  auto e = sc.resolved.find("execution");
  if (e == sc.resolved.end() || !e->is_object() || !e->contains("mode")) return std::nullopt;
  auto mode = ParseExecutionMode(e->value("mode", std::string()));
  if (!mode.ok()) return std::nullopt;
  return *mode;
}

std::optional<std::string> ScenarioNeedsProcesses(const Scenario& sc) {
  if (!sc.crashes.empty()) {
    return std::string(
        "the scenario crashes a role with SIGKILL, which needs the role in its own process");
  }
  if (sc.network.curve.enabled) {
    return std::string("network.curve is on, and inproc:// connections have no CURVE handshake");
  }
  return std::nullopt;
}

TaskSpec TaskSpecForScenario(const Scenario& sc, int64_t index) {
  TaskSpec spec;
  nlohmann::json job = sc.job.value("params", nlohmann::json::object());
  job["name"] = sc.job.at("name");
  job["steps"] = sc.job.at("steps");
  job["batch_size"] = sc.job.at("batch_size");
  const std::string suffix = index == 0 ? "" : "/" + std::to_string(index);
  job["init_seed"] = DeriveSeed64(sc.seed, "init" + suffix);
  job["data_seed"] = DeriveSeed64(sc.seed, "data" + suffix);
  spec.job = job;
  spec.steps = sc.job.at("steps").get<int64_t>();
  spec.checkpoint_interval = sc.protocol.checkpoint_interval;
  spec.mode = sc.protocol.mode;
  spec.top_q = sc.protocol.top_q;
  spec.random_samples = sc.protocol.random_samples;
  spec.verification.metrics = sc.protocol.metrics;
  spec.verification.delta = sc.protocol.delta;
  spec.verification.reference = sc.protocol.reference;
  spec.verification.hyperparameters = sc.protocol.hyperparameters;
  spec.reward = sc.economics.reward;
  spec.economics = sc.economics.task;
  spec.solver = sc.solvers().at(0)->name;
  for (const auto* v : sc.verifiers()) spec.verifiers.push_back(v->name);
  spec.training_deadline_s = sc.protocol.training_deadline_s;
  spec.verification_deadline_s = sc.protocol.verification_deadline_s;
  spec.arity = sc.protocol.arity;
  spec.game_clock_s = sc.protocol.game_clock_s;
  spec.node_tolerance = sc.protocol.node_tolerance;
  return spec;
}

RunOutcome RunScenario(const Scenario& scenario, const RunOptions& options) {
  Run run(scenario, options);
  return run.Execute();
}

std::string ResultsFolderId(uint64_t seed) {
  char buf[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::snprintf(buf, sizeof(buf), "%04d%02d%02d-%02d%02d%02d-seed%llu-%d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(seed), static_cast<int>(::getpid()));
  return buf;
}

}  // namespace veritrain
