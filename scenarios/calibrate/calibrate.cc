#include "scenarios/calibrate/calibrate.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/state/atomic_file.h"
#include "core/train/job.h"
#include "scenarios/check/interval_error_check.h"

namespace veritrain {

Result<CalibrationSettings> CalibrationSettingsFor(const Scenario& scenario) {
  CalibrationSettings s;
  const nlohmann::json& c = scenario.protocol.calibration;
  if (c.is_object()) {
    for (size_t i = 0; i < c.at("profiles").size(); ++i) {
      auto p = HardwareProfile::FromJson(c["profiles"][i]);
      if (!p.ok()) {
        return p.status().WithContext("protocol.calibration.profiles[" + std::to_string(i) + "]");
      }
      s.profiles.push_back(*p);
    }
    s.seeds = c.at("seeds").get<std::vector<uint64_t>>();
    s.intervals = c.value("intervals", int64_t{0});
    s.quantile = c.at("quantile").get<double>();
    s.margin = c.at("margin").get<double>();
    s.floor = c.at("floor").get<double>();
    s.node_quantile = c.value("node_quantile", s.node_quantile);
    s.node_margin = c.value("node_margin", s.node_margin);
    s.node_steps = c.value("node_steps", s.node_steps);
    s.first_interval_seeds = c.value("first_interval_seeds", s.first_interval_seeds);
  } else {
    // No block: the verifiers' own profiles, each once.
    for (const ParticipantSpec* v : scenario.verifiers()) {
      VT_ASSIGN_OR_RETURN(HardwareProfile p, HardwareProfile::FromJson(v->profile.ToJson()));
      if (std::find(s.profiles.begin(), s.profiles.end(), p) == s.profiles.end()) {
        s.profiles.push_back(p);
      }
    }
  }
  if (s.intervals > scenario.intervals()) {
    return Status::InvalidArgument("protocol.calibration.intervals: " +
                                   std::to_string(s.intervals) + " is more than the task's " +
                                   std::to_string(scenario.intervals()) + " intervals");
  }
  return s;
}

namespace {

// The most interval checks a task gets that can fail independently: every
// verifier that checks the task checks the top-Q intervals and draws its
// random ones independently (interval_selection.h), but two verifiers in
// one profile re-execute an interval to the same bits, so an interval
// counts once per profile. Per profile: the top-Q plus the random draws
// of as many of its verifiers as can check a task, at most every
// interval; in all at most what the checking verifiers check. (It was
// every verifier's draws capped at the task's intervals: three verifiers
// in three profiles, each checking all 4 intervals, counted 4 checks, not
// 12.) Fills `profiles` with each verifier's profile.
int64_t ChecksPerTask(const Scenario& scenario, std::vector<HardwareProfile>* profiles) {
  std::vector<std::pair<HardwareProfile, int64_t>> groups;  // profile, verifiers
  int64_t verifiers = 0;
  for (const auto& p : scenario.participants) {
    if (p.role != "verifier") continue;
    ++verifiers;
    auto profile = HardwareProfile::FromJson(p.profile.ToJson());
    if (!profile.ok()) continue;
    profiles->push_back(*profile);
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const auto& e) { return e.first == *profile; });
    if (g == groups.end()) {
      groups.emplace_back(*profile, 1);
    } else {
      ++g->second;
    }
  }
  const int64_t per_task = scenario.economics.task.verifiers_per_task;
  const int64_t checking =
      std::max<int64_t>(1, per_task > 0 ? std::min(per_task, verifiers) : verifiers);
  const int64_t intervals = scenario.intervals();
  const int64_t top_q = scenario.protocol.top_q;
  const int64_t draws = scenario.protocol.random_samples;
  int64_t checks = 0;
  for (const auto& [profile, n] : groups) {
    checks += std::min<int64_t>(intervals, top_q + draws * std::min(n, checking));
  }
  const int64_t most = checking * std::min<int64_t>(intervals, top_q + draws);
  return std::max<int64_t>(1, std::min(checks, most));
}

}  // namespace

