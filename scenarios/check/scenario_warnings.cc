#include "scenarios/check/scenario_warnings.h"

#include <map>
#include <utility>

#include "scenarios/runner/run.h"

namespace veritrain {
namespace {

// How `v` differs from `s` in what decides the bits of a re-execution,
// e.g. "threads 2 against 1, deterministic false against true"; "" when it
// does not.
std::string BitDifferences(const ProfileSpec& v, const ProfileSpec& s) {
  std::string out;
  auto add = [&out](const std::string& what) { out += (out.empty() ? "" : ", ") + what; };
  if (v.threads != s.threads) {
    add("threads " + std::to_string(v.threads) + " against " + std::to_string(s.threads));
  }
  // (A dtype that differs is refused in exact mode: ParseScenario.)
  if (v.device != s.device) add("device " + v.device + " against " + s.device);
  if (!v.deterministic || !s.deterministic) {
    add(std::string("deterministic ") + (v.deterministic ? "true" : "false") + " against " +
        (s.deterministic ? "true" : "false"));
  }
  return out;
}

}  // namespace

std::vector<std::string> ScenarioWarnings(const Scenario& scenario) {
  std::vector<std::string> out;
  const TaskEconomics& e = scenario.economics.task;
  const int64_t needs = e.verifier_stake + e.challenge_stake;  // each <= 2^53
  if (!scenario.market && e.challenge_stake > 0 && !scenario.verifiers().empty() &&
      scenario.economics.participant_funds < needs) {
    out.push_back("/economics/participant_funds: " +
                  std::to_string(scenario.economics.participant_funds) +
                  " cannot lock a verifier's stake and a challenge stake (" +
                  std::to_string(e.verifier_stake) + " + " + std::to_string(e.challenge_stake) +
                  "): a selected verifier can never challenge (its challenge is taken as an "
                  "abstention), so a corrupt solver goes unchallenged. Give participants at "
                  "least " + std::to_string(needs) + ".");
  }
  for (const ParticipantSpec* s : scenario.solvers()) {
    const auto seed = s->params.find("source_data_seed");
    if (s->behaviour != "replay" || scenario.market || seed == s->params.end() ||
        !seed->is_number_integer() || (!seed->is_number_unsigned() && seed->get<int64_t>() < 0)) {
      continue;
    }
    for (int64_t i = 0; i < scenario.tasks; ++i) {
      const nlohmann::json job = TaskSpecForScenario(scenario, i).job;
      if (job.value("data_seed", uint64_t{0}) != seed->get<uint64_t>()) continue;
      out.push_back("/participants: solver '" + s->name + "' replays source_data_seed " +
                    std::to_string(seed->get<uint64_t>()) + ", the data seed of task " +
                    std::to_string(i) +
                    " itself: the replayed proof is that task's honest training, so the run "
                    "counts it as honest (a challenge is a false positive). To replay another "
                    "task's proof, give another seed or leave source_data_seed out.");
    }
  }
  if (scenario.protocol.mode != "exact") return out;
  struct Pair {
    std::string verifier, solver, differences;
    int64_t count = 0;
  };
  // Keyed by the two profiles, so that a market's many participants with
  // the same profiles give one line.
  std::map<std::pair<std::string, std::string>, Pair> pairs;
  std::vector<std::pair<std::string, std::string>> order;
  for (const ParticipantSpec* v : scenario.verifiers()) {
    for (const ParticipantSpec* s : scenario.solvers()) {
      const std::string differences = BitDifferences(v->profile, s->profile);
      if (differences.empty()) continue;
      const auto key = std::make_pair(v->profile.ToJson().dump(), s->profile.ToJson().dump());
      auto [it, added] = pairs.try_emplace(key, Pair{v->name, s->name, differences, 0});
      if (added) order.push_back(key);
      ++it->second.count;
    }
  }
  for (const auto& key : order) {
    const Pair& p = pairs[key];
    std::string who = "verifier '" + p.verifier + "' and solver '" + p.solver + "'";
    if (p.count > 1) who += " (and " + std::to_string(p.count - 1) + " more such pairs)";
    out.push_back("/protocol/mode: exact mode compares checkpoints bit for bit, and the profiles "
                  "of " + who + " differ (" + p.differences +
                  "): the verifier can re-execute an honest interval to other bits, challenge "
                  "an honest solver and lose its challenge stake. Give them the same profile, or "
                  "use tolerance mode.");
  }
  return out;
}

void PrintScenarioWarnings(const Scenario& scenario, const std::string& source,
                           std::ostream& out) {
  for (const std::string& w : ScenarioWarnings(scenario)) out << source << ": warning: " << w << "\n";
}

}  // namespace veritrain
