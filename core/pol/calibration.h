// Threshold calibration: the profiling stage of the protocol (design stage
// 2). How far does an honest re-execution land from the solver's committed
// states when the verifier computes under another hardware profile — after
// one step, after each sub-range a dispute can compare, after a whole
// interval — and how far does an honest evaluation of one node land from the
// solver's output of it?
//
// For each seed (the seed of a task: initial weights and data order derive
// from it exactly as for a run) the solver's profile trains the task
// honestly; under each listed profile (applied to this process with
// ApplyHardwareProfile, which at::set_num_threads makes possible between
// runs), every range a dissection of an interval can compare
// (DissectionRanges: the whole interval, its sub-ranges at every level, the
// single steps) is re-executed from the solver's state at its start, cast
// to the profile's dtype, and its end compared with the solver's state
// there: one sample per (seed, profile, interval, range), every interval
// position included — the first interval's error is heavy-tailed (Adam's
// first steps divide by a second moment that is still near zero), so
// `first_interval_seeds` more seeds sample the first interval alone. And at
// sampled steps of every interval, every node is evaluated under the
// profile's thread count from the solver's recorded inputs, in the solver's
// precision, and compared with the solver's output
// (core/train/node_compare.h): one sample per (seed, profile, step, node).
//
// Thresholds, per metric and length m, and per node:
//   δ(m) = max(quantile of the samples of length m × margin, floor), the
//          quantile taken per profile and the largest kept (every profile
//          a verifier may run must be covered; the solver's own profile
//          adds only zeros), made non-decreasing in m;
//   τ(node) = node_quantile of its samples × node_margin (0 when every
//          honest evaluation was bit-exact).
// Consistency: a solver that keeps every node within its threshold must
// pass verification, or an honest challenger would dispute it and lose the
// game. So the solver's trace is perturbed — every node of every step by
// its threshold, in the direction of a fixed random sign per element —
// over every range of every sampled interval of the first seed (a later
// interval can amplify the thresholds more than the first), and δ(m) is
// raised to at least the distance that moves the state (recorded with the
// honest value, in `consistency`).
//
// Error rate: each seed's interval samples are judged against the δ(k)
// calibrated from the other seeds (leave one seed out), which estimates
// the rate of honest intervals outside δ without the optimism of judging
// the samples δ was taken from; reported per interval check and per task
// (`checks_per_task` intervals), with 95 % Wilson intervals
// (core/pol/error_rate.h).
//
// Thread-safety: Calibrate changes process-wide LibTorch settings (threads,
// default dtype); call it from one thread with no training running. It
// leaves the solver's profile applied.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/pol/error_rate.h"
#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "core/util/status.h"
#include "core/wire/messages/verification_policy.h"

