#include "core/pol/calibration.h"

#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <utility>

#include "core/pol/check_interval.h"
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

Result<TensorMap> Steps(const TrainingJob& job, TensorMap state, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    VT_ASSIGN_OR_RETURN(state, TrainStep(job, std::move(state)));
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

// `by_profile`: each profile's samples. min, median and max are over them
// all; quantile_value is the largest of the profiles' own quantiles, the
// one δ is `margin` times (HonestDeltas). The quantile of all the samples
// pooled was a figure δ is not made from: the solver's own profile
// reproduces bit for bit, and its zeros pulled it below δ / margin.
nlohmann::json Summary(const std::map<size_t, std::vector<double>>& by_profile, double q,
                       double delta) {
  std::vector<double> v;
  double quantile = 0;
  for (const auto& [profile, values] : by_profile) {
    v.insert(v.end(), values.begin(), values.end());
    if (!values.empty()) quantile = std::max(quantile, Quantile(values, q));
  }
  if (v.empty()) return {{"samples", 0}, {"delta", delta}};
  return {{"samples", v.size()},
          {"min", *std::min_element(v.begin(), v.end())},
          {"median", Quantile(v, 0.5)},
          {"quantile_value", quantile},
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

namespace {

using DeltaTable = std::map<int64_t, std::map<std::string, double>>;

// What Calibrate's parts share.
struct Sampling {
  const CalibrationTask& task;
  const CalibrationSettings& settings;
  std::vector<PositionRange> ranges;  // every range a dissection compares
  std::set<int64_t> node_steps;       // steps of an interval whose nodes are sampled
  VerificationPolicy measure;         // the task's normalisers, no thresholds
  int64_t intervals = 0;              // per seed

  Sampling(const CalibrationTask& t, const CalibrationSettings& s) : task(t), settings(s) {}
};

// Re-executes `span` with `job` from the solver's state `from`, cast to the
// job's precision, and measures every metric against the solver's state
// `to` (core/pol/check_interval.h, measure mode).
Result<nlohmann::json> MeasureRange(const Sampling& s, const TrainingJob& job,
                                    const TensorMap& from, const TensorMap& to,
                                    const IntervalSpan& span) {
  const State committed = ToState(to);
  ClaimedEnd end;
  end.tensors = &committed;
  VT_ASSIGN_OR_RETURN(IntervalCheck check,
                      CheckInterval(job, s.measure, IntervalMode::kMeasure, from, end, span));
  if (check.finding == IntervalFinding::kReexecutionFailed) return check.problem;
  const std::string steps = "calibration: steps " + std::to_string(span.first_step) + " to " +
                            std::to_string(span.end_step());
  if (!check.passed()) return Status::InvalidArgument(steps + ": " + check.detail);
  if (check.distances->non_finite > 0 || !check.distances->non_finite_mismatch.empty()) {
    return Status::InvalidArgument(steps + ": an honest run reached non-finite parameters");
  }
  return check.distances->distances;
}

// One seed of the task: its intervals trained honestly under the solver's
// profile, every range re-executed under every profile, every node of the
// sampled steps evaluated. Keeps the seed's job in `*kept` if it is empty.
Status SampleSeed(const Sampling& s, uint64_t seed, Calibration* out,
                  std::unique_ptr<TrainingJob>* kept) {
  const CalibrationTask& task = s.task;
  const int64_t k = task.interval;
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(task.solver).WithContext("the solver's profile"));
  VT_ASSIGN_OR_RETURN(auto job, task.make_job(seed, task.solver.dtype));
  if (out->node_names.empty()) {
    for (const auto& n : job->graph().nodes()) {
      out->node_names.push_back(n.name);
      out->node_kinds.push_back(NodeKindName(n.kind));
    }
  }
  JobsByDtype jobs(task, seed, *job);
  TensorMap state = job->InitialState(job->config().init_seed);
  for (int64_t interval = 0; interval < s.intervals; ++interval) {
    // The honest interval, with the nodes of the sampled steps recorded.
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(task.solver));
    std::vector<TensorMap> states = {state};
    std::map<int64_t, std::vector<NodeRecord>> records;
    for (int64_t p = 0; p < k; ++p) {
      std::vector<NodeRecord>* record = nullptr;
      if (s.node_steps.count(p) > 0) record = &records[interval * k + p];
      VT_ASSIGN_OR_RETURN(TensorMap next, TrainStep(*job, states.back(), record));
      states.push_back(std::move(next));
    }
    std::set<std::pair<int, bool>> node_profiles_done;
    for (size_t pi = 0; pi < s.settings.profiles.size(); ++pi) {
      const HardwareProfile& p = s.settings.profiles[pi];
      VT_RETURN_IF_ERROR(ApplyHardwareProfile(p).WithContext(ProfileLabel(p)));
      VT_ASSIGN_OR_RETURN(const TrainingJob* reexec, jobs.For(p.dtype));
      for (const auto& r : s.ranges) {
        VT_ASSIGN_OR_RETURN(nlohmann::json d,
                            MeasureRange(s, *reexec, states[r.from], states[r.to],
                                         {interval * k + r.from, r.size()}));
        out->ranges.push_back({seed, pi, interval, r.from, r.to, std::move(d)});
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
          out->nodes.push_back({seed, pi, step, static_cast<int64_t>(n), d.ratio});
        }
      }
    }
    state = std::move(states.back());
  }
  if (!*kept) *kept = std::move(job);
  return Status::Ok();
}

// The first interval's tail: more seeds, the whole first interval only.
// Their seeds are drawn like a sweep's, not counted up from the listed
// ones, so they sample the same population as the tasks of a run.
Status SampleFirstIntervals(const Sampling& s, Calibration* out) {
  const CalibrationTask& task = s.task;
  const int64_t k = task.interval;
  for (int64_t i = 0; i < s.settings.first_interval_seeds; ++i) {
    const uint64_t seed =
        DeriveSeed(s.settings.seeds.front(), "first-interval/" + std::to_string(i)) >> 11;
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(task.solver));
    VT_ASSIGN_OR_RETURN(auto job, task.make_job(seed, task.solver.dtype));
    const TensorMap start = job->InitialState(job->config().init_seed);
    VT_ASSIGN_OR_RETURN(TensorMap end, Steps(*job, start, k));
    JobsByDtype jobs(task, seed, *job);
    for (size_t pi = 0; pi < s.settings.profiles.size(); ++pi) {
      const HardwareProfile& p = s.settings.profiles[pi];
      if (p == task.solver) continue;  // reproduces exactly
      VT_RETURN_IF_ERROR(ApplyHardwareProfile(p).WithContext(ProfileLabel(p)));
      VT_ASSIGN_OR_RETURN(const TrainingJob* reexec, jobs.For(p.dtype));
      VT_ASSIGN_OR_RETURN(nlohmann::json d, MeasureRange(s, *reexec, start, end, {0, k}));
      out->ranges.push_back({seed, pi, 0, 0, k, std::move(d)});
    }
  }
  return Status::Ok();
}

