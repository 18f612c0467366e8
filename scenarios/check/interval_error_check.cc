#include "scenarios/check/interval_error_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <utility>

#include "core/pol/check_interval.h"
#include "core/train/torch_bridge.h"
#include "scenarios/runner/run.h"

namespace veritrain {
namespace {

std::string ErrorText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", v);
  return buf;
}

// A distance as DistanceCheck::distances holds it: a number, or "inf"
// (non-finite values placed differently in the two states).
double DistanceValue(const nlohmann::json& d) {
  if (d.is_number()) return d.get<double>();
  return std::numeric_limits<double>::infinity();
}

// "interval 3 (steps 15 to 20)"; "intervals 3..9 (steps 15 to 50)".
std::string IntervalsText(int64_t first, int64_t last, int64_t k) {
  const std::string steps =
      " (steps " + std::to_string(first * k) + " to " + std::to_string((last + 1) * k) + ")";
  if (first == last) return "interval " + std::to_string(first) + steps;
  return "intervals " + std::to_string(first) + ".." + std::to_string(last) + steps;
}

// "1, 4..7, 9": ascending interval numbers in runs.
std::string IntervalRuns(const std::vector<int64_t>& v) {
  std::string out;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(v[i]) +
           (j > i ? ".." + std::to_string(v[j]) : "");
    i = j + 1;
  }
  return out;
}

std::string ProfileText(const HardwareProfile& p) {
  return "dtype=" + p.dtype + ", threads=" + std::to_string(p.threads);
}

// A verifier profile other than the solver's, with the job in its dtype.
struct Reexecutor {
  const ParticipantSpec* verifier = nullptr;  // the first with this profile
  HardwareProfile profile;
  std::unique_ptr<TrainingJob> job;
};

// What one profile's re-executions gave for one metric.
struct MetricRecord {
  double largest = -1;  // the largest distance (+inf for non-finite), and where
  int64_t largest_at = 0;
  double delta = 0;
  std::vector<int64_t> over;  // the intervals beyond δ
};

}  // namespace

