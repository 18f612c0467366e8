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

// Whose δ the lines judge: the scenario's, a calibration's, or none (only
// an error no δ covers, a non-finite one, is named).
enum class DeltaSource { kHandSet, kCalibrated, kAny };

Result<IntervalErrorCheck> MeasureIntervalErrors(const Scenario& scenario,
                                                 const TrainingJob& solver_job,
                                                 const HardwareProfile& solver,
                                                 const nlohmann::json& job_json,
                                                 const TensorMap& start,
                                                 const TensorMap& first_end,
                                                 const IntervalErrorBudget& budget,
                                                 const VerificationPolicy* calibrated,
                                                 DeltaSource source) {
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
  // Each task trains from its own seeds (initial weights, data order), and
  // an honest error can be far larger under another seed than under the
  // first task's: every task of the run is measured, interval by interval
  // across the tasks (all first intervals, then all second ones, ...), as
  // far as the budget goes.
  const int64_t tasks = std::max<int64_t>(1, scenario.tasks);
  const TaskSpec task = TaskSpecForScenario(scenario);
  const VerificationPolicy& policy = calibrated ? *calibrated : task.verification;
  // Steps (and FLOPs) to measure one more interval: train it, then
  // re-execute it under each profile.
  const int64_t steps_each = k * static_cast<int64_t>(1 + reexecutors.size());
  const double flops_each = static_cast<double>(steps_each) * solver_job.StepFlops();
  int64_t steps_spent = 0;
  double flops_spent = 0;
  // The intervals of task 0 the budget reaches when it goes to no other
  // task, and the starts kept among them (sampled_starts).
  int64_t reached = intervals;
  if (intervals > 1) {
    const int64_t affordable_steps = budget.max_steps / steps_each;
    const double affordable_flops = flops_each > 0 ? std::floor(budget.max_flops / flops_each)
                                                   : static_cast<double>(intervals);
    const int64_t extra = std::min<int64_t>(
        {affordable_steps, static_cast<int64_t>(std::min(affordable_flops, 1e15)),
         intervals * tasks - 1});
    // Breadth first: task 0's interval i comes after i rounds of every task.
    reached = std::min(intervals, 1 + extra / tasks);
  }
  std::set<int64_t> kept_starts;
  for (int64_t j = 1; j <= IntervalErrorCheck::kSampledStarts; ++j) {
    const int64_t i = reached * j / IntervalErrorCheck::kSampledStarts;
    if (i > 0) kept_starts.insert(std::min(i, reached - 1));
  }

  // One task's honest trace: its jobs (task 0's are the caller's and the
  // re-executors'), and where its solver's trace stands.
  struct TaskTrace {
    std::unique_ptr<TrainingJob> solver_job;               // null for task 0
    std::vector<std::unique_ptr<TrainingJob>> reexec_jobs;  // empty for task 0
    TensorMap start, end;
  };
  std::vector<TaskTrace> traces(static_cast<size_t>(tasks));
  traces[0].start = start;
  traces[0].end = first_end;
  auto solver_job_of = [&](int64_t t) -> const TrainingJob& {
    return t == 0 ? solver_job : *traces[static_cast<size_t>(t)].solver_job;
  };
  auto reexec_job_of = [&](int64_t t, size_t r) -> const TrainingJob& {
    return t == 0 ? *reexecutors[r].job : *traces[static_cast<size_t>(t)].reexec_jobs[r];
  };

  // Keyed by (re-executor, metric); an interval is (task, interval).
  struct Worst {
    double largest = -1;
    int64_t task = 0, interval = 0;
    double delta = 0;
    std::vector<std::pair<int64_t, int64_t>> over;
  };
  std::map<std::pair<size_t, std::string>, Worst> records;
  int64_t measured = 0;  // intervals, over every task
  std::vector<int64_t> measured_of(static_cast<size_t>(tasks), 0);
  bool out_of_budget = false;
  for (int64_t i = 0; i < intervals && !out_of_budget; ++i) {
    for (int64_t t = 0; t < tasks; ++t) {
      TaskTrace& trace = traces[static_cast<size_t>(t)];
      if (i > 0 || t > 0) {
        if (steps_spent + steps_each > budget.max_steps ||
            flops_spent + flops_each > budget.max_flops) {
          out_of_budget = true;
          break;
        }
        steps_spent += steps_each;
        flops_spent += flops_each;
      }
      if (t > 0 && i == 0) {
        // The task's jobs, with its seeds, and its initial state.
        nlohmann::json t_json = job_json;
        const nlohmann::json seeds = TaskSpecForScenario(scenario, t).job;
        t_json["init_seed"] = seeds.at("init_seed");
        t_json["data_seed"] = seeds.at("data_seed");
        for (size_t r = 0; r < reexecutors.size(); ++r) {
          nlohmann::json v_json = t_json;
          v_json["dtype"] = reexecutors[r].profile.dtype;
          VT_ASSIGN_OR_RETURN(JobConfig v_config, JobConfig::FromJson(v_json));
          VT_RETURN_IF_ERROR(ApplyHardwareProfile(reexecutors[r].profile));
          VT_ASSIGN_OR_RETURN(auto v_job, MakeJob(v_config));
          trace.reexec_jobs.push_back(std::move(v_job));
        }
        VT_RETURN_IF_ERROR(ApplyHardwareProfile(solver));
        VT_ASSIGN_OR_RETURN(JobConfig t_config, JobConfig::FromJson(t_json));
        VT_ASSIGN_OR_RETURN(trace.solver_job, MakeJob(t_config));
        trace.end = trace.solver_job->InitialState(t_config.init_seed);
      }
      if (i > 0 || t > 0) {
        // The solver's honest trace goes on from its last checkpoint.
        trace.start = std::move(trace.end);
        if (t == 0 && kept_starts.count(i)) out.sampled_starts.emplace_back(i * k, trace.start);
        TensorMap state = trace.start;
        for (int64_t st = 0; st < k; ++st) {
          VT_ASSIGN_OR_RETURN(state, TrainStep(solver_job_of(t), state));
        }
        trace.end = std::move(state);
      }
      const State committed_end = ToState(trace.end);
      for (size_t r = 0; r < reexecutors.size(); ++r) {
        VT_RETURN_IF_ERROR(ApplyHardwareProfile(reexecutors[r].profile));
        ClaimedEnd end;
        end.tensors = &committed_end;
        VT_ASSIGN_OR_RETURN(IntervalCheck c,
                            CheckInterval(reexec_job_of(t, r), policy,
                                          IntervalMode::kTolerance, trace.start, end,
                                          IntervalSpan{i * k, k}));
        if (!c.distances) continue;
        for (const std::string& metric : scenario.protocol.metrics) {
          if (!c.distances->distances.contains(metric)) continue;
          const double d = DistanceValue(c.distances->distances[metric]);
          Worst& rec = records[{r, metric}];
          const double ranked = std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
          if (ranked > rec.largest) {
            rec.largest = ranked;
            rec.task = t;
            rec.interval = i;
          }
          rec.delta = c.distances->delta.value(metric, 0.0);
        }
        if (c.finding != IntervalFinding::kOutsideDelta) continue;
        for (const auto& m : c.distances->exceeded) {
          records[{r, m.get<std::string>()}].over.emplace_back(t, i);
        }
      }
      VT_RETURN_IF_ERROR(ApplyHardwareProfile(solver));
      ++measured;
      ++measured_of[static_cast<size_t>(t)];
    }
  }

  // "task 3's interval 2 (steps 10 to 15)"; task 0's without its name in
  // a one-task run.
  auto where_text = [&](int64_t t, int64_t first, int64_t last) {
    return (tasks > 1 ? "task " + std::to_string(t) + "'s " : std::string()) +
           IntervalsText(first, last, k);
  };
  nlohmann::json largest = nlohmann::json::object();
  for (const auto& [key, rec] : records) {
    const Reexecutor& re = reexecutors[key.first];
    const std::string& metric = key.second;
    largest[re.verifier->name][metric] = {
        {"distance", rec.largest}, {"interval", rec.interval}, {"task", rec.task}};
    // No δ covers a non-finite error: two honest profiles' states hold
    // non-finite values in different places.
    const bool diverged = !std::isfinite(rec.largest);
    if (rec.over.empty() && !diverged) continue;
    if (source == DeltaSource::kAny && !diverged) continue;
    const std::string where = where_text(rec.task, rec.interval, rec.interval);
    const std::string field =
        source == DeltaSource::kHandSet ? "/protocol/delta: " : "/protocol/calibration: ";
    const std::string between = " between the solver's profile (" + ProfileText(solver) +
                                ") and " + re.verifier->name + "'s (" + ProfileText(re.profile) +
                                "): " + metric + " " + ErrorText(rec.largest);
    std::string line =
        diverged ? field + "the honest error of " + where + between +
                       ", and no delta covers it: the two profiles' states hold non-finite "
                       "values in different places (the training diverges)"
                 : field + (source == DeltaSource::kCalibrated ? "the calibrated delta " : "") +
                       metric + " " + ErrorText(rec.delta) + " is below the honest error of " +
                       where + between;
    std::set<int64_t> tasks_over;
    for (const auto& [t, i] : rec.over) tasks_over.insert(t);
    if (rec.over.size() > 1 || rec.over.front() != std::make_pair(rec.task, rec.interval)) {
      if (tasks == 1) {
        std::vector<int64_t> over_intervals;
        for (const auto& [t, i] : rec.over) over_intervals.push_back(i);
        line += ", the largest of the " + std::to_string(rec.over.size()) +
                " intervals over it (" + IntervalRuns(over_intervals) + " of 0.." +
                std::to_string(intervals - 1) + ")";
      } else {
        line += ", the largest of the " + std::to_string(rec.over.size()) +
                " intervals over it, in " + std::to_string(tasks_over.size()) + " of the " +
                std::to_string(tasks) + " tasks";
      }
    }
    line += ". " + re.verifier->name +
            " would challenge an honest solver there and lose its challenge stake. ";
    if (diverged) {
      line += "Make the training converge (under every seed), or give every verifier the "
              "solver's profile";
    } else if (source == DeltaSource::kCalibrated) {
      line += "The calibration did not cover this task's honest error (its seeds are "
              "not the task's): add seeds (protocol.calibration.seeds), raise its margin "
              "or quantile, or make the training converge under every seed";
    } else {
      line += "Raise delta " + metric + " above " + ErrorText(rec.largest) +
              " with a margin (the honest error varies with the seeds: tasks and sweep "
              "repetitions not measured here can land higher), or calibrate the thresholds "
              "(protocol.calibration)";
    }
    if (diverged) out.non_finite.push_back(line);
    out.errors.push_back(line);
  }

  out.measured = {{"intervals", intervals},
                  {"intervals_measured", measured_of[0]},
                  {"tasks", tasks},
                  {"task_intervals_measured", measured},
                  {"largest", largest}};
  // A calibration trains every interval of its own seeds: what the budget
  // leaves out of the run's tasks is not warned about on its account. But
  // where the run's own tasks already exceed the calibrated δ, the
  // intervals left out may too: the lines say how much was measured.
  if (measured < intervals * tasks && source != DeltaSource::kHandSet) {
    for (std::string& line : out.errors) {
      line += " (within check's budget, " + std::to_string(measured) + " of the " +
              std::to_string(intervals * tasks) +
              " intervals of the run's tasks were re-executed: the others may exceed it too)";
    }
  }
  if (measured < intervals * tasks && source == DeltaSource::kHandSet) {
    std::string what;
    if (tasks == 1) {
      what = "the honest error of " + IntervalsText(measured, intervals - 1, k) +
             " of the task's " + std::to_string(intervals) +
             " was not measured against delta, only of " + IntervalsText(0, measured - 1, k);
    } else {
      // Breadth first: whole rounds of every task, then part of one.
      const int64_t full = measured / tasks;
      const int64_t part = measured % tasks;
      std::string done;
      if (full > 0) done = IntervalsText(0, full - 1, k) + " of every task";
      if (part > 0) {
        done += (done.empty() ? "" : ", and ") + std::string("interval ") +
                std::to_string(full) + " of tasks 0.." + std::to_string(part - 1);
      }
      what = "the honest error of " + std::to_string(intervals * tasks - measured) + " of the " +
             std::to_string(intervals * tasks) + " intervals of the run's " +
             std::to_string(tasks) + " tasks was not measured against delta, only of " + done;
    }
    out.warnings.push_back(
        "/protocol/delta: " + what + ": each further interval trains " + std::to_string(k) +
        " steps and re-executes them under " + std::to_string(reexecutors.size()) +
        " other verifier profile(s) (" + ErrorText(flops_each) +
        " FLOPs), and check measures at most " + std::to_string(budget.max_steps) +
        " steps and " + ErrorText(budget.max_flops) +
        " FLOPs beyond the first interval. check does not vouch for delta there: an honest "
        "verifier's error can grow from interval to interval (a training that diverges) and "
        "vary from seed to seed, exceed delta and cost it its challenge stake. Calibrate the "
        "thresholds (protocol.calibration, which re-executes every interval), or give every "
        "verifier the solver's profile");
  }
  return out;
}

}  // namespace