// Node thresholds, and their summary by kind.
void SetNodeThresholds(const CalibrationSettings& settings, Calibration* out) {
  std::map<int64_t, std::vector<double>> by_node;
  for (const auto& s : out->nodes) by_node[s.node].push_back(s.deviation);
  for (size_t n = 0; n < out->node_names.size(); ++n) {
    const auto& v = by_node[static_cast<int64_t>(n)];
    const double tau = v.empty() ? 0 : Quantile(v, settings.node_quantile) * settings.node_margin;
    out->node_tolerances[out->node_names[n]] = tau;
    nlohmann::json& kind = out->node_kinds_summary[out->node_kinds[n]];
    if (kind.is_null()) {
      kind = {{"nodes", 0}, {"exact", 0}, {"max_deviation", 0.0}, {"max_tolerance", 0.0}};
    }
    kind["nodes"] = kind["nodes"].get<int64_t>() + 1;
    if (tau == 0) kind["exact"] = kind["exact"].get<int64_t>() + 1;
    const double worst = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    kind["max_deviation"] = std::max(kind["max_deviation"].get<double>(), worst);
    kind["max_tolerance"] = std::max(kind["max_tolerance"].get<double>(), tau);
  }
}

// Consistency: every sampled interval of the first seed, every node moved
// to its threshold at every step, over every range. Returns how far the
// probe moved the state, by length and metric, and raises δ to it. Every
// interval, not the first alone: a later interval, where the training has
// moved, can amplify the same node thresholds further, and a δ below that
// lets a solver keep every node within its threshold and still move that
// interval beyond δ (the honest challenger would lose the game; `check`
// measures the same on a hand-set δ).
Result<DeltaTable> ProbeConsistency(const Sampling& s, const TrainingJob& job,
                                    Calibration* out) {
  DeltaTable probe;
  const bool any_tolerance = std::any_of(out->node_tolerances.begin(), out->node_tolerances.end(),
                                         [](const auto& t) { return t.second > 0; });
  if (!any_tolerance) return probe;
  const int64_t k = s.task.interval;
  auto threshold = [&](const std::string& node) {
    auto it = out->node_tolerances.find(node);
    return it == out->node_tolerances.end() ? 0.0 : it->second;
  };
  // One interval's honest states at a time (k + 1 states in memory).
  TensorMap start = job.InitialState(job.config().init_seed);
  for (int64_t interval = 0; interval < s.intervals; ++interval) {
    std::vector<TensorMap> states = {std::move(start)};
    for (int64_t p = 0; p < k; ++p) {
      VT_ASSIGN_OR_RETURN(TensorMap next, TrainStep(job, states.back()));
      states.push_back(std::move(next));
    }
    for (const auto& r : s.ranges) {
      TensorMap moved = states[r.from];
      for (int64_t step = 0; step < r.size(); ++step) {
        VT_ASSIGN_OR_RETURN(moved, PerturbedStep(job, moved, threshold, kProbeSeed));
      }
      VT_ASSIGN_OR_RETURN(nlohmann::json d, Distances(s.task, moved, states[r.to]));
      for (const auto& m : s.task.metrics) {
        probe[r.size()][m] = std::max(probe[r.size()][m], d[m].get<double>());
      }
    }
    start = std::move(states.back());
  }
  for (auto& [steps, by_metric] : out->delta_by_steps) {
    for (auto& [m, delta] : by_metric) {
      auto it = probe.find(steps);
      if (it != probe.end()) delta = std::max(delta, it->second[m]);
    }
  }
  MakeMonotone(&out->delta_by_steps);
  return probe;
}

