#include "core/pol/calibration.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <sstream>
#include <utility>

#include "core/pol/perturbation.h"
#include "core/protocol/dissection.h"
#include "core/state/distance.h"
#include "core/train/node_compare.h"
#include "core/train/rng.h"
#include "core/train/torch_bridge.h"

namespace veritrain {
namespace {

// Signs of the consistency probe: any fixed value will do, it only has to
// be the same in every run.
constexpr uint64_t kProbeSeed = 0x7e57ab1e;

torch::ScalarType DtypeOf(const std::string& dtype) {
  return dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
}

Result<TensorMap> Steps(const TrainingJob& job, TensorMap state, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    VT_ASSIGN_OR_RETURN(state, TrainStep(job, state));
  }
  return state;
}

// Every metric's distance between the parameters of a and b, normalised.
Result<nlohmann::json> Distances(const CalibrationTask& task, const TensorMap& a,
                                 const TensorMap& b) {
  VT_ASSIGN_OR_RETURN(StateDistance d, ParameterDistance(ToState(a), ToState(b)));
  nlohmann::json out = nlohmann::json::object();
  for (Metric m : AllMetrics()) {
    const std::string name = MetricName(m);
    auto ref = task.reference.find(name);
    out[name] = ref == task.reference.end() ? d.Get(m) : d.Get(m) / ref->second;
  }
  return out;
}

// The task's job of one seed in each profile's precision: the solver's own
// job for the solver's dtype, another built once per other dtype.
class JobsByDtype {
 public:
  JobsByDtype(const CalibrationTask& task, uint64_t seed, const TrainingJob& solver_job)
      : task_(task), seed_(seed), solver_job_(solver_job) {}

  Result<const TrainingJob*> For(const std::string& dtype) {
    if (dtype == task_.solver.dtype) return &solver_job_;
    auto& job = others_[dtype];
    if (!job) {
      VT_ASSIGN_OR_RETURN(job, task_.make_job(seed_, dtype));
    }
    return job.get();
  }

 private:
  const CalibrationTask& task_;
  uint64_t seed_;
  const TrainingJob& solver_job_;
  std::map<std::string, std::unique_ptr<TrainingJob>> others_;
};

std::string ProfileLabel(const HardwareProfile& p) {
  return "threads=" + std::to_string(p.threads) + " " + p.dtype +
         (p.deterministic ? "" : " nondeterministic");
}

// δ by length and metric from range samples (excluding seed `skip` when it
// is set), before the consistency raise: the quantile per profile, the
// largest over the profiles.
std::map<int64_t, std::map<std::string, double>> HonestDeltas(
    const std::vector<RangeSample>& samples, const std::vector<std::string>& metrics,
    const CalibrationSettings& s, const uint64_t* skip) {
  std::map<int64_t, std::map<std::string, std::map<size_t, std::vector<double>>>> values;
  for (const auto& r : samples) {
    if (skip != nullptr && r.seed == *skip) continue;
    for (const auto& m : metrics) {
      values[r.steps()][m][r.profile].push_back(r.distances[m].get<double>());
    }
  }
  std::map<int64_t, std::map<std::string, double>> out;
  for (const auto& [steps, by_metric] : values) {
    for (const auto& [m, by_profile] : by_metric) {
      double q = 0;
      for (const auto& [profile, v] : by_profile) q = std::max(q, Quantile(v, s.quantile));
      out[steps][m] = std::max(q * s.margin, s.floor);
    }
  }
  return out;
}

// Makes δ non-decreasing in the length (the honest error of a range
// includes that of a shorter one at its start).
void MakeMonotone(std::map<int64_t, std::map<std::string, double>>* d) {
  std::map<std::string, double> running;
  for (auto& [steps, by_metric] : *d) {
    for (auto& [m, v] : by_metric) {
      v = std::max(v, running[m]);
      running[m] = v;
    }
  }
}

// Whether any listed metric of `distances` exceeds δ.
bool Exceeds(const nlohmann::json& distances, const std::map<std::string, double>& delta) {
  for (const auto& [m, d] : delta) {
    if (distances[m].get<double>() > d) return true;
  }
  return false;
}

nlohmann::json Summary(std::vector<double> v, double q, double delta) {
  if (v.empty()) return {{"samples", 0}, {"delta", delta}};
  return {{"samples", v.size()},
          {"min", *std::min_element(v.begin(), v.end())},
          {"median", Quantile(v, 0.5)},
          {"quantile_value", Quantile(v, q)},
          {"max", *std::max_element(v.begin(), v.end())},
          {"delta", delta}};
}

}  // namespace

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double h = (static_cast<double>(values.size()) - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - static_cast<double>(lo)) * (values[lo + 1] - values[lo]);
}

