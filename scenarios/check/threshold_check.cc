#include "scenarios/check/threshold_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/pol/check_interval.h"
#include "core/pol/perturbation.h"
#include "core/state/distance.h"
#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "core/train/node_compare.h"
#include "scenarios/check/interval_error_check.h"
#include "scenarios/runner/run.h"
#include "solver/forced_error.h"

namespace veritrain {

namespace {

// Whether every parameter ("param/…") of `state` is finite.
bool EveryParameterFinite(const TensorMap& state) {
  for (const auto& [name, t] : state) {
    if (name.rfind("param/", 0) == 0 && t.is_floating_point() &&
        !torch::isfinite(t).all().item<bool>()) {
      return false;
    }
  }
  return true;
}


// Signs of the perturbation (any fixed value).
constexpr uint64_t kSigns = 0x7e57ab1e;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", v);
  return buf;
}

// `v` to 3 significant digits, rounded down: an advised upper bound that
// the printed value does not exceed.
std::string NumAtMost(double v) {
  std::string text = Num(v);
  for (int i = 0; i < 4 && std::stod(text) > v; ++i) {
    text = Num(std::stod(text) * (1 - 1e-3));
  }
  return text;
}

// "by l2 0.031", or "without bound" when the moved state is not finite.
std::string MovedBy(const std::string& metric, double distance) {
  return std::isfinite(distance)
             ? "by " + metric + " " + Num(distance)
             : std::string("without bound (its parameters reach a NaN or an infinity)");
}

}  // namespace