// Per length and metric: what the honest samples reached, the honest δ,
// what the probe reached, the δ set; per metric, the whole intervals'
// honest distribution.
void Summarise(const Sampling& s, const DeltaTable& honest, const DeltaTable& probe,
               Calibration* out) {
  const int64_t k = s.task.interval;
  DeltaTable max_by_length;
  std::map<int64_t, int64_t> count_by_length;
  for (const auto& r : out->ranges) {
    ++count_by_length[r.steps()];
    for (const auto& m : s.task.metrics) {
      max_by_length[r.steps()][m] =
          std::max(max_by_length[r.steps()][m], r.distances[m].get<double>());
    }
  }
  for (const auto& [steps, by_metric] : out->delta_by_steps) {
    nlohmann::json entry = {{"samples", count_by_length[steps]}};
    for (const auto& [m, delta] : by_metric) {
      entry[m] = {{"max", max_by_length[steps][m]},
                  {"honest_delta", honest.at(steps).at(m)},
                  {"delta", delta}};
      auto at = probe.find(steps);
      if (at != probe.end()) entry[m]["probe"] = at->second.count(m) > 0 ? at->second.at(m) : 0.0;
    }
    out->lengths[std::to_string(steps)] = entry;
  }
  for (const auto& m : s.task.metrics) {
    std::map<size_t, std::vector<double>> by_profile;
    for (const auto& r : out->ranges) {
      if (r.steps() == k) by_profile[r.profile].push_back(r.distances[m].get<double>());
    }
    out->metrics_summary[m] = Summary(by_profile, s.settings.quantile, out->delta.at(m));
  }
}