Result<IntervalErrorCheck> CheckIntervalErrors(const Scenario& scenario,
                                               const TrainingJob& solver_job,
                                               const HardwareProfile& solver,
                                               const nlohmann::json& job_json,
                                               const TensorMap& start,
                                               const TensorMap& first_end,
                                               const IntervalErrorBudget& budget) {
  IntervalErrorCheck out;
  // Once per distinct profile; its precision decides the job's.
  std::vector<Reexecutor> reexecutors;
  std::set<std::tuple<int, bool, std::string>> seen = {
      {solver.threads, solver.deterministic, solver.dtype}};
  for (const ParticipantSpec* v : scenario.verifiers()) {
    VT_ASSIGN_OR_RETURN(HardwareProfile p, HardwareProfile::FromJson(v->profile.ToJson()));
    if (!seen.insert({p.threads, p.deterministic, p.dtype}).second) continue;
    nlohmann::json v_job_json = job_json;
    v_job_json["dtype"] = p.dtype;
    VT_ASSIGN_OR_RETURN(JobConfig v_config, JobConfig::FromJson(v_job_json));
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(p));
    VT_ASSIGN_OR_RETURN(auto v_job, MakeJob(v_config));
    reexecutors.push_back({v, p, std::move(v_job)});
  }
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(solver));
  // Every verifier computes as the solver does: nothing to measure.
  if (reexecutors.empty()) return out;

  const int64_t k = scenario.protocol.checkpoint_interval;
  const int64_t intervals = std::max<int64_t>(1, solver_job.config().steps / k);
  const TaskSpec task = TaskSpecForScenario(scenario);
  // Steps (and FLOPs) to measure one more interval: train it, then
  // re-execute it under each profile.
  const int64_t steps_each = k * static_cast<int64_t>(1 + reexecutors.size());
  const double flops_each = static_cast<double>(steps_each) * solver_job.StepFlops();
  int64_t steps_spent = 0;
  double flops_spent = 0;
  // The intervals the budget reaches (as the loop below spends it), and
  // the starts kept among them.
  int64_t reached = intervals;
  if (intervals > 1) {
    const double by_steps = static_cast<double>(budget.max_steps / steps_each);
    const double by_flops = flops_each > 0 ? std::floor(budget.max_flops / flops_each)
                                           : static_cast<double>(intervals);
    reached = 1 + static_cast<int64_t>(
                      std::min({by_steps, by_flops, static_cast<double>(intervals - 1)}));
  }
  std::set<int64_t> kept_starts;
  for (int64_t j = 1; j <= IntervalErrorCheck::kSampledStarts; ++j) {
    const int64_t i = reached * j / IntervalErrorCheck::kSampledStarts;
    if (i > 0) kept_starts.insert(std::min(i, reached - 1));
  }

  std::map<std::pair<size_t, std::string>, MetricRecord> records;
  TensorMap interval_start = start;
  TensorMap interval_end = first_end;
  int64_t measured = 0;
  for (int64_t i = 0; i < intervals; ++i) {
    if (i > 0) {
      if (steps_spent + steps_each > budget.max_steps ||
          flops_spent + flops_each > budget.max_flops) {
        break;
      }
      steps_spent += steps_each;
      flops_spent += flops_each;
      // The solver's honest trace goes on from its last checkpoint.
      interval_start = std::move(interval_end);
      if (kept_starts.count(i)) out.sampled_starts.emplace_back(i * k, interval_start);
      TensorMap state = interval_start;
      for (int64_t s = 0; s < k; ++s) {
        VT_ASSIGN_OR_RETURN(state, TrainStep(solver_job, state));
      }
      interval_end = std::move(state);
    }
    const State committed_end = ToState(interval_end);
    for (size_t r = 0; r < reexecutors.size(); ++r) {
      VT_RETURN_IF_ERROR(ApplyHardwareProfile(reexecutors[r].profile));
      ClaimedEnd end;
      end.tensors = &committed_end;
      VT_ASSIGN_OR_RETURN(IntervalCheck c,
                          CheckInterval(*reexecutors[r].job, task.verification,
                                        IntervalMode::kTolerance, interval_start, end,
                                        IntervalSpan{i * k, k}));
      if (!c.distances) continue;
      for (const std::string& metric : scenario.protocol.metrics) {
        if (!c.distances->distances.contains(metric)) continue;
        const double d = DistanceValue(c.distances->distances[metric]);
        MetricRecord& rec = records[{r, metric}];
        const double ranked = std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
        if (ranked > rec.largest) {
          rec.largest = ranked;
          rec.largest_at = i;
        }
        rec.delta = c.distances->delta.value(metric, 0.0);
      }
      if (c.finding != IntervalFinding::kOutsideDelta) continue;
      for (const auto& m : c.distances->exceeded) {
        records[{r, m.get<std::string>()}].over.push_back(i);
      }
    }
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(solver));
    ++measured;
  }

  nlohmann::json largest = nlohmann::json::object();
  for (const auto& [key, rec] : records) {
    const Reexecutor& re = reexecutors[key.first];
    const std::string& metric = key.second;
    largest[re.verifier->name][metric] = {{"distance", rec.largest}, {"interval", rec.largest_at}};
    if (rec.over.empty()) continue;
    const std::string where = IntervalsText(rec.largest_at, rec.largest_at, k);
    std::string line = "/protocol/delta: " + metric + " " + ErrorText(rec.delta) +
                       " is below the honest error of " + where +
                       " between the solver's profile (" + ProfileText(solver) + ") and " +
                       re.verifier->name + "'s (" + ProfileText(re.profile) + "): " + metric + " " +
                       ErrorText(rec.largest);
    if (rec.over.size() > 1 || rec.over.front() != rec.largest_at) {
      line += ", the largest of the " + std::to_string(rec.over.size()) +
              " intervals over it (" + IntervalRuns(rec.over) + " of 0.." +
              std::to_string(intervals - 1) + ")";
    }
    line += ". " + re.verifier->name +
            " would challenge an honest solver there and lose its challenge stake. ";
    if (std::isfinite(rec.largest)) {
      line += "Raise delta " + metric + " above " + ErrorText(rec.largest) +
              ", or calibrate the thresholds (protocol.calibration)";
    } else {
      line += "No delta covers it: the two profiles' states hold non-finite values in "
              "different places (the training diverges). Make the training converge, or give "
              "every verifier the solver's profile";
    }
    out.errors.push_back(line);
  }

  out.measured = {{"intervals", intervals}, {"intervals_measured", measured},
                  {"largest", largest}};
  if (measured < intervals) {
    out.warnings.push_back(
        "/protocol/delta: the honest error of " + IntervalsText(measured, intervals - 1, k) +
        " of the task's " + std::to_string(intervals) +
        " was not measured against delta, only of " + IntervalsText(0, measured - 1, k) +
        ": each further interval trains " + std::to_string(k) + " steps and re-executes them " +
        "under " + std::to_string(reexecutors.size()) + " other verifier profile(s) (" +
        ErrorText(flops_each) + " FLOPs), and check measures at most " +
        std::to_string(budget.max_steps) + " steps and " + ErrorText(budget.max_flops) +
        " FLOPs beyond the first interval. check does not vouch for delta there: an honest "
        "verifier's error can grow from interval to interval (a training that diverges), "
        "exceed delta and cost it its challenge stake. Calibrate the thresholds "
        "(protocol.calibration, which re-executes every interval), or give every verifier the "
        "solver's profile");
  }
  return out;
}

}  // namespace veritrain