Result<ThresholdCheck> CheckThresholds(const Scenario& scenario,
                                       const IntervalErrorBudget& budget) {
  ThresholdCheck out;
  // A calibration sets consistent thresholds (nothing to measure here),
  // except that δ is never below its floor: a floor no forced error can
  // leave makes the honest solver give up every forced error, and be
  // slashed for it.
  const bool calibrated = scenario.protocol.calibration.is_object();
  if (scenario.protocol.mode != "tolerance" || scenario.solvers().empty()) return out;
  const double tau = scenario.protocol.node_tolerance;
  VT_ASSIGN_OR_RETURN(HardwareProfile solver,
                      HardwareProfile::FromJson(scenario.solvers()[0]->profile.ToJson()));
  nlohmann::json job_json = TaskSpecForScenario(scenario).job;
  job_json["dtype"] = solver.dtype;
  // A market's tasks train its job variants: the longest holds the most
  // intervals (and the latest steps) a threshold must fit.
  if (scenario.market) {
    int64_t longest = job_json.value("steps", int64_t{0});
    for (const MarketJob& variant : scenario.market->jobs) longest = std::max(longest, variant.steps);
    job_json["steps"] = longest;
  }
  VT_ASSIGN_OR_RETURN(JobConfig config, JobConfig::FromJson(job_json));
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(solver));
  VT_ASSIGN_OR_RETURN(auto job, MakeJob(config));
  const StepGraph& g = job->graph();
  const int64_t k = scenario.protocol.checkpoint_interval;

  // The honest trace of the first interval, with the first step's nodes
  // recorded.
  std::vector<TensorMap> states = {job->InitialState(config.init_seed)};
  std::vector<NodeRecord> record;
  for (int64_t s = 0; s < k; ++s) {
    VT_ASSIGN_OR_RETURN(TensorMap next, TrainStep(*job, states.back(), s == 0 ? &record : nullptr));
    states.push_back(std::move(next));
  }
  if (calibrated) {
    // An honest error no δ covers (the training diverges differently under
    // a verifier's profile): the calibration could set none that spares
    // honest verifiers.
    VT_ASSIGN_OR_RETURN(IntervalErrorCheck diverged,
                        DivergenceCheck(scenario, *job, solver, job_json, states.front(),
                                        states.back(), budget));
    for (auto& e : diverged.non_finite) out.errors.push_back(std::move(e));
    if (scenario.economics.task.forced_error_rate == 0) return out;
    const double floor = scenario.protocol.calibration.value("floor", 1e-12);
    VerificationPolicy at_floor = TaskSpecForScenario(scenario).verification;
    for (const std::string& m : at_floor.metrics) at_floor.delta[m] = floor;
    auto wrong = VisibleForcedErrorState(states.back(), "tolerance", at_floor, k, 1);
    if (!wrong.ok()) {
      out.errors.push_back("/protocol/calibration/floor: " + Num(floor) +
                           ", the least delta the calibration sets, and forced_error_rate " +
                           Num(scenario.economics.task.forced_error_rate) +
                           ", but no forced error can leave a delta this large: " +
                           wrong.status().message() +
                           ". The honest solver would give up every forced error and be "
                           "slashed. Lower the floor, or set forced_error_rate to 0");
    }
    return out;
  }

  // 0. The honest error of every interval as each verifier profile
  // re-executes it, as far as the budget goes (interval_error_check.h):
  // beyond δ, that verifier would challenge an honest solver and lose its
  // challenge stake.
  VT_ASSIGN_OR_RETURN(IntervalErrorCheck intervals,
                      CheckIntervalErrors(scenario, *job, solver, job_json, states.front(),
                                          states.back(), budget));
  for (auto& e : intervals.errors) out.errors.push_back(std::move(e));
  for (auto& w : intervals.warnings) out.warnings.push_back(std::move(w));

  // A forced error must be visible under δ, or every honest verifier would
  // approve it and be slashed as lazy; the solver makes it so, and gives up
  // only where nothing finite leaves δ.
  if (scenario.economics.task.forced_error_rate > 0) {
    const TaskSpec task = TaskSpecForScenario(scenario);
    auto wrong = VisibleForcedErrorState(states.back(), "tolerance", task.verification, k, 1);
    if (!wrong.ok()) {
      out.errors.push_back("/economics/forced_error_rate: " +
                           Num(scenario.economics.task.forced_error_rate) +
                           ", but no forced error can leave this delta: " +
                           wrong.status().message() +
                           ". Lower delta (protocol.delta), or set forced_error_rate to 0");
    }
  }

  // 1. The honest error of each node under each verifier's thread count,
  // on step 0 and on the first step of the intervals the interval check
  // kept (a node's error can grow as training goes on).
  struct RecordedStep {
    int64_t step;
    std::vector<NodeRecord> nodes;
  };
  std::vector<RecordedStep> recorded;
  recorded.push_back({0, std::move(record)});
  for (const auto& [step, start] : intervals.sampled_starts) {
    RecordedStep r{step, {}};
    VT_RETURN_IF_ERROR(TrainStep(*job, start, &r.nodes).status());
    recorded.push_back(std::move(r));
  }
  nlohmann::json node_steps = nlohmann::json::array();
  for (const RecordedStep& r : recorded) node_steps.push_back(r.step);
  std::set<std::pair<int, bool>> tried = {{solver.threads, solver.deterministic}};
  nlohmann::json honest = nlohmann::json::object();
  // The largest honest error, where, and the first error line it caused.
  double largest = 0;
  std::string largest_where;
  for (const ParticipantSpec* v : scenario.verifiers()) {
    VT_ASSIGN_OR_RETURN(HardwareProfile p, HardwareProfile::FromJson(v->profile.ToJson()));
    if (!tried.insert({p.threads, p.deterministic}).second) continue;
    HardwareProfile evaluating = solver;  // the committed precision
    evaluating.threads = p.threads;
    evaluating.deterministic = p.deterministic;
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(evaluating));
    // Each node's largest error over the recorded steps, and its step.
    std::vector<std::pair<double, int64_t>> worst(g.size(), {0.0, 0});
    for (const RecordedStep& r : recorded) {
      for (size_t n = 0; n < g.size(); ++n) {
        const Node& node = g.nodes()[n];
        TensorMap claimed;
        for (const auto& name : node.outputs) claimed.emplace(name, r.nodes[n].outputs.at(name));
        VT_ASSIGN_OR_RETURN(NodeDeviation d, CompareNode(g, n, r.nodes[n].inputs, claimed));
        if (d.ratio > worst[n].first) worst[n] = {d.ratio, r.step};
      }
    }
    for (size_t n = 0; n < g.size(); ++n) {
      const Node& node = g.nodes()[n];
      const auto [ratio, step] = worst[n];
      honest[node.name] = std::max(honest.value(node.name, 0.0), ratio);
      const std::string where = "node " + node.name + " at step " + std::to_string(step) +
                                " between the solver's profile (threads=" +
                                std::to_string(solver.threads) + ") and " + v->name +
                                "'s (threads=" + std::to_string(p.threads) + ")";
      if (ratio > largest) {
        largest = ratio;
        largest_where = where;
      }
      if (ratio > tau) {
        out.errors.push_back("/protocol/game/node_tolerance: " + Num(tau) +
                             " is below the honest error of " + where + ": " + Num(ratio) +
                             "; an honest solver would lose a dispute there. Raise it above " +
                             Num(ratio) + ", or calibrate the thresholds (protocol.calibration)");
      }
    }
  }
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(solver));

  // How far a solver keeping every node of every step within `t` moves one
  // interval, by metric (normalised where the scenario gives a reference).
  // A perturbation that takes the state to a NaN or an infinity (a large
  // honest node error on a layer norm, say) moves it without bound.
  auto moved_by = [&](double t) -> Result<std::map<std::string, double>> {
    TensorMap state = states.front();
    for (int64_t s = 0; s < k; ++s) {
      VT_ASSIGN_OR_RETURN(
          state, PerturbedStep(*job, state, [t](const std::string&) { return t; }, kSigns));
    }
    std::map<std::string, double> out_moved;
    if (!EveryParameterFinite(state)) {
      for (const auto& m : scenario.protocol.metrics) out_moved[m] = INFINITY;
      return out_moved;
    }
    VT_ASSIGN_OR_RETURN(StateDistance d, ParameterDistance(ToState(state), ToState(states.back())));
    for (const auto& m : scenario.protocol.metrics) {
      const Metric metric = *MetricFromName(m);
      auto ref = scenario.protocol.reference.find(m);
      out_moved[m] =
          ref == scenario.protocol.reference.end() ? d.Get(metric) : d.Get(metric) / ref->second;
    }
    return out_moved;
  };

  // 3 (first, since it decides the advice of 2). The node threshold cannot
  // go below the largest honest error: if a solver kept within that moves
  // an interval beyond δ already, no node threshold works with this δ, and
  // "lower it" would contradict "raise it".
  std::map<std::string, double> at_honest;
  if (largest > 0) {
    VT_ASSIGN_OR_RETURN(at_honest, moved_by(largest));
  }
  std::set<std::string> no_window;
  for (const auto& [m, distance] : at_honest) {
    const double delta = scenario.protocol.delta.at(m);
    if (distance <= delta) continue;
    no_window.insert(m);
    out.errors.push_back(
        "/protocol/delta: no node_tolerance works with delta " + m + " " + Num(delta) +
        ": it must be above the largest honest node error, " + Num(largest) + " (" +
        largest_where + "), and a solver keeping every node of every step within that moves "
        "one interval " + MovedBy(m, distance) +
        ", beyond delta, so the honest challenger would lose the game. " +
        (std::isfinite(distance) ? "Raise delta " + m + " above " + Num(distance) + ", or "
                                 : std::string("No delta works: ")) +
        "calibrate the thresholds (protocol.calibration)");
  }

  // 2. How far a solver keeping every node within τ moves one interval. A
  // solver kept within τ may also stay within the honest error, so what it
  // can do is at least what either measurement shows.
  nlohmann::json moved = nlohmann::json::object();
  if (tau > 0) {
    VT_ASSIGN_OR_RETURN(auto at_tau, moved_by(tau));
    if (largest > 0 && largest <= tau) {
      for (auto& [m, distance] : at_tau) distance = std::max(distance, at_honest.at(m));
    }
    for (const auto& [m, distance] : at_tau) {
      moved[m] = distance;
      const double delta = scenario.protocol.delta.at(m);
      if (distance <= delta) continue;
      std::string advice;
      if (no_window.count(m) > 0) {
        advice = "No lower value works either (see /protocol/delta)";
      } else {
        // The distance is far from linear in the threshold (an optimizer
        // such as Adam normalises the gradients): search, in log scale,
        // between the largest honest error (or a millionth of τ) and τ,
        // for the largest threshold whose interval stays within δ.
        double lo = largest > 0 ? largest : tau * 1e-6, hi = tau;
        VT_ASSIGN_OR_RETURN(auto at_lo, moved_by(lo));
        if (largest > 0) at_lo[m] = std::max(at_lo[m], at_honest.at(m));
        if (at_lo[m] > delta) {
          advice = "Lower it below " + Num(lo) + " (a solver kept within that still moves one "
                   "interval " + MovedBy(m, at_lo[m]) + "), raise delta, or calibrate the "
                   "thresholds (protocol.calibration)";
        } else {
          double lo_distance = at_lo[m];
          for (int i = 0; i < 8; ++i) {
            const double mid = std::sqrt(lo * hi);
            VT_ASSIGN_OR_RETURN(auto at_mid, moved_by(mid));
            const double d = std::max(at_mid[m], lo_distance);  // at least what lower allows
            if (d <= delta) {
              lo = mid;
              lo_distance = d;
            } else {
              hi = mid;
            }
          }
          advice = "Lower it to " + NumAtMost(lo) + " or less (measured: a solver kept within " +
                   NumAtMost(lo) + " moves one interval by " + m + " " + Num(lo_distance) + ")" +
                   (largest > 0 ? ", not below " + Num(largest) + ", the largest honest node error"
                                : std::string()) +
                   "; or raise delta, or calibrate the thresholds (protocol.calibration)";
        }
      }
      out.errors.push_back(
          "/protocol/game/node_tolerance: " + Num(tau) +
          " lets a solver keep every node of every step within it and still move one "
          "interval " + MovedBy(m, distance) + ", beyond delta " + m + " " + Num(delta) +
          ": the verifier would challenge and the honest challenger lose the game. " + advice);
    }
  }
  nlohmann::json moved_at_honest = nlohmann::json::object();
  for (const auto& [m, distance] : at_honest) moved_at_honest[m] = distance;
  out.measured = {{"node_tolerance", tau},
                  {"honest_interval_error", intervals.measured},
                  {"honest_node_error", honest},
                  {"node_error_steps", node_steps},
                  {"perturbation", moved},
                  {"perturbation_at_honest_error", moved_at_honest}};
  return out;
}

}  // namespace veritrain