namespace veritrain {

// What the calibration needs of the task.
struct CalibrationTask {
  // The task's job for a seed, computing in `dtype` ("float32" |
  // "float64").
  std::function<Result<std::unique_ptr<TrainingJob>>(uint64_t seed, const std::string& dtype)>
      make_job;
  HardwareProfile solver;  // trains the honest trace
  int64_t steps = 0;       // T
  int64_t interval = 0;    // k; divides T
  int64_t arity = 2;       // the challenge game's dissection arity
  std::vector<std::string> metrics = {"l2"};  // the metrics δ is set for
  std::map<std::string, double> reference;    // normalisers, as in the policy
  // Interval checks of a task that can fail independently, at most: an
  // interval once per verifier profile (scenarios/calibrate/calibrate.cc);
  // the per-task rate compounds the per-check one over them.
  int64_t checks_per_task = 1;
  // The verifiers' profiles: the false-positive rate is judged on the
  // samples of the calibration profiles a verifier computes in (a profile
  // no verifier has, the solver's own say, re-executes bit-identically and
  // would dilute it); on every profile's when none is listed there.
  std::vector<HardwareProfile> verifiers;
};

struct CalibrationSettings {
  std::vector<HardwareProfile> profiles;  // reproduce under each
  std::vector<uint64_t> seeds = {1, 2};
  int64_t intervals = 0;  // per seed, from the first; 0 = every interval
  double quantile = 0.999;
  double margin = 2.0;
  double floor = 1e-12;
  double node_quantile = 1.0;
  double node_margin = 4.0;
  int64_t node_steps = 2;  // steps per interval whose nodes are sampled
  // Seeds beyond `seeds` whose first interval only is re-executed, whole:
  // the first interval's honest error is heavy-tailed (a rare parameter
  // lands in Adam's eps regime), and a tail a few seeds cannot show sets
  // the false-positive rate.
  int64_t first_interval_seeds = 64;
};

struct RangeSample {
  uint64_t seed = 0;
  size_t profile = 0;    // index into CalibrationSettings::profiles
  int64_t interval = 0;  // 0-based
  int64_t from = 0;      // relative to the interval's first step
  int64_t to = 0;
  nlohmann::json distances;  // every metric, normalised
  int64_t steps() const { return to - from; }
};

struct NodeSample {
  uint64_t seed = 0;
  size_t profile = 0;
  int64_t step = 0;  // global step
  int64_t node = 0;  // graph node index
  double deviation = 0;
};

struct Calibration {
  CalibrationSettings settings;
  HardwareProfile reference;  // the solver's profile, which trained
  int64_t interval = 0;       // k
  std::vector<std::string> metrics;
  std::vector<std::string> node_names;  // graph nodes, in order
  std::vector<std::string> node_kinds;
  std::vector<RangeSample> ranges;
  std::vector<NodeSample> nodes;
  // The thresholds (after the consistency raise): δ by length and metric,
  // δ of a whole interval, τ by node name.
  std::map<int64_t, std::map<std::string, double>> delta_by_steps;
  std::map<std::string, double> delta;
  std::map<std::string, double> node_tolerances;
  // Per metric: the honest distribution of whole intervals and δ(k);
  // {"samples", "min", "median", "quantile_value", "max", "delta"}.
  nlohmann::json metrics_summary = nlohmann::json::object();
  // Per length: {"<m>": {"samples", metric: {"max", "honest_delta",
  // "probe", "delta"}}}.
  nlohmann::json lengths = nlohmann::json::object();
  // Per node kind: {"nodes", "exact", "max_deviation", "max_tolerance"}.
  nlohmann::json node_kinds_summary = nlohmann::json::object();
  RateEstimate false_positive_per_check;
  RateEstimate false_positive_per_task;
  double seconds = 0;

  // calibration.json: everything, samples included.
  nlohmann::json ToJson() const;
  // calibration.csv: one row per range sample and metric:
  // seed,profile,threads,dtype,interval,from,to,steps,metric,distance,delta
  std::string ToCsv() const;
  // calibration_nodes.csv: one row per node sample:
  // seed,profile,threads,step,node,kind,deviation,tolerance
  std::string NodesCsv() const;
  // What the task records (no samples): settings, reference profile, the
  // honest distributions, the thresholds' summary, the consistency check
  // and the predicted false-positive rates.
  nlohmann::json Record() const;
  // Sets the policy's thresholds (δ, δ by length for its metrics, τ by
  // node) and its calibration record.
  void ApplyTo(VerificationPolicy* policy) const;
};

// Runs the calibration. Errors name what failed (a job that cannot be
// built, a profile that cannot be applied, a step that fails).
// REQUIRES: task.interval >= 1 divides task.steps; settings.profiles and
// settings.seeds not empty; settings.intervals <= steps / interval.
Result<Calibration> Calibrate(const CalibrationTask& task, const CalibrationSettings& settings);

// The q-quantile of `values` (linear interpolation between order
// statistics, numpy's default). REQUIRES: values not empty, 0 <= q <= 1.
double Quantile(std::vector<double> values, double q);

// A calibration.json (Calibration::ToJson) checked against its own samples:
// the figures that follow from the samples and the settings alone are
// recomputed as Calibrate computes them — per length and metric the
// largest sample and the honest δ; δ by length (the honest δ raised to the
// recorded probe, non-decreasing in the length); each node's threshold;
// per metric the whole intervals' summary. (The probe and the
// false-positive rates need the job re-executed: not here.) One line per
// figure that differs, naming it and both values; one line naming what is
// missing or malformed in a document that is not such a record; empty when
// everything agrees. Samples edited (and the figures left) or figures
// edited (and the samples left) both show.
std::vector<std::string> CalibrationRecordInconsistencies(const nlohmann::json& calibration);

}  // namespace veritrain