Result<IntervalErrorCheck> CheckIntervalErrors(const Scenario& scenario,
                                               const TrainingJob& solver_job,
                                               const HardwareProfile& solver,
                                               const nlohmann::json& job_json,
                                               const TensorMap& start,
                                               const TensorMap& first_end,
                                               const IntervalErrorBudget& budget,
                                               const VerificationPolicy* calibrated) {
  return MeasureIntervalErrors(
      scenario, solver_job, solver, job_json, start, first_end, budget, calibrated,
      calibrated != nullptr ? DeltaSource::kCalibrated : DeltaSource::kHandSet);
}

Result<IntervalErrorCheck> DivergenceCheck(const Scenario& scenario,
                                           const TrainingJob& solver_job,
                                           const HardwareProfile& solver,
                                           const nlohmann::json& job_json,
                                           const TensorMap& start, const TensorMap& first_end,
                                           const IntervalErrorBudget& budget) {
  // The largest finite δ: only a non-finite error lands beyond it.
  VerificationPolicy any = TaskSpecForScenario(scenario).verification;
  for (const std::string& m : scenario.protocol.metrics) {
    any.delta[m] = std::numeric_limits<double>::max();
  }
  return MeasureIntervalErrors(scenario, solver_job, solver, job_json, start, first_end, budget,
                               &any, DeltaSource::kAny);
}

