#include "scenarios/check/job_check.h"

#include "core/train/job_environment.h"

#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <zmq.hpp>

#include "core/train/hardware_profile.h"
#include "core/transport/retry_policy.h"
#include "scenarios/spec/closest_name.h"
#include "scenarios/spec/summary_shape.h"
#include "scenarios/check/behaviour_check.h"
#include "scenarios/check/clock_check.h"
#include "scenarios/check/job_graph.h"
#include "scenarios/check/process_purity.h"
#include "scenarios/check/threshold_check.h"
#include "scenarios/runner/run.h"
#include "scenarios/sweep/sweep.h"

namespace veritrain {
namespace {

using nlohmann::json;

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void Append(std::string* errors, const std::string& line) {
  *errors += (errors->empty() ? "" : "\n") + line;
}

int CudaDevices() {
  try {
    return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

Result<JobConfig> ScenarioJobConfig(const Scenario& sc) {
  json job = TaskSpecForScenario(sc).job;
  if (!sc.solvers().empty()) job["dtype"] = sc.solvers().front()->profile.dtype;
  return JobConfig::FromJson(job);
}

namespace {

// Every profile a role or the calibration applies, with its place: the
// participants' and protocol.calibration.profiles, in that order.
std::vector<std::pair<std::string, json>> ScenarioProfiles(const Scenario& sc) {
  std::vector<std::pair<std::string, json>> profiles;
  for (size_t i = 0; i < sc.participants.size(); ++i) {
    profiles.emplace_back(sc.ParticipantPath(i) + "/profile", sc.participants[i].profile.ToJson());
  }
  if (sc.protocol.calibration.is_object()) {
    const json listed = sc.protocol.calibration.value("profiles", json::array());
    for (size_t i = 0; i < listed.size(); ++i) {
      profiles.emplace_back("/protocol/calibration/profiles/" + std::to_string(i), listed[i]);
    }
  }
  return profiles;
}

// Applies the first solver's profile to this process when it is a CPU
// one: what the job's facts are measured under (its step time is then
// the solver's).
Status ApplySolverProfile(const Scenario& sc) {
  if (sc.solvers().empty()) return Status::Ok();
  auto solver = HardwareProfile::FromJson(sc.solvers().front()->profile.ToJson());
  if (!solver.ok() || solver->device != "cpu") return Status::Ok();
  return ApplyHardwareProfile(*solver);
}

}  // namespace

Status CheckDevices(const Scenario& sc, int cuda_devices) {
  std::string errors;
  for (const auto& entry : ScenarioProfiles(sc)) {
    const std::string& at = entry.first;
    // The rule every role applies to its profile at start-up.
    auto parsed = HardwareProfile::FromJson(entry.second);
    if (!parsed.ok()) {
      Append(&errors, at + ": " + parsed.status().message());
      continue;
    }
    const std::string& device = parsed->device;
    if (device == "cpu") continue;
    int64_t index = 0;  // "cuda" is cuda:0; FromJson let only digits follow "cuda:"
    if (device.size() > 5) {
      const std::string digits = device.substr(5);
      index = digits.size() > 18 ? INT64_MAX : std::stoll(digits);
    }
    if (cuda_devices == 0) {
      Append(&errors, at + "/device: \"" + device +
                          "\" names a CUDA device, but this machine has none (LibTorch sees no "
                          "CUDA device: a CPU-only LibTorch, or no GPU or driver); use \"cpu\"");
    } else if (index >= cuda_devices) {
      Append(&errors, at + "/device: \"" + device + "\" does not exist: this machine has " +
                          std::to_string(cuda_devices) + " CUDA device(s), cuda:0 to cuda:" +
                          std::to_string(cuda_devices - 1));
    }
  }
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

Status CheckCalibrationProfiles(const Scenario& sc) {
  if (sc.protocol.mode != "tolerance" || !sc.protocol.calibration.is_object() ||
      !sc.protocol.calibration.contains("profiles")) {
    return Status::Ok();
  }
  std::vector<HardwareProfile> listed;
  for (const json& p : sc.protocol.calibration["profiles"]) {
    auto parsed = HardwareProfile::FromJson(p);
    if (!parsed.ok()) return Status::Ok();  // CheckDevices names it
    listed.push_back(*parsed);
  }
  std::string errors;
  // A profile listed twice counts its samples twice: the predicted rate of
  // false positives leans toward it, with an interval narrower than its
  // samples warrant.
  for (size_t j = 0; j < listed.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      if (listed[i] == listed[j]) {
        Append(&errors, "/protocol/calibration/profiles/" + std::to_string(j) +
                            ": the same profile as /protocol/calibration/profiles/" +
                            std::to_string(i) + " (" + listed[i].ToJson().dump() +
                            "): its samples would count twice; list each profile once");
        break;
      }
    }
  }
  for (size_t i = 0; i < sc.participants.size(); ++i) {
    const ParticipantSpec& p = sc.participants[i];
    if (p.role != "solver" && p.role != "verifier") continue;
    auto own = HardwareProfile::FromJson(p.profile.ToJson());
    if (!own.ok()) continue;  // CheckDevices names it
    if (std::find(listed.begin(), listed.end(), *own) != listed.end()) continue;
    Append(&errors, sc.ParticipantPath(i) + "/profile: " + p.name + "'s " +
                        own->ToJson().dump() +
                        " is not among protocol.calibration.profiles: the calibration measures "
                        "the honest error between the profiles it lists, so its thresholds "
                        "would not cover " + p.name + "'s, and an honest party could lose (a "
                        "verifier its challenge stake on a false positive); list it");
  }
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

Status CheckRetryPolicy(const Scenario& sc) {
  // The parse the runner and every role apply to network.retry.
  auto retry = RetryPolicy::FromJson(sc.network.retry);
  if (retry.ok()) return Status::Ok();
  return Status::InvalidArgument("/network/retry: " + retry.status().message());
}

Status CheckCorruptNodes(const Scenario& sc, const json& graph) {
  std::vector<std::string> names;
  std::map<std::string, json> by_name;
  std::string assemble;
  for (const auto& n : graph.value("nodes", json::array())) {
    const std::string name = n.value("name", std::string());
    if (n.value("kind", std::string()) == "assemble") {
      assemble = name;
      continue;
    }
    names.push_back(name);
    by_name[name] = n;
  }
  const std::string job = graph.value("job", std::string());
  // In a market, tasks come in job variants: a step is past every task
  // only beyond the longest one.
  int64_t steps = sc.job.value("steps", int64_t{0});
  std::string steps_text = "job.steps = " + std::to_string(steps);
  if (sc.market) {
    steps = 0;
    for (const MarketJob& v : sc.market->jobs) steps = std::max(steps, v.steps);
    steps_text = "the longest of market.jobs";
  }
  std::string errors;
  for (size_t i = 0; i < sc.participants.size(); ++i) {
    const ParticipantSpec& p = sc.participants[i];
    if (p.role != "solver" || p.behaviour != "corrupt-node") continue;
    const std::string at = sc.ParticipantPath(i) + "/params/";
    const json step = p.params.value("step", json());
    if (step.is_number_integer() && step.get<int64_t>() >= steps) {
      Append(&errors, at + "step: step " + step.dump() + " is past the last step of the task (" +
                          "steps 0 to " + std::to_string(steps - 1) + ", " + steps_text +
                          "): the solver would never corrupt anything");
    }
    const std::string node = p.params.value("node", std::string());
    if (node.empty()) continue;  // CheckBehaviourParams names it
    auto it = by_name.find(node);
    if (it == by_name.end()) {
      std::string line = at + "node: ";
      if (!assemble.empty() && node == assemble) {
        line += "\"" + node +
                "\" is the challenge game's last node, which assembles the next state; "
                "corrupt-node perturbs a node of the step graph";
      } else {
        line += "no node \"" + node + "\" in the step graph of job " + job;
        const std::string close = ClosestName(node, names);
        if (!close.empty()) line += "; did you mean \"" + close + "\"?";
      }
      line += std::string(line.back() == '?' ? "" : ".") + " The nodes are: " + Joined(names) +
              " (`veritrain nodes` lists them)";
      Append(&errors, line);
      continue;
    }
    if (!it->second.value("reaches_state", true)) {
      std::vector<std::string> reaching_names;
      for (const auto& n : names) {
        if (by_name[n].value("reaches_state", false)) reaching_names.push_back(n);
      }
      Append(&errors,
             at + "node: corrupting \"" + node +
                 "\" cannot change the trained state: no node that leads to the next state "
                 "reads its outputs, so every checkpoint stays honest, no verifier can see it, "
                 "and the run would count the attack as missed. Name a node whose outputs "
                 "reach the state: " + Joined(reaching_names));
    }
  }
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

Status CheckDisputeNodeExpectations(const Scenario& sc, const json& graph) {
  std::vector<std::string> nodes;
  for (const auto& n : graph.value("nodes", json::array())) {
    nodes.push_back(n.value("name", std::string()));
  }
  if (nodes.empty()) return Status::Ok();
  // Every other path error was refused when the scenario was read: what
  // is left is a dispute's node that the job's game does not have.
  std::string errors;
  for (const ScenarioError& e : CheckExpectPaths(sc.resolved, nodes)) {
    Append(&errors, e.path + ": " + e.message);
  }
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

Status CheckTcpHost(const Scenario& sc) {
  if (sc.network.transport != "tcp") return Status::Ok();
  // The roles bind "tcp://<host>:*": try the same bind here (ZeroMQ takes
  // a name it cannot resolve as a network interface, "No such device").
  const std::string endpoint = "tcp://" + sc.network.host + ":*";
  try {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("/network/host: \"" + sc.network.host +
                                   "\" cannot be bound on this machine (" + endpoint + ": " +
                                   e.what() +
                                   "): give one of its addresses (\"127.0.0.1\") or interfaces");
  }
  return Status::Ok();
}

Status CheckProfilePurity(const Scenario& sc, const JobConfig& config) {
  // Every profile a role or the calibration computes under, once each, at
  // the first place the scenario gives it.
  std::string errors;
  std::set<std::string> seen;
  for (const auto& [at, j] : ScenarioProfiles(sc)) {
    auto p = HardwareProfile::FromJson(j);
    // A profile the roles refuse, or a device other than the CPU: the
    // device check says so, or the device's own run does.
    if (!p.ok() || p->device != "cpu" || !seen.insert(p->ToJson().dump()).second) continue;
    Status pure = StepPurityUnder(config, *p);
    if (!pure.ok()) {
      Append(&errors, at + ": job '" + config.name + "' under the profile " + p->ToJson().dump() +
                          ": " + pure.message());
    }
  }
  // The process computes as the solver does again (its checks measure
  // under the solver's profile).
  VT_RETURN_IF_ERROR(ApplySolverProfile(sc));
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

Status CheckScenarioAgainstJob(const Scenario& sc, const JobConfig& config) {
  std::string errors;
  if (Status s = CheckDevices(sc, CudaDevices()); !s.ok()) Append(&errors, s.message());
  if (Status s = CheckTcpHost(sc); !s.ok()) Append(&errors, s.message());
  if (Status s = CheckRetryPolicy(sc); !s.ok()) Append(&errors, s.message());
  if (Status s = CheckCalibrationProfiles(sc); !s.ok()) Append(&errors, s.message());
  // The job's facts as the solver computes: its step time is the solver's,
  // and its purity need not be checked under its profile again.
  VT_RETURN_IF_ERROR(ApplySolverProfile(sc));
  VT_ASSIGN_OR_RETURN(JobFacts facts, JobFactsFor(config));
  if (!facts.pure.ok()) {
    Append(&errors, "/job: " + facts.pure.message());
  } else if (Status s = CheckProfilePurity(sc, config); !s.ok()) {
    Append(&errors, s.message());
  } else if (Status across = StepPureAcrossProcesses(config, facts.checked_under);
             !across.ok()) {
    Append(&errors, "/job: " + across.message());
  }
  if (Status s = CheckCorruptNodes(sc, facts.graph); !s.ok()) Append(&errors, s.message());
  if (Status s = CheckDisputeNodeExpectations(sc, facts.graph); !s.ok()) {
    Append(&errors, s.message());
  }
  for (const std::string& e : ClockErrors(sc, facts)) Append(&errors, e);
  for (const auto& note : JobNotesOnce(config)) spdlog::info("job {}: note: {}", config.name, note);
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

Status CheckPointAgainstJob(const Scenario& sc, std::vector<std::string>* warnings,
                            const IntervalErrorBudget& budget) {
  auto config = ScenarioJobConfig(sc);
  Status s = config.ok() ? CheckScenarioAgainstJob(sc, *config) : config.status();
  // A point may vary a behaviour's parameters: they are checked there too.
  if (Status b = CheckBehaviourParams(sc); !b.ok()) {
    s = s.ok() ? b : Status::InvalidArgument(s.message() + "\n" + b.message());
  }
  if (!s.ok()) return s;
  // Measured on a job that builds and a scenario the checks above pass.
  auto thresholds = CheckThresholds(sc, budget);
  if (!thresholds.ok()) return thresholds.status();
  if (warnings != nullptr) {
    for (const auto& w : thresholds->warnings) warnings->push_back(w);
  }
  std::string errors;
  for (const auto& e : thresholds->errors) Append(&errors, e);
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

std::string EachLine(const std::string& prefix, const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    out += prefix + text.substr(start, nl == std::string::npos ? std::string::npos : nl - start) +
           "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::vector<ScenarioError> CheckSweepJobs(const Scenario& base,
                                          std::vector<std::string>* warnings,
                                          const IntervalErrorBudget& budget) {
  std::vector<ScenarioError> out;
  auto spec = SweepSpecOf(base);
  if (!spec.ok() || !base.resolved.contains("sweep")) return out;
  SweepSpec one = *spec;
  one.repetitions = 1;
  // Once per point: a point's repetitions differ in their seed only, and
  // measuring the thresholds trains the job.
  PointProblems problems;
  PointProblems point_warnings;
  for (const SweepRun& run : SweepRuns(one, base.seed)) {
    auto sc = SweepRunScenario(base, *spec, run);
    if (!sc.ok()) continue;  // CheckSweep reports it
    // The point's plug-ins, as its run loads them (a point may add one).
    auto env = ResolveJobEnvironment(sc->plugins, sc->source_dir);
    Status s = env.ok() ? ApplyJobEnvironment(*env) : env.status();
    std::vector<std::string> said;
    if (s.ok()) s = CheckPointAgainstJob(*sc, &said, budget);
    if (!s.ok()) problems.Add(PointName(*spec, run), s.message());
    for (const auto& w : said) point_warnings.Add(PointName(*spec, run), w);
  }
  for (const auto& line : problems.Lines()) out.push_back({"/sweep", line});
  if (warnings != nullptr) {
    for (const auto& line : point_warnings.Lines()) warnings->push_back("/sweep: " + line);
  }
  return out;
}

}  // namespace veritrain