Result<Calibration> Calibrate(const CalibrationTask& task, const CalibrationSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  if (settings.profiles.empty()) return Status::InvalidArgument("calibration: no profiles");
  if (settings.seeds.empty()) return Status::InvalidArgument("calibration: no seeds");
  if (task.interval < 1 || task.steps < task.interval || task.steps % task.interval != 0) {
    return Status::InvalidArgument("calibration: the interval must divide the steps");
  }
  const int64_t k = task.interval;
  const int64_t task_intervals = task.steps / k;
  const int64_t intervals = settings.intervals == 0 ? task_intervals : settings.intervals;
  if (intervals < 1 || intervals > task_intervals) {
    return Status::InvalidArgument("calibration: intervals must be between 1 and " +
                                   std::to_string(task_intervals));
  }
  Calibration out;
  out.settings = settings;
  out.settings.intervals = intervals;
  out.reference = task.solver;
  out.interval = k;
  out.metrics = task.metrics;
  const std::vector<PositionRange> ranges = DissectionRanges(k, std::max<int64_t>(2, task.arity));
  // Steps of an interval whose nodes are sampled: spread over it, the first
  // included.
  std::set<int64_t> node_steps;
  const int64_t per_interval = std::clamp<int64_t>(settings.node_steps, 0, k);
  for (int64_t i = 0; i < per_interval; ++i) node_steps.insert(i * k / per_interval);

  // The first seed's job, kept for the consistency probe (building a job
  // can mean loading its dataset).
  std::unique_ptr<TrainingJob> first_job;
  for (uint64_t seed : settings.seeds) {
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(task.solver).WithContext("the solver's profile"));
    VT_ASSIGN_OR_RETURN(auto job, task.make_job(seed, task.solver.dtype));
    if (out.node_names.empty()) {
      for (const auto& n : job->graph().nodes()) {
        out.node_names.push_back(n.name);
        out.node_kinds.push_back(NodeKindName(n.kind));
      }
    }
    JobsByDtype jobs(task, seed, *job);
    TensorMap state = job->InitialState(job->config().init_seed);
    for (int64_t interval = 0; interval < intervals; ++interval) {
      // The honest interval, with the nodes of the sampled steps recorded.
      VT_RETURN_IF_ERROR(ApplyHardwareProfile(task.solver));
      std::vector<TensorMap> states = {state};
      std::map<int64_t, std::vector<NodeRecord>> records;
      for (int64_t p = 0; p < k; ++p) {
        std::vector<NodeRecord>* record = nullptr;
        if (node_steps.count(p) > 0) record = &records[interval * k + p];
        VT_ASSIGN_OR_RETURN(TensorMap next, TrainStep(*job, states.back(), record));
        states.push_back(std::move(next));
      }
      std::set<std::pair<int, bool>> node_profiles_done;
      for (size_t pi = 0; pi < settings.profiles.size(); ++pi) {
        const HardwareProfile& p = settings.profiles[pi];
        VT_RETURN_IF_ERROR(ApplyHardwareProfile(p).WithContext(ProfileLabel(p)));
        VT_ASSIGN_OR_RETURN(const TrainingJob* reexec, jobs.For(p.dtype));
        for (const auto& r : ranges) {
          VT_ASSIGN_OR_RETURN(
              TensorMap end,
              Steps(*reexec, CastFloating(states[r.from], DtypeOf(p.dtype)), r.size()));
          VT_ASSIGN_OR_RETURN(nlohmann::json d, Distances(task, end, states[r.to]));
          out.ranges.push_back({seed, pi, interval, r.from, r.to, std::move(d)});
        }
        // Node evaluations are in the solver's precision on every profile:
        // only the thread count (and determinism) can change their bits.
        if (!node_profiles_done.insert({p.threads, p.deterministic}).second) continue;
        for (const auto& [step, record] : records) {
          for (size_t n = 0; n < record.size(); ++n) {
            const Node& node = job->graph().nodes()[n];
            TensorMap claimed;
            for (const auto& name : node.outputs) claimed.emplace(name, record[n].outputs.at(name));
            VT_ASSIGN_OR_RETURN(NodeDeviation d,
                                CompareNode(job->graph(), n, record[n].inputs, claimed));
            out.nodes.push_back({seed, pi, step, static_cast<int64_t>(n), d.ratio});
          }
        }
      }
      state = std::move(states.back());
    }
    if (!first_job) first_job = std::move(job);
  }
  // The first interval's tail: more seeds, the whole first interval only.
  // Their seeds are drawn like a sweep's, not counted up from the listed
  // ones, so they sample the same population as the tasks of a run.
  for (int64_t i = 0; i < settings.first_interval_seeds; ++i) {
    const uint64_t seed =
        DeriveSeed(settings.seeds.front(), "first-interval/" + std::to_string(i)) >> 11;
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(task.solver));
    VT_ASSIGN_OR_RETURN(auto job, task.make_job(seed, task.solver.dtype));
    const TensorMap start = job->InitialState(job->config().init_seed);
    VT_ASSIGN_OR_RETURN(TensorMap end, Steps(*job, start, k));
    JobsByDtype jobs(task, seed, *job);
    for (size_t pi = 0; pi < settings.profiles.size(); ++pi) {
      const HardwareProfile& p = settings.profiles[pi];
      if (p == task.solver) continue;  // reproduces exactly
      VT_RETURN_IF_ERROR(ApplyHardwareProfile(p).WithContext(ProfileLabel(p)));
      VT_ASSIGN_OR_RETURN(const TrainingJob* reexec, jobs.For(p.dtype));
      VT_ASSIGN_OR_RETURN(TensorMap ours, Steps(*reexec, CastFloating(start, DtypeOf(p.dtype)), k));
      VT_ASSIGN_OR_RETURN(nlohmann::json d, Distances(task, ours, end));
      out.ranges.push_back({seed, pi, 0, 0, k, std::move(d)});
    }
  }
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(task.solver));

  // Node thresholds, and their summary by kind.
  std::map<int64_t, std::vector<double>> by_node;
  for (const auto& s : out.nodes) by_node[s.node].push_back(s.deviation);
  for (size_t n = 0; n < out.node_names.size(); ++n) {
    const auto& v = by_node[static_cast<int64_t>(n)];
    const double tau = v.empty() ? 0 : Quantile(v, settings.node_quantile) * settings.node_margin;
    out.node_tolerances[out.node_names[n]] = tau;
    nlohmann::json& kind = out.node_kinds_summary[out.node_kinds[n]];
    if (kind.is_null()) {
      kind = {{"nodes", 0}, {"exact", 0}, {"max_deviation", 0.0}, {"max_tolerance", 0.0}};
    }
    kind["nodes"] = kind["nodes"].get<int64_t>() + 1;
    if (tau == 0) kind["exact"] = kind["exact"].get<int64_t>() + 1;
    const double worst = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    kind["max_deviation"] = std::max(kind["max_deviation"].get<double>(), worst);
    kind["max_tolerance"] = std::max(kind["max_tolerance"].get<double>(), tau);
  }

  // δ by length from the honest samples.
  out.delta_by_steps = HonestDeltas(out.ranges, task.metrics, settings, nullptr);
  MakeMonotone(&out.delta_by_steps);
  const auto honest = out.delta_by_steps;

  // Consistency: the first interval of the first seed, every node moved to
  // its threshold at every step, over every range.
  std::map<int64_t, std::map<std::string, double>> probe;
  const bool any_tolerance = std::any_of(out.node_tolerances.begin(), out.node_tolerances.end(),
                                         [](const auto& t) { return t.second > 0; });
  if (any_tolerance) {
    const TrainingJob* job = first_job.get();
    std::vector<TensorMap> states = {job->InitialState(job->config().init_seed)};
    for (int64_t p = 0; p < k; ++p) {
      VT_ASSIGN_OR_RETURN(TensorMap next, TrainStep(*job, states.back()));
      states.push_back(std::move(next));
    }
    auto threshold = [&](const std::string& node) {
      auto it = out.node_tolerances.find(node);
      return it == out.node_tolerances.end() ? 0.0 : it->second;
    };
    for (const auto& r : ranges) {
      TensorMap moved = states[r.from];
      for (int64_t s = 0; s < r.size(); ++s) {
        VT_ASSIGN_OR_RETURN(moved, PerturbedStep(*job, moved, threshold, kProbeSeed));
      }
      VT_ASSIGN_OR_RETURN(nlohmann::json d, Distances(task, moved, states[r.to]));
      for (const auto& m : task.metrics) {
        probe[r.size()][m] = std::max(probe[r.size()][m], d[m].get<double>());
      }
    }
    for (auto& [steps, by_metric] : out.delta_by_steps) {
      for (auto& [m, delta] : by_metric) {
        auto it = probe.find(steps);
        if (it != probe.end()) delta = std::max(delta, it->second[m]);
      }
    }
    MakeMonotone(&out.delta_by_steps);
  }
  out.delta = out.delta_by_steps.at(k);

  // Per length and metric: what the honest samples reached, the honest δ,
  // what the probe reached, the δ set.
  std::map<int64_t, std::map<std::string, double>> max_by_length;
  std::map<int64_t, int64_t> count_by_length;
  for (const auto& r : out.ranges) {
    ++count_by_length[r.steps()];
    for (const auto& m : task.metrics) {
      max_by_length[r.steps()][m] = std::max(max_by_length[r.steps()][m], r.distances[m].get<double>());
    }
  }
  for (const auto& [steps, by_metric] : out.delta_by_steps) {
    nlohmann::json entry = {{"samples", count_by_length[steps]}};
    for (const auto& [m, delta] : by_metric) {
      entry[m] = {{"max", max_by_length[steps][m]},
                  {"honest_delta", honest.at(steps).at(m)},
                  {"delta", delta}};
      if (probe.count(steps) > 0) entry[m]["probe"] = probe[steps][m];
    }
    out.lengths[std::to_string(steps)] = entry;
  }
  for (const auto& m : task.metrics) {
    std::vector<double> v;
    for (const auto& r : out.ranges) {
      if (r.steps() == k) v.push_back(r.distances[m].get<double>());
    }
    out.metrics_summary[m] = Summary(v, settings.quantile, out.delta.at(m));
  }

  // The false-positive rate of an interval check, leaving one seed out.
  int64_t events = 0, trials = 0;
  std::set<uint64_t> all_seeds;
  for (const auto& r : out.ranges) all_seeds.insert(r.seed);
  if (all_seeds.size() >= 2) {
    for (uint64_t seed : all_seeds) {
      auto others = HonestDeltas(out.ranges, task.metrics, settings, &seed);
      MakeMonotone(&others);
      auto at_k = others.find(k);
      if (at_k == others.end()) continue;
      // The same procedure as δ itself: the honest quantile, raised to the
      // probe's distance when the node thresholds move the state further.
      std::map<std::string, double> delta = at_k->second;
      auto moved = probe.find(k);
      if (moved != probe.end()) {
        for (auto& [m, d] : delta) d = std::max(d, moved->second[m]);
      }
      for (const auto& r : out.ranges) {
        if (r.seed != seed || r.steps() != k) continue;
        ++trials;
        if (Exceeds(r.distances, delta)) ++events;
      }
    }
  }
  out.false_positive_per_check = WilsonRate(events, trials);
  out.false_positive_per_task =
      AtLeastOneOf(out.false_positive_per_check, std::max<int64_t>(1, task.checks_per_task));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

