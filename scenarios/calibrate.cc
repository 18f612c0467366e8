#include "scenarios/calibrate.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>

#include "core/state/atomic_file.h"
#include "core/state/distance.h"
#include "core/train/job.h"
#include "core/train/torch_bridge.h"
#include "scenarios/runner/run.h"

namespace veritrain {
namespace {

torch::ScalarType DtypeOf(const HardwareProfile& p) {
  return p.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
}

// The job of the task `scenario` would post with seed `seed`, computed in
// `dtype`.
Result<std::unique_ptr<TrainingJob>> JobForSeed(const Scenario& scenario,
                                                uint64_t seed,
                                                const std::string& dtype) {
  Scenario copy = scenario;
  copy.seed = seed;
  nlohmann::json job = TaskSpecForScenario(copy).job;
  job["dtype"] = dtype;
  VT_ASSIGN_OR_RETURN(JobConfig config, JobConfig::FromJson(job));
  return MakeJob(config);
}

Result<TensorMap> Steps(const TrainingJob& job, TensorMap state, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    VT_ASSIGN_OR_RETURN(state, TrainStep(job, state));
  }
  return state;
}

TensorMap Cast(const TensorMap& state, torch::ScalarType dtype) {
  TensorMap out;
  for (const auto& [name, t] : state) {
    out.emplace(name, t.is_floating_point() ? t.to(dtype).contiguous() : t);
  }
  return out;
}

std::string ProfileLabel(const HardwareProfile& p) {
  return "threads=" + std::to_string(p.threads) + " " + p.dtype +
         (p.deterministic ? "" : " nondeterministic");
}

}  // namespace

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double h = (static_cast<double>(values.size()) - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] +
         (h - static_cast<double>(lo)) * (values[lo + 1] - values[lo]);
}

Result<CalibrationSettings> CalibrationSettings::FromScenario(
    const Scenario& scenario) {
  CalibrationSettings s;
  const nlohmann::json& c = scenario.protocol.calibration;
  if (c.is_object()) {
    for (size_t i = 0; i < c.at("profiles").size(); ++i) {
      auto p = HardwareProfile::FromJson(c["profiles"][i]);
      if (!p.ok()) {
        return p.status().WithContext("protocol.calibration.profiles[" +
                                      std::to_string(i) + "]");
      }
      s.profiles.push_back(*p);
    }
    s.seeds = c.at("seeds").get<std::vector<uint64_t>>();
    s.intervals = c.at("intervals").get<int64_t>();
    s.quantile = c.at("quantile").get<double>();
    s.margin = c.at("margin").get<double>();
    s.floor = c.at("floor").get<double>();
    return s;
  }
  // No block: the verifiers' own profiles, each once.
  for (const ParticipantSpec* v : scenario.verifiers()) {
    VT_ASSIGN_OR_RETURN(HardwareProfile p,
                        HardwareProfile::FromJson(v->profile.ToJson()));
    if (std::find(s.profiles.begin(), s.profiles.end(), p) ==
        s.profiles.end()) {
      s.profiles.push_back(p);
    }
  }
  s.intervals = std::min<int64_t>(s.intervals,
                                  std::max<int64_t>(1, scenario.intervals()));
  return s;
}

