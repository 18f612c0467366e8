#include "scenarios/check/job_graph.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include <ATen/Parallel.h>

#include "core/train/node_arbitration.h"
#include "core/train/state_reach.h"
#include "core/train/step_purity.h"

namespace veritrain {
namespace {

struct Cache {
  std::mutex mu;
  std::map<std::string, JobFacts> facts;  // by CacheKey
  std::map<std::string, Status> purity;   // by CacheKey and profile
};

Cache& TheCache() {
  static Cache* cache = new Cache;
  return *cache;
}

// The evaluations of step 0 that test its purity on `threads` threads. On
// one, two: what differs does so every time. On more, a race between them
// that decides the order of a sum shows only sometimes: at least 6, and up
// to 64 while they take less than half a second. A rare race can still
// pass (the check is a test, not a proof).
PurityBudget PurityBudgetFor(int threads) {
  if (threads <= 1) return {};
  return {6, 64, 0.5};
}

// The config without its seeds: they change the values, not the graph.
std::string CacheKey(const JobConfig& config) {
  nlohmann::json j = config.ToJson();
  j.erase("init_seed");
  j.erase("data_seed");
  return j.dump();
}

std::string Flops(double f) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", f);
  return buf;
}

}  // namespace

nlohmann::json DescribeJobGraph(const TrainingJob& job) {
  const StepGraph& g = job.graph();
  const std::vector<bool> reach = NodesReachingState(g);
  nlohmann::json nodes = nlohmann::json::array();
  bool coarse = false;
  for (size_t i = 0; i < g.size(); ++i) {
    const Node& n = g.nodes()[i];
    coarse = coarse || n.coarse;
    nodes.push_back({{"index", i},
                     {"name", n.name},
                     {"kind", NodeKindName(n.kind)},
                     {"flops", n.flops},
                     {"coarse", n.coarse},
                     {"reaches_state", static_cast<bool>(reach[i])}});
  }
  const int64_t game_nodes = GameNodeCount(job);
  nodes.push_back({{"index", game_nodes - 1},
                   {"name", GameNodeName(job, game_nodes - 1)},
                   {"kind", "assemble"},
                   {"flops", 0.0},
                   {"coarse", false},
                   {"reaches_state", true}});
  return {{"job", job.name()},
          {"graph_nodes", g.size()},
          {"game_nodes", game_nodes},
          {"step_flops", job.StepFlops()},
          {"coarse", coarse},
          {"notes", job.Notes()},
          {"nodes", nodes}};
}

Result<JobFacts> JobFactsFor(const JobConfig& config) {
  Cache& cache = TheCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  const std::string key = CacheKey(config);
  auto it = cache.facts.find(key);
  if (it != cache.facts.end()) return it->second;
  VT_ASSIGN_OR_RETURN(std::unique_ptr<TrainingJob> job, MakeJob(config));
  JobFacts facts;
  facts.graph = DescribeJobGraph(*job);
  const auto t0 = std::chrono::steady_clock::now();
  int evaluations = 2;
  facts.pure = CheckStepIsPure(*job, config.init_seed, PurityBudgetFor(at::get_num_threads()),
                               &evaluations);
  facts.checked_under.threads = at::get_num_threads();
  facts.checked_under.deterministic = at::globalContext().deterministicAlgorithms();
  facts.checked_under.dtype = config.dtype;
  // Steps with every node's outputs fingerprinted: at least a plain step each.
  facts.step_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / evaluations;
  cache.facts.emplace(key, facts);
  return facts;
}

Status StepPurityUnder(const JobConfig& config, const HardwareProfile& p) {
  Cache& cache = TheCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  // Known already when JobFactsFor checked under this very profile.
  if (auto facts = cache.facts.find(CacheKey(config));
      facts != cache.facts.end() && facts->second.checked_under == p) {
    return facts->second.pure;
  }
  const std::string key = CacheKey(config) + "\n" + p.ToJson().dump();
  auto it = cache.purity.find(key);
  if (it != cache.purity.end()) return it->second;
  Status pure = [&]() -> Status {
    nlohmann::json j = config.ToJson();
    j["dtype"] = p.dtype;
    VT_ASSIGN_OR_RETURN(JobConfig in_dtype, JobConfig::FromJson(j));
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(p));
    VT_ASSIGN_OR_RETURN(std::unique_ptr<TrainingJob> job, MakeJob(in_dtype));
    return CheckStepIsPure(*job, in_dtype.init_seed, PurityBudgetFor(p.threads));
  }();
  cache.purity.emplace(key, pure);
  return pure;
}

std::vector<std::string> JobNotesOnce(const JobConfig& config) {
  Cache& cache = TheCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  auto it = cache.facts.find(CacheKey(config));
  if (it == cache.facts.end() || it->second.notes_logged) return {};
  it->second.notes_logged = true;
  return it->second.graph.value("notes", std::vector<std::string>());
}

std::string NodesTable(const nlohmann::json& graph) {
  const double step = graph.value("step_flops", 0.0);
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "%5s  %-32s %-14s %10s %7s  %-6s  %s\n", "index", "name",
                "kind", "FLOPs", "share", "grain", "reaches state");
  out += line;
  for (const auto& n : graph.value("nodes", nlohmann::json::array())) {
    const double f = n.value("flops", 0.0);
    char share[16] = "";
    if (step > 0) std::snprintf(share, sizeof(share), "%.1f%%", 100.0 * f / step);
    std::snprintf(line, sizeof(line), "%5lld  %-32s %-14s %10s %7s  %-6s  %s\n",
                  static_cast<long long>(n.value("index", int64_t{0})),
                  n.value("name", std::string()).c_str(), n.value("kind", std::string()).c_str(),
                  Flops(f).c_str(), share, n.value("coarse", false) ? "coarse" : "fine",
                  n.value("reaches_state", false) ? "yes" : "no");
    out += line;
  }
  return out;
}

}  // namespace veritrain