nlohmann::json Calibration::Record() const {
  nlohmann::json profiles = nlohmann::json::array();
  for (const auto& p : settings.profiles) profiles.push_back(p.ToJson());
  return {{"source", "calibrated"},
          {"interval_steps", interval},
          {"reference_profile", reference.ToJson()},
          {"profiles", profiles},
          {"seeds", settings.seeds},
          {"intervals", settings.intervals},
          {"quantile", settings.quantile},
          {"margin", settings.margin},
          {"floor", settings.floor},
          {"node_quantile", settings.node_quantile},
          {"node_margin", settings.node_margin},
          {"first_interval_seeds", settings.first_interval_seeds},
          {"honest", metrics_summary},
          {"lengths", lengths},
          {"node_kinds", node_kinds_summary},
          {"false_positive",
           {{"method", "leave one seed out"},
            {"per_interval_check", false_positive_per_check.ToJson()},
            {"per_task", false_positive_per_task.ToJson()}}}};
}

nlohmann::json Calibration::ToJson() const {
  nlohmann::json j = Record();
  j["delta_by_steps"] = nlohmann::json::object();
  for (const auto& [steps, d] : delta_by_steps) j["delta_by_steps"][std::to_string(steps)] = d;
  j["node_tolerances"] = node_tolerances;
  j["samples"] = nlohmann::json::array();
  for (const auto& s : ranges) {
    j["samples"].push_back({{"seed", s.seed},
                            {"profile", s.profile},
                            {"interval", s.interval},
                            {"from", s.from},
                            {"to", s.to},
                            {"distances", s.distances}});
  }
  j["node_samples"] = nlohmann::json::array();
  for (const auto& s : nodes) {
    j["node_samples"].push_back({{"seed", s.seed},
                                 {"profile", s.profile},
                                 {"step", s.step},
                                 {"node", node_names.at(static_cast<size_t>(s.node))},
                                 {"deviation", s.deviation}});
  }
  j["seconds"] = seconds;
  return j;
}