Result<Calibration> Calibrate(const Scenario& scenario,
                              const CalibrationSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  if (scenario.solvers().empty())
    return Status::InvalidArgument("the scenario has no solver");
  if (settings.profiles.empty())
    return Status::InvalidArgument("calibration: no profiles");
  if (settings.intervals < 1 || settings.intervals > scenario.intervals()) {
    return Status::InvalidArgument(
        "calibration: intervals must be between 1 and " +
        std::to_string(scenario.intervals()));
  }
  Calibration out;
  out.settings = settings;
  VT_ASSIGN_OR_RETURN(
      out.reference,
      HardwareProfile::FromJson(scenario.solvers()[0]->profile.ToJson()));
  const int64_t k = scenario.protocol.checkpoint_interval;

  for (uint64_t seed : settings.seeds) {
    // The honest trace, as the solver computes it.
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(out.reference));
    VT_ASSIGN_OR_RETURN(auto job,
                        JobForSeed(scenario, seed, out.reference.dtype));
    std::vector<TensorMap> trace = {job->InitialState(job->config().init_seed)};
    for (int64_t i = 0; i < settings.intervals; ++i) {
      VT_ASSIGN_OR_RETURN(TensorMap next, Steps(*job, trace.back(), k));
      trace.push_back(std::move(next));
    }
    std::map<std::string, std::unique_ptr<TrainingJob>> jobs_by_dtype;
    for (size_t pi = 0; pi < settings.profiles.size(); ++pi) {
      const HardwareProfile& p = settings.profiles[pi];
      VT_RETURN_IF_ERROR(ApplyHardwareProfile(p).WithContext(ProfileLabel(p)));
      const TrainingJob* reexec = job.get();
      if (p.dtype != out.reference.dtype) {
        auto& j = jobs_by_dtype[p.dtype];
        if (!j) {
          VT_ASSIGN_OR_RETURN(j, JobForSeed(scenario, seed, p.dtype));
        }
        reexec = j.get();
      }
      for (int64_t i = 0; i < settings.intervals; ++i) {
        VT_ASSIGN_OR_RETURN(TensorMap end,
                            Steps(*reexec, Cast(trace[i], DtypeOf(p)), k));
        VT_ASSIGN_OR_RETURN(
            StateDistance d,
            ParameterDistance(ToState(end), ToState(trace[i + 1])));
        CalibrationSample sample{seed, pi, i, nlohmann::json::object()};
        for (Metric m : AllMetrics()) {
          const std::string name = MetricName(m);
          auto ref = scenario.protocol.reference.find(name);
          sample.distances[name] = ref == scenario.protocol.reference.end()
                                       ? d.Get(m)
                                       : d.Get(m) / ref->second;
        }
        out.samples.push_back(std::move(sample));
      }
    }
  }
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(out.reference));

  for (Metric m : AllMetrics()) {
    const std::string name = MetricName(m);
    std::vector<double> values;
    for (const auto& s : out.samples)
      values.push_back(s.distances[name].get<double>());
    const double q = Quantile(values, settings.quantile);
    const double delta = std::max(q * settings.margin, settings.floor);
    out.delta[name] = delta;
    out.metrics[name] = {
        {"samples", values.size()},
        {"min", *std::min_element(values.begin(), values.end())},
        {"median", Quantile(values, 0.5)},
        {"quantile_value", q},
        {"max", *std::max_element(values.begin(), values.end())},
        {"delta", delta}};
  }
  out.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return out;
}

nlohmann::json Calibration::Record() const {
  nlohmann::json profiles = nlohmann::json::array();
  for (const auto& p : settings.profiles) profiles.push_back(p.ToJson());
  return {{"source", "calibrated"},
          {"reference_profile", reference.ToJson()},
          {"profiles", profiles},
          {"seeds", settings.seeds},
          {"intervals", settings.intervals},
          {"quantile", settings.quantile},
          {"margin", settings.margin},
          {"floor", settings.floor},
          {"honest", metrics}};
}

nlohmann::json Calibration::ToJson() const {
  nlohmann::json j = Record();
  j["samples"] = nlohmann::json::array();
  for (const auto& s : samples) {
    j["samples"].push_back({{"seed", s.seed},
                            {"profile", s.profile},
                            {"interval", s.interval},
                            {"distances", s.distances}});
  }
  j["seconds"] = seconds;
  return j;
}

std::string Calibration::ToCsv() const {
  std::ostringstream out;
  out.precision(17);
  out << "seed,profile,threads,dtype,interval,metric,distance,delta\n";
  for (const auto& s : samples) {
    const HardwareProfile& p = settings.profiles[s.profile];
    for (Metric m : AllMetrics()) {
      const std::string name = MetricName(m);
      out << s.seed << "," << s.profile << "," << p.threads << "," << p.dtype
          << "," << s.interval << "," << name << ","
          << s.distances[name].get<double>() << "," << delta.at(name) << "\n";
    }
  }
  return out.str();
}

Result<Calibration> CalibrateAndWrite(const Scenario& scenario,
                                      const std::string& out_dir) {
  VT_ASSIGN_OR_RETURN(CalibrationSettings settings,
                      CalibrationSettings::FromScenario(scenario));
  VT_ASSIGN_OR_RETURN(Calibration c, Calibrate(scenario, settings));
  VT_RETURN_IF_ERROR(WriteFileAtomically(out_dir + "/calibration.json",
                                         {c.ToJson().dump(2) + "\n"}));
  VT_RETURN_IF_ERROR(
      WriteFileAtomically(out_dir + "/calibration.csv", {c.ToCsv()}));
  return c;
}

void ApplyCalibration(const Calibration& calibration, TaskSpec* spec) {
  spec->verification.delta.clear();
  for (const auto& m : spec->verification.metrics) {
    spec->verification.delta[m] = calibration.delta.at(m);
  }
  spec->verification.calibration = calibration.Record();
}

}  // namespace veritrain