// The false-positive rate of an interval check, leaving one seed out.
void EstimateFalsePositives(const Sampling& s, const DeltaTable& probe, Calibration* out) {
  const int64_t k = s.task.interval;
  int64_t events = 0, trials = 0;
  // The profiles whose samples stand for a verifier's check.
  std::set<size_t> judged;
  for (size_t i = 0; i < s.settings.profiles.size(); ++i) {
    const auto& verifiers = s.task.verifiers;
    if (std::find(verifiers.begin(), verifiers.end(), s.settings.profiles[i]) != verifiers.end()) {
      judged.insert(i);
    }
  }
  std::set<uint64_t> all_seeds;
  for (const auto& r : out->ranges) all_seeds.insert(r.seed);
  if (all_seeds.size() >= 2) {
    for (uint64_t seed : all_seeds) {
      auto others = HonestDeltas(out->ranges, s.task.metrics, s.settings, &seed);
      MakeMonotone(&others);
      auto at_k = others.find(k);
      if (at_k == others.end()) continue;
      // The same procedure as δ itself: the honest quantile, raised to the
      // probe's distance when the node thresholds move the state further.
      std::map<std::string, double> delta = at_k->second;
      auto moved = probe.find(k);
      if (moved != probe.end()) {
        for (auto& [m, d] : delta) {
          auto at = moved->second.find(m);
          d = std::max(d, at == moved->second.end() ? 0.0 : at->second);
        }
      }
      for (const auto& r : out->ranges) {
        if (r.seed != seed || r.steps() != k) continue;
        if (!judged.empty() && judged.count(r.profile) == 0) continue;
        ++trials;
        if (Exceeds(r.distances, delta)) ++events;
      }
    }
  }
  out->false_positive_per_check = WilsonRate(events, trials);
  out->false_positive_per_task =
      AtLeastOneOf(out->false_positive_per_check, std::max<int64_t>(1, s.task.checks_per_task));
}

}  // namespace

Result<Calibration> Calibrate(const CalibrationTask& task, const CalibrationSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  if (settings.profiles.empty()) return Status::InvalidArgument("calibration: no profiles");
  if (settings.seeds.empty()) return Status::InvalidArgument("calibration: no seeds");
  if (task.interval < 1 || task.steps < task.interval || task.steps % task.interval != 0) {
    return Status::InvalidArgument("calibration: the interval must divide the steps");
  }
  const int64_t k = task.interval;
  const int64_t task_intervals = task.steps / k;
  Sampling s(task, settings);
  s.intervals = settings.intervals == 0 ? task_intervals : settings.intervals;
  if (s.intervals < 1 || s.intervals > task_intervals) {
    return Status::InvalidArgument("calibration: intervals must be between 1 and " +
                                   std::to_string(task_intervals));
  }
  s.ranges = DissectionRanges(k, std::max<int64_t>(2, task.arity));
  // Steps of an interval whose nodes are sampled: spread over it, the first
  // included.
  const int64_t per_interval = std::clamp<int64_t>(settings.node_steps, 0, k);
  for (int64_t i = 0; i < per_interval; ++i) s.node_steps.insert(i * k / per_interval);
  s.measure.reference = task.reference;
  Calibration out;
  out.settings = settings;
  out.settings.intervals = s.intervals;
  out.reference = task.solver;
  out.interval = k;
  out.metrics = task.metrics;

  // The first seed's job, kept for the consistency probe (building a job
  // can mean loading its dataset).
  std::unique_ptr<TrainingJob> first_job;
  for (uint64_t seed : settings.seeds) VT_RETURN_IF_ERROR(SampleSeed(s, seed, &out, &first_job));
  VT_RETURN_IF_ERROR(SampleFirstIntervals(s, &out));
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(task.solver));

  SetNodeThresholds(settings, &out);
  // δ by length from the honest samples, then raised by the probe.
  out.delta_by_steps = HonestDeltas(out.ranges, task.metrics, settings, nullptr);
  MakeMonotone(&out.delta_by_steps);
  const DeltaTable honest = out.delta_by_steps;
  VT_ASSIGN_OR_RETURN(DeltaTable probe, ProbeConsistency(s, *first_job, &out));
  out.delta = out.delta_by_steps.at(k);
  Summarise(s, honest, probe, &out);
  EstimateFalsePositives(s, probe, &out);
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