std::string Calibration::ToCsv() const {
  std::ostringstream out;
  out.precision(17);
  out << "seed,profile,threads,dtype,interval,from,to,steps,metric,distance,delta\n";
  for (const auto& s : ranges) {
    const HardwareProfile& p = settings.profiles[s.profile];
    for (const auto& m : metrics) {
      out << s.seed << "," << s.profile << "," << p.threads << "," << p.dtype << ","
          << s.interval << "," << s.from << "," << s.to << "," << s.steps() << "," << m << ","
          << s.distances[m].get<double>() << "," << delta_by_steps.at(s.steps()).at(m) << "\n";
    }
  }
  return out.str();
}

std::string Calibration::NodesCsv() const {
  std::ostringstream out;
  out.precision(17);
  out << "seed,profile,threads,step,node,kind,deviation,tolerance\n";
  for (const auto& s : nodes) {
    const HardwareProfile& p = settings.profiles[s.profile];
    const std::string& name = node_names.at(static_cast<size_t>(s.node));
    out << s.seed << "," << s.profile << "," << p.threads << "," << s.step << "," << name << ","
        << node_kinds.at(static_cast<size_t>(s.node)) << "," << s.deviation << ","
        << node_tolerances.at(name) << "\n";
  }
  return out.str();
}

void Calibration::ApplyTo(VerificationPolicy* policy) const {
  policy->delta.clear();
  policy->delta_by_steps.clear();
  for (const auto& m : policy->metrics) {
    auto it = delta.find(m);
    if (it == delta.end()) continue;  // not calibrated: CheckTolerance will say so
    policy->delta[m] = it->second;
    for (const auto& [steps, d] : delta_by_steps) {
      auto at = d.find(m);
      if (at != d.end()) policy->delta_by_steps[steps][m] = at->second;
    }
  }
  policy->node_tolerances = node_tolerances;
  policy->calibration = Record();
}

}  // namespace veritrain
