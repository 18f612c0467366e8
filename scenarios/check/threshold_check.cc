#include "scenarios/check/threshold_check.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "core/pol/perturbation.h"
#include "core/state/distance.h"
#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "core/train/node_compare.h"
#include "scenarios/runner/run.h"

namespace veritrain {
namespace {

// Signs of the perturbation (any fixed value).
constexpr uint64_t kSigns = 0x7e57ab1e;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", v);
  return buf;
}

}  // namespace

Result<ThresholdCheck> CheckThresholds(const Scenario& scenario) {
  ThresholdCheck out;
  if (scenario.protocol.mode != "tolerance" || scenario.protocol.calibration.is_object() ||
      scenario.solvers().empty()) {
    return out;
  }
  const double tau = scenario.protocol.node_tolerance;
  VT_ASSIGN_OR_RETURN(HardwareProfile solver,
                      HardwareProfile::FromJson(scenario.solvers()[0]->profile.ToJson()));
  nlohmann::json job_json = TaskSpecForScenario(scenario).job;
  job_json["dtype"] = solver.dtype;
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

  // 1. The honest error of each node under each verifier's thread count.
  std::set<std::pair<int, bool>> tried = {{solver.threads, solver.deterministic}};
  nlohmann::json honest = nlohmann::json::object();
  for (const ParticipantSpec* v : scenario.verifiers()) {
    VT_ASSIGN_OR_RETURN(HardwareProfile p, HardwareProfile::FromJson(v->profile.ToJson()));
    if (!tried.insert({p.threads, p.deterministic}).second) continue;
    HardwareProfile evaluating = solver;  // the committed precision
    evaluating.threads = p.threads;
    evaluating.deterministic = p.deterministic;
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(evaluating));
    for (size_t n = 0; n < g.size(); ++n) {
      const Node& node = g.nodes()[n];
      TensorMap claimed;
      for (const auto& name : node.outputs) claimed.emplace(name, record[n].outputs.at(name));
      VT_ASSIGN_OR_RETURN(NodeDeviation d, CompareNode(g, n, record[n].inputs, claimed));
      honest[node.name] = std::max(honest.value(node.name, 0.0), d.ratio);
      if (d.ratio > tau) {
        out.errors.push_back(
            "/protocol/game/node_tolerance: " + Num(tau) + " is below the honest error of node " +
            node.name + " between the solver's profile (threads=" +
            std::to_string(solver.threads) + ") and " + v->name + "'s (threads=" +
            std::to_string(p.threads) + "): " + Num(d.ratio) +
            "; an honest solver would lose a dispute there. Raise it above " + Num(d.ratio) +
            ", or calibrate the thresholds (protocol.calibration)");
      }
    }
  }
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(solver));

  // 2. How far a solver keeping every node within τ moves one interval.
  nlohmann::json moved = nlohmann::json::object();
  if (tau > 0) {
    TensorMap state = states.front();
    for (int64_t s = 0; s < k; ++s) {
      VT_ASSIGN_OR_RETURN(state,
                          PerturbedStep(*job, state, [tau](const std::string&) { return tau; },
                                        kSigns));
    }
    VT_ASSIGN_OR_RETURN(StateDistance d, ParameterDistance(ToState(state), ToState(states.back())));
    for (const auto& m : scenario.protocol.metrics) {
      const Metric metric = *MetricFromName(m);
      auto ref = scenario.protocol.reference.find(m);
      const double distance =
          ref == scenario.protocol.reference.end() ? d.Get(metric) : d.Get(metric) / ref->second;
      moved[m] = distance;
      const double delta = scenario.protocol.delta.at(m);
      if (distance > delta) {
        // The distance grows about linearly with τ at these sizes.
        out.errors.push_back(
            "/protocol/game/node_tolerance: " + Num(tau) +
            " lets a solver keep every node of every step within it and still move one "
            "interval by " + m + " " + Num(distance) + ", beyond delta " + m + " " + Num(delta) +
            ": the verifier would challenge and the honest challenger lose the game. Lower it to "
            "about " + Num(tau * delta / distance) +
            " or less, raise delta, or calibrate the thresholds (protocol.calibration)");
      }
    }
  }
  out.measured = {{"node_tolerance", tau}, {"honest_node_error", honest}, {"perturbation", moved}};
  return out;
}

}  // namespace veritrain