namespace {

// "<what>: recorded <a>, its samples give <b>" when a and b differ.
void Compare(const std::string& what, const nlohmann::json& recorded, double computed,
             std::vector<std::string>* out) {
  if (recorded.is_number() && recorded.get<double>() == computed) return;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", computed);
  out->push_back(what + ": recorded " + recorded.dump() + ", its samples give " + buf);
}

}  // namespace

std::vector<std::string> CalibrationRecordInconsistencies(const nlohmann::json& cal) {
  std::vector<std::string> out;
  auto malformed = [&](const std::string& what) {
    out.push_back("not a calibration record: " + what);
    return out;
  };
  if (!cal.is_object()) return malformed("not an object");
  // A record of no samples (not one Calibrate writes: it has a seed and a
  // profile at least) gives no figure; it must not claim any samples.
  const nlohmann::json samples = cal.value("samples", nlohmann::json::array());
  if (!samples.is_array()) return malformed("samples is not a list");
  if (samples.empty()) {
    const nlohmann::json summary = cal.value("honest", nlohmann::json::object());
    if (!summary.is_object()) return malformed("honest is not an object");
    for (const auto& [m, figures] : summary.items()) {
      const nlohmann::json n =
          figures.is_object() ? figures.value("samples", nlohmann::json()) : nlohmann::json();
      if (n.is_number() && n.get<double>() != 0) Compare("honest/" + m + "/samples", n, 0, &out);
    }
    return out;
  }
  CalibrationSettings settings;
  for (const char* f : {"quantile", "margin", "floor", "node_quantile", "node_margin"}) {
    if (!cal.contains(f) || !cal[f].is_number()) return malformed(std::string("no number ") + f);
  }
  settings.quantile = cal["quantile"].get<double>();
  settings.margin = cal["margin"].get<double>();
  settings.floor = cal["floor"].get<double>();
  settings.node_quantile = cal["node_quantile"].get<double>();
  settings.node_margin = cal["node_margin"].get<double>();
  if (settings.quantile < 0 || settings.quantile > 1 || settings.node_quantile < 0 ||
      settings.node_quantile > 1) {
    return malformed("a quantile outside [0, 1]");
  }
  if (!cal.contains("interval_steps") || !cal["interval_steps"].is_number_integer()) {
    return malformed("no integer interval_steps");
  }
  const int64_t k = cal["interval_steps"].get<int64_t>();
  const nlohmann::json honest_summary = cal.value("honest", nlohmann::json::object());
  const nlohmann::json lengths = cal.value("lengths", nlohmann::json::object());
  const nlohmann::json by_steps = cal.value("delta_by_steps", nlohmann::json::object());
  const nlohmann::json tolerances = cal.value("node_tolerances", nlohmann::json::object());
  if (!honest_summary.is_object() || !lengths.is_object() || !by_steps.is_object() ||
      !tolerances.is_object()) {
    return malformed("honest, lengths, delta_by_steps or node_tolerances is not an object");
  }
  std::vector<std::string> metrics;
  for (const auto& [m, unused] : honest_summary.items()) metrics.push_back(m);
  // The range samples.
  std::vector<RangeSample> ranges;
  for (size_t i = 0; i < samples.size(); ++i) {
    const nlohmann::json& j = samples[i];
    const std::string at = "samples/" + std::to_string(i);
    if (!j.is_object() || !j.contains("seed") || !j["seed"].is_number_unsigned() ||
        !j.contains("profile") || !j["profile"].is_number_unsigned() || !j.contains("from") ||
        !j["from"].is_number_integer() || !j.contains("to") || !j["to"].is_number_integer() ||
        !j.contains("distances") || !j["distances"].is_object()) {
      return malformed(at + " is not a range sample");
    }
    for (const std::string& m : metrics) {
      if (!j["distances"].contains(m) || !j["distances"][m].is_number()) {
        return malformed(at + " has no distance for " + m);
      }
    }
    RangeSample r;
    r.seed = j["seed"].get<uint64_t>();
    r.profile = j["profile"].get<size_t>();
    r.from = j["from"].get<int64_t>();
    r.to = j["to"].get<int64_t>();
    r.distances = j["distances"];
    if (r.to <= r.from) return malformed(at + " has no steps");
    ranges.push_back(std::move(r));
  }
  // Per length: the largest sample and the honest δ.
  DeltaTable honest = HonestDeltas(ranges, metrics, settings, nullptr);
  MakeMonotone(&honest);
  std::map<int64_t, std::map<std::string, double>> largest;
  for (const auto& r : ranges) {
    for (const std::string& m : metrics) {
      double& x = largest[r.steps()][m];
      x = std::max(x, r.distances[m].get<double>());
    }
  }
  DeltaTable delta = honest;
  for (auto& [steps, by_metric] : delta) {
    const std::string key = std::to_string(steps);
    const nlohmann::json entry = lengths.value(key, nlohmann::json::object());
    for (auto& [m, d] : by_metric) {
      const nlohmann::json figures =
          entry.is_object() ? entry.value(m, nlohmann::json::object()) : nlohmann::json();
      const std::string at = "lengths/" + key + "/" + m;
      if (!figures.is_object()) {
        out.push_back(at + ": missing, though the samples have ranges of " + key + " steps");
        continue;
      }
      Compare(at + "/max", figures.value("max", nlohmann::json()), largest[steps][m], &out);
      Compare(at + "/honest_delta", figures.value("honest_delta", nlohmann::json()),
              honest[steps][m], &out);
      // The probe's distance is the one figure the samples do not give.
      const nlohmann::json probe = figures.value("probe", nlohmann::json());
      if (probe.is_number()) d = std::max(d, probe.get<double>());
    }
  }
  MakeMonotone(&delta);
  for (const auto& [steps, by_metric] : delta) {
    const std::string key = std::to_string(steps);
    for (const auto& [m, d] : by_metric) {
      const nlohmann::json recorded =
          by_steps.contains(key) && by_steps[key].is_object() ? by_steps[key].value(m, nlohmann::json())
                                                             : nlohmann::json();
      Compare("delta_by_steps/" + key + "/" + m, recorded, d, &out);
    }
  }
  std::set<std::string> lengths_sampled;
  for (const auto& [steps, unused] : delta) lengths_sampled.insert(std::to_string(steps));
  for (const auto& [key, unused] : by_steps.items()) {
    if (lengths_sampled.count(key) == 0) {
      out.push_back("delta_by_steps/" + key + ": no sample has ranges of " + key + " steps");
    }
  }
  // Per node: its threshold.
  std::map<std::string, std::vector<double>> deviations;
  const nlohmann::json node_samples = cal.value("node_samples", nlohmann::json::array());
  if (!node_samples.is_array()) return malformed("node_samples is not a list");
  for (size_t i = 0; i < node_samples.size(); ++i) {
    const nlohmann::json& j = node_samples[i];
    if (!j.is_object() || !j.contains("node") || !j["node"].is_string() ||
        !j.contains("deviation") || !j["deviation"].is_number()) {
      return malformed("node_samples/" + std::to_string(i) + " is not a node sample");
    }
    deviations[j["node"].get<std::string>()].push_back(j["deviation"].get<double>());
  }
  for (const auto& [node, tau] : tolerances.items()) {
    auto it = deviations.find(node);
    const double computed = it == deviations.end()
                                ? 0.0
                                : Quantile(it->second, settings.node_quantile) * settings.node_margin;
    Compare("node_tolerances/" + node, tau, computed, &out);
  }
  for (const auto& [node, unused] : deviations) {
    if (!tolerances.contains(node)) {
      out.push_back("node_tolerances/" + node + ": missing, though node_samples have it");
    }
  }
  // Per metric: the whole intervals' summary.
  for (const std::string& m : metrics) {
    std::map<size_t, std::vector<double>> by_profile;
    for (const auto& r : ranges) {
      if (r.steps() == k) by_profile[r.profile].push_back(r.distances[m].get<double>());
    }
    const nlohmann::json recorded = honest_summary[m];
    const double d = delta.count(k) && delta.at(k).count(m) ? delta.at(k).at(m) : 0.0;
    const nlohmann::json computed = Summary(by_profile, settings.quantile, d);
    for (const auto& [field, value] : computed.items()) {
      const nlohmann::json r = recorded.is_object() ? recorded.value(field, nlohmann::json())
                                                    : nlohmann::json();
      Compare("honest/" + m + "/" + field, r, value.get<double>(), &out);
    }
  }
  return out;
}

}  // namespace veritrain