CalibrationTask CalibrationTaskFor(const Scenario& scenario) {
  CalibrationTask t;
  t.make_job = [scenario](uint64_t seed,
                          const std::string& dtype) -> Result<std::unique_ptr<TrainingJob>> {
    Scenario copy = scenario;
    copy.seed = seed;
    nlohmann::json job = TaskSpecForScenario(copy).job;
    job["dtype"] = dtype;
    VT_ASSIGN_OR_RETURN(JobConfig config, JobConfig::FromJson(job));
    return MakeJob(config);
  };
  auto solver = HardwareProfile::FromJson(scenario.solvers().at(0)->profile.ToJson());
  if (solver.ok()) t.solver = *solver;
  t.steps = scenario.job.value("steps", int64_t{0});
  t.interval = scenario.protocol.checkpoint_interval;
  t.arity = scenario.protocol.arity;
  t.metrics = scenario.protocol.metrics;
  t.reference = scenario.protocol.reference;
  t.checks_per_task = ChecksPerTask(scenario, &t.verifiers);
  return t;
}

namespace {

// What a calibration depends on: not the run's seed (each calibration seed
// stands for a task seed of its own), so the runs of a sweep over seeds,
// in one process, calibrate once.
std::string CalibrationKey(const Scenario& scenario) {
  // Each participant's role and profile, and how many verifiers check a
  // task: what the predicted false-positive rates depend on.
  nlohmann::json profiles = nlohmann::json::array();
  for (const auto& p : scenario.participants) profiles.push_back({p.role, p.profile.ToJson()});
  return nlohmann::json{{"job", scenario.job},
                        {"protocol", scenario.resolved.value("protocol", nlohmann::json())},
                        {"profiles", profiles},
                        {"verifiers_per_task", scenario.economics.task.verifiers_per_task},
                        {"plugins", scenario.plugins},
                        {"source_dir", scenario.source_dir}}
      .dump();
}

std::mutex calibration_mutex;
std::map<std::string, Calibration>& CalibrationCache() {
  static auto* cache = new std::map<std::string, Calibration>();
  return *cache;
}

}  // namespace

Result<Calibration> CalibrateScenario(const Scenario& scenario) {
  if (scenario.solvers().empty()) return Status::InvalidArgument("the scenario has no solver");
  const std::string key = CalibrationKey(scenario);
  // One calibration at a time: it applies hardware profiles to the process
  // (the default dtype among them), so two at once would disturb each other.
  std::lock_guard<std::mutex> lock(calibration_mutex);
  auto it = CalibrationCache().find(key);
  if (it != CalibrationCache().end()) return it->second;
  VT_ASSIGN_OR_RETURN(CalibrationSettings settings, CalibrationSettingsFor(scenario));
  VT_ASSIGN_OR_RETURN(Calibration c, Calibrate(CalibrationTaskFor(scenario), settings));
  CalibrationCache().emplace(key, c);
  return c;
}

void ApplyCalibration(const Calibration& calibration, TaskSpec* spec) {
  calibration.ApplyTo(&spec->verification);
}

Result<RunCalibration> CalibrateAndWrite(const Scenario& scenario, const std::string& out_dir) {
  RunCalibration out;
  VT_ASSIGN_OR_RETURN(out.calibration, CalibrateScenario(scenario));
  const Calibration& c = out.calibration;
  // The run's own tasks under the calibrated δ (interval_error_check.h).
  TaskSpec calibrated = TaskSpecForScenario(scenario);
  ApplyCalibration(c, &calibrated);
  VT_ASSIGN_OR_RETURN(IntervalErrorCheck own,
                      CalibratedDeltaCheck(scenario, calibrated.verification));
  const nlohmann::json own_tasks = {{"measured", own.measured}, {"uncovered", own.errors}};
  out.record = c.Record();
  out.record["own_tasks"] = own_tasks;
  nlohmann::json file = c.ToJson();
  file["own_tasks"] = own_tasks;
  VT_RETURN_IF_ERROR(WriteFileAtomically(out_dir + "/calibration.json", {file.dump(2) + "\n"}));
  VT_RETURN_IF_ERROR(WriteFileAtomically(out_dir + "/calibration.csv", {c.ToCsv()}));
  VT_RETURN_IF_ERROR(WriteFileAtomically(out_dir + "/calibration_nodes.csv", {c.NodesCsv()}));
  // An honest error no δ covers: every honest verifier that draws the
  // interval would challenge and lose its stake. Refused, not warned
  // about (a calibration that merely missed a seed's error is warned
  // about: a sweep measures how often that happens).
  if (!own.non_finite.empty()) {
    std::string lines;
    for (const std::string& line : own.non_finite) lines += "\n  " + line;
    return Status::FailedPrecondition(
        "the run's own tasks diverge differently under the verifiers' profiles than under the "
        "solver's (calibration.json, own_tasks):" +
        lines);
  }
  return out;
}

}  // namespace veritrain