namespace {

// The check of the run's own tasks under `calibrated`, or under the
// scenario's own δ when it is null: trains the first interval, then
// CheckIntervalErrors. Nothing to measure (and nothing trained) when every
// verifier computes as the solver does.
Result<IntervalErrorCheck> OwnTasksDeltaCheck(const Scenario& scenario,
                                              const VerificationPolicy* calibrated,
                                              const IntervalErrorBudget& budget) {
  if (scenario.protocol.mode != "tolerance" || scenario.solvers().empty() || scenario.market) {
    return IntervalErrorCheck();
  }
  VT_ASSIGN_OR_RETURN(HardwareProfile solver,
                      HardwareProfile::FromJson(scenario.solvers()[0]->profile.ToJson()));
  bool differs = false;
  for (const ParticipantSpec* v : scenario.verifiers()) {
    VT_ASSIGN_OR_RETURN(HardwareProfile p, HardwareProfile::FromJson(v->profile.ToJson()));
    differs = differs || p.threads != solver.threads || p.deterministic != solver.deterministic ||
              p.dtype != solver.dtype;
  }
  if (!differs) return IntervalErrorCheck();
  nlohmann::json job_json = TaskSpecForScenario(scenario).job;
  job_json["dtype"] = solver.dtype;
  VT_ASSIGN_OR_RETURN(JobConfig config, JobConfig::FromJson(job_json));
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(solver));
  VT_ASSIGN_OR_RETURN(auto job, MakeJob(config));
  const TensorMap start = job->InitialState(config.init_seed);
  TensorMap end = start;
  for (int64_t s = 0; s < scenario.protocol.checkpoint_interval; ++s) {
    VT_ASSIGN_OR_RETURN(end, TrainStep(*job, std::move(end)));
  }
  return CheckIntervalErrors(scenario, *job, solver, job_json, start, end, budget, calibrated);
}

}  // namespace

Result<IntervalErrorCheck> CalibratedDeltaCheck(const Scenario& scenario,
                                                const VerificationPolicy& calibrated,
                                                const IntervalErrorBudget& budget) {
  return OwnTasksDeltaCheck(scenario, &calibrated, budget);
}

Result<IntervalErrorCheck> HandSetDeltaCheck(const Scenario& scenario,
                                             const IntervalErrorBudget& budget) {
  if (scenario.protocol.calibration.is_object()) return IntervalErrorCheck();
  return OwnTasksDeltaCheck(scenario, nullptr, budget);
}

}  // namespace veritrain
